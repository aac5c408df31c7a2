/**
 * The panel's data layer against a real tracker: the Connection (with mqtt.js's Node build
 * over the same MQTT-over-WebSocket endpoint the browser uses) feeds the store, sends
 * commands and matches their answers, and re-syncs after the tracker comes back.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { Connection, type ConnectFn, type ConnectionStatus } from '../../../../frontend/src/data/connection.js';
import { RequestStore } from '../../../../frontend/src/data/store.js';
import { mqttUrl } from '../../../../frontend/src/data/url.js';
import { fakeHash, jellyseerr, type MovieSpec } from '../../../../src/demo/payloads.js';
import { startIngressProxy } from '../../../helpers/browser.js';
import { startTracker, type Harness } from '../../../helpers/tracker.js';
import { until } from '../../../helpers/wait.js';

const movie = (n: number): MovieSpec => ({ requestId: n, tmdbId: 500 + n, title: `Film ${n}`, year: 2020, radarrId: n, hash: fakeHash(`panel-conn-${n}`) });
const connect: ConnectFn = (url, options) => mqtt.connect(url, options);

const cleanup: Array<() => Promise<void> | void> = [];
const panels: Connection[] = [];
afterEach(async () => {
  // Panels first: a tracker does not finish stopping while a WebSocket client is connected.
  for (const c of panels.splice(0)) c.stop();
  for (const c of cleanup.splice(0).reverse()) await c();
});

function panel(url: string): { store: RequestStore; connection: Connection; statuses: ConnectionStatus[] } {
  const store = new RequestStore({ schedule: (flush) => setTimeout(flush, 5) });
  const connection = new Connection({ url, store, connect, reconnectMs: 100, resyncQuietMs: 200, commandTimeoutMs: 5_000 });
  const statuses: ConnectionStatus[] = [];
  connection.subscribe((c) => {
    if (statuses.at(-1) !== c.status) statuses.push(c.status);
  });
  connection.start();
  panels.push(connection);
  return { store, connection, statuses };
}

async function tracker(): Promise<Harness> {
  const h = await startTracker();
  cleanup.push(() => h.stop());
  return h;
}

describe('Connection', () => {
  it('fills the store from the retained topics and follows live changes', async () => {
    const h = await tracker();
    await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', movie(1)));
    const { store, connection, statuses } = panel(h.tracker.endpoints.wsUrl);
    await until(() => store.get('jellyseerr-1')?.state, 'the retained request');
    await until(() => store.bridgeState === 'online' && store.bridgeInfo, 'the bridge');
    expect(connection.status).toBe('connected');
    expect(statuses).toEqual(['connecting', 'connected']);
    // Timelines and episodes only for the requests a view watches.
    expect(store.get('jellyseerr-1')?.timeline).toBeNull();
    const unwatch = connection.watch('jellyseerr-1');
    await until(() => store.get('jellyseerr-1')?.timeline?.length, 'the timeline of the watched request');
    unwatch();
    expect(store.get('jellyseerr-1')?.timeline).toBeNull();

    await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_APPROVED', movie(1)));
    await until(() => store.get('jellyseerr-1')?.state?.state === 'APPROVED', 'the live update');
  });

  it('sends retry and forget with a transaction and resolves with the matching answer', async () => {
    const h = await tracker();
    await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(2)));
    await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_FAILED', movie(2)));
    const { store, connection } = panel(h.tracker.endpoints.wsUrl);
    await until(() => store.get('jellyseerr-2')?.state?.state === 'FAILED', 'FAILED');

    const [retry, unknown] = await Promise.all([connection.command('jellyseerr-2', 'retry'), connection.command('jellyseerr-999', 'retry')]);
    expect(retry).toMatchObject({ action: 'retry', status: 'ok' });
    expect(unknown).toMatchObject({ action: 'retry', status: 'error', error: expect.stringMatching(/no request/) });
    expect(retry.transaction).not.toBe(unknown.transaction);
    await until(() => store.get('jellyseerr-2')?.state?.state === 'SEARCHING', 'SEARCHING after retry');

    expect(await connection.command('jellyseerr-2', 'forget')).toMatchObject({ status: 'ok' });
    await until(() => !store.get('jellyseerr-2'), 'the forgotten request gone');
    expect(connection.commands.size).toBe(0);
  });

  it('answers "not connected" instead of waiting when there is no connection', async () => {
    const store = new RequestStore();
    const connection = new Connection({ url: 'ws://127.0.0.1:9/mqtt', store, connect });
    expect(await connection.command('x', 'retry')).toMatchObject({ status: 'error', error: 'not connected to the tracker' });
  });

  it('reconnects after an outage, and drops what the new retained replay no longer has', async () => {
    const first = await tracker();
    await first.post('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', movie(3)));
    await first.post('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', movie(4)));
    // The panel reaches the tracker through an ingress-like proxy, so the outage is the network's.
    const proxy = await startIngressProxy({ host: '127.0.0.1', port: first.tracker.endpoints.ingressPort });
    cleanup.push(() => proxy.close());
    const { store, connection, statuses } = panel(mqttUrl(proxy.panelUrl));
    await until(() => store.size === 2, 'two requests');

    proxy.interrupt();
    await until(() => connection.status === 'offline', 'offline after several failed attempts');
    expect(statuses).toEqual(['connecting', 'connected', 'reconnecting', 'offline']);
    // The panel keeps showing what it knew; the status strip says it is offline.
    expect(store.size).toBe(2);

    // Back, but to another tracker that only knows request 4 (as after a restore from backup).
    const second = await tracker();
    await second.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(4)));
    proxy.restore({ host: '127.0.0.1', port: second.tracker.endpoints.ingressPort });
    await until(() => connection.status === 'connected', 'connected again');
    await until(() => store.size === 1, 'request 3 dropped after the replay');
    expect(store.get('jellyseerr-4')?.state?.state).toBe('APPROVED');
    expect(store.get('jellyseerr-3')).toBeUndefined();
    expect(statuses.slice(-1)).toEqual(['connected']);
  });
});
