/**
 * Clean stops. In process: stop() completes with a panel connected. As a real process
 * (`node dist/main.js`): SIGTERM and SIGINT end it with exit code 0 before the container
 * runtime's SIGKILL (config.yaml `timeout`), after publishing `offline` and flushing the store
 * (the next start replays no journal record); a signal during start-up, while the Supervisor
 * is still answering, ends it without leaving a discovery message behind.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { startSupervisorFake } from '../fakes/supervisor.js';
import { fakeAddonFromManifest, readManifest } from '../helpers/addon.js';
import { postHook, spawnApp, untilHealthy, type AppProcess } from '../helpers/child.js';
import { waitFor } from '../helpers/wait.js';
import { Recorder, startTracker } from '../helpers/tracker.js';

it('stop() completes with a panel connected over WebSocket', async () => {
  const h = await startTracker();
  const panel = await Recorder.connect(h.tracker.endpoints.wsUrl, ['media/#'], { protocolVersion: 4, reconnectPeriod: 0 });
  await panel.until(() => panel.latest.get('media/bridge/state'), 'bridge state over WebSocket');
  const closed = new Promise<void>((resolve) => panel.client.once('close', () => resolve()));
  await h.stop();
  await closed;
  expect(panel.client.connected).toBe(false);
  await panel.close();
});

/** Docker sends SIGKILL this long after SIGTERM. */
const KILL_AFTER_MS = Number(readManifest().timeout ?? 10) * 1000;
const SECRET = 'stop-test-secret-0123456789';

describe('the process on a stop signal', () => {
  const open: Array<{ dispose(): Promise<void> }> = [];
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.dispose();
  });
  const track = <T extends { dispose(): Promise<void> }>(o: T): T => {
    open.push(o);
    return o;
  };

  it.each(['SIGTERM', 'SIGINT'] as const)('%s: offline published, store flushed, exit code 0 before SIGKILL', async (signal) => {
    const first = await spawnApp({ options: { webhook_secret: SECRET }, keep: true });
    track({ dispose: () => rm(first.dir, { recursive: true, force: true }) });
    track(first);
    await untilHealthy(first);
    const rec = await Recorder.connect(`mqtt://127.0.0.1:${first.ports.mqtt}`, ['media/#'], { reconnectPeriod: 0 });
    track({ dispose: () => rec.close() });
    const film = { requestId: 31, tmdbId: 3131, title: 'Stop Film', year: 2019, radarrId: 31, hash: fakeHash('stop-31') };
    expect(await postHook(first, '/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', film), SECRET)).toBe(200);
    await rec.untilState('jellyseerr-31', 'APPROVED');

    // stop() fails if the process is still running when Docker would SIGKILL it.
    const exit = await first.stop(signal, KILL_AFTER_MS);
    expect(exit).toMatchObject({ code: 0, signal: null });
    console.log(`${signal}: stopped in ${exit.ms} ms (SIGKILL after ${KILL_AFTER_MS} ms)`);
    expect(first.output()).toContain(`${signal}: stopping`);
    await rec.until(() => rec.latest.get('media/bridge/state') === 'offline', 'offline on media/bridge/state before the broker closed');

    const second = track(await spawnApp({ dir: first.dir, options: { webhook_secret: SECRET } }));
    await untilHealthy(second);
    expect(second.output()).toContain('loaded 1 requests (0 journal records replayed)');
    const again = await Recorder.connect(`mqtt://127.0.0.1:${second.ports.mqtt}`, ['media/#'], { reconnectPeriod: 0 });
    track({ dispose: () => again.close() });
    await again.untilState('jellyseerr-31', 'APPROVED');
    await again.until(() => again.latest.get('media/bridge/state') === 'online', 'online again');
    await second.stop('SIGTERM', KILL_AFTER_MS);
  });

  it('a signal during start-up waits for the Supervisor, then stops without announcing anything', async () => {
    const sv = await startSupervisorFake({ token: 'startup-token-0123456789', addon: fakeAddonFromManifest() });
    track({ dispose: () => sv.close() });
    sv.faults.delayNext('GET /services/mqtt', 1_500);
    const app: AppProcess = track(await spawnApp({ env: { SUPERVISOR_TOKEN: sv.token, MEDIA_TRACKER_SUPERVISOR_URL: sv.url } }));
    await waitFor(() => (sv.log.count('GET /services/mqtt') ? true : undefined), 'the question to the Supervisor');
    const exit = await app.stop('SIGTERM', KILL_AFTER_MS);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(sv.log.count('POST /discovery')).toBe(0);
    expect(sv.state.discovery.size).toBe(0);
  });
});
