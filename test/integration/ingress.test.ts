/**
 * The ingress listener over real HTTP: `panel.json` (base topic, webhook routes, service
 * links without credentials, and the viewer), who may use the listener as an add-on, and
 * whose `X-Remote-User-*` headers are believed, and `command_users`: a viewer not on the list
 * gets `commands: false` in panel.json and its commands over `/mqtt` are dropped. Peers are told
 * apart by the local address the request leaves from (127.0.0.2 stands in for the Supervisor,
 * 172.30.32.2 in production).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import mqtt, { type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/config/load.js';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { normaliseAddress } from '../../src/http/address.js';
import { createIngressApp, panelSettings, type IngressOptions, type PanelDocument } from '../../src/http/ingress.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';
import { until } from '../helpers/wait.js';

const SUPERVISOR_STAND_IN = '127.0.0.2';
const VIEWER_HEADERS = { 'x-remote-user-id': 'f1e2d3c4', 'x-remote-user-name': 'alice', 'x-remote-user-display-name': 'Alice Liddell' };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

const options = parseOptions({
  webhook_secret: 'ingress-test-secret-123',
  mqtt: { base_topic: 'tracker' },
  jellyseerr: { url: 'http://jellyseerr.lan:5055/', api_key: 'k' },
  jellyfin: { url: 'https://media:s3cret@jellyfin.lan/jf', api_key: 'k' },
  sonarr: [
    { name: 'sonarr', url: 'http://sonarr.lan:8989', api_key: 'k' },
    { name: 'sonarr-anime', url: 'http://admin:hunter2@sonarr-anime.lan:8989', api_key: 'k' },
  ],
});

async function serve(opts: Partial<IngressOptions> = {}): Promise<string> {
  const app = createIngressApp({ health: () => ({ version: 'test' }), panel: () => panelSettings(options, 8787, 'ingress-test-secret-123'), ...opts });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A GET leaving from `from` (any 127.x address is loopback on Linux). */
function get(url: string, from: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { localAddress: from, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('panel.json', () => {
  it('tells the panel its base topic, the webhook routes and the service web UIs, never cached', async () => {
    const base = await serve();
    const res = await get(`${base}/panel.json`, '127.0.0.1');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const doc = JSON.parse(res.body) as PanelDocument;
    expect(doc.base_topic).toBe('tracker');
    // Jellyseerr is configured: a request waiting for approval can be decided from the panel.
    expect(doc.approvals).toBe(true);
    expect(doc.webhooks).toEqual({
      port: 8787,
      secret: 'ingress-test-secret-123',
      routes: [
        { service: 'jellyseerr', instance: null, path: '/hooks/jellyseerr', auth: 'bearer', where: null },
        { service: 'sonarr', instance: 'sonarr', path: '/hooks/sonarr/sonarr', auth: 'token', where: null },
        { service: 'sonarr', instance: 'sonarr-anime', path: '/hooks/sonarr/sonarr-anime', auth: 'token', where: null },
        { service: 'radarr', instance: null, path: '/hooks/radarr', auth: 'token', where: null },
        { service: 'jellyfin', instance: null, path: '/hooks/jellyfin', auth: 'token', where: 'webhook plugin' },
      ],
    });
    // Links for the browser, in registry order: no user name or password from the service URLs.
    const templates = {
      jellyseerr: { movie: '{ui}/movie/{tmdb_id}', tv: '{ui}/tv/{tmdb_id}' },
      sonarr: { tv: '{ui}/add/new?term=tvdb%3A{tvdb_id}' },
      jellyfin: { movie: '{ui}/web/#/details?id={jellyfin_id}', tv: '{ui}/web/#/details?id={jellyfin_id}' },
    };
    expect(doc.links).toEqual([
      { service: 'jellyseerr', label: 'Jellyseerr', instance: null, url: 'http://jellyseerr.lan:5055', scope: 'all', templates: templates.jellyseerr },
      { service: 'sonarr', label: 'Sonarr', instance: 'sonarr', url: 'http://sonarr.lan:8989', scope: 'linked', templates: templates.sonarr },
      { service: 'sonarr', label: 'Sonarr', instance: 'sonarr-anime', url: 'http://sonarr-anime.lan:8989', scope: 'linked', templates: templates.sonarr },
      { service: 'jellyfin', label: 'Jellyfin', instance: null, url: 'https://jellyfin.lan/jf', scope: 'all', templates: templates.jellyfin },
    ]);
    expect(res.body).not.toMatch(/hunter2|s3cret/);
    expect(doc.viewer).toBeNull();
  });

  it('standalone, believes no viewer header', async () => {
    const base = await serve({ trustedProxies: null });
    for (const from of ['127.0.0.1', SUPERVISOR_STAND_IN]) {
      const doc = JSON.parse((await get(`${base}/panel.json`, from, VIEWER_HEADERS)).body) as PanelDocument;
      expect(doc.viewer).toBeNull();
    }
  });

  it('as an add-on, names the viewer from the Supervisor’s headers only', async () => {
    const base = await serve({ trustedProxies: [SUPERVISOR_STAND_IN] });
    const fromSupervisor = JSON.parse((await get(`${base}/panel.json`, SUPERVISOR_STAND_IN, VIEWER_HEADERS)).body) as PanelDocument;
    expect(fromSupervisor.viewer).toEqual({ id: 'f1e2d3c4', name: 'alice', display_name: 'Alice Liddell' });
    // No display name: the user name stands in. No user id: nobody.
    const noDisplay = JSON.parse((await get(`${base}/panel.json`, SUPERVISOR_STAND_IN, { 'x-remote-user-id': 'u2', 'x-remote-user-name': 'bob' })).body) as PanelDocument;
    expect(noDisplay.viewer).toEqual({ id: 'u2', name: 'bob', display_name: 'bob' });
    const anonymous = JSON.parse((await get(`${base}/panel.json`, SUPERVISOR_STAND_IN, { 'x-remote-user-name': 'mallory' })).body) as PanelDocument;
    expect(anonymous.viewer).toBeNull();
    // A health check from inside the container is let through, but its headers name nobody.
    const local = await get(`${base}/panel.json`, '127.0.0.1', VIEWER_HEADERS);
    expect(local.status).toBe(200);
    expect((JSON.parse(local.body) as PanelDocument).viewer).toBeNull();
  });

  it('as an add-on, refuses every other peer, on every route', async () => {
    const base = await serve({ trustedProxies: [SUPERVISOR_STAND_IN], allowLoopback: false });
    for (const path of ['/panel.json', '/', '/health', '/assets/x.js']) {
      const res = await get(`${base}${path}`, '127.0.0.1', VIEWER_HEADERS);
      expect(res.status, path).toBe(403);
      expect(res.body).not.toMatch(/ingress-test-secret/);
    }
    expect((await get(`${base}/health`, SUPERVISOR_STAND_IN)).status).toBe(200);
  });

  it('treats ::ffff:172.30.32.2 as 172.30.32.2', () => {
    expect(normaliseAddress('::ffff:172.30.32.2')).toBe('172.30.32.2');
    expect(normaliseAddress('::FFFF:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress('fe80::1')).toBe('fe80::1');
    expect(normaliseAddress(undefined)).toBe('');
  });
});

describe('the tracker’s ingress listener', () => {
  async function tracker(addon: boolean): Promise<Harness> {
    const h = await startTracker({ jellyseerr: { url: 'http://jellyseerr.lan:5055', api_key: 'key-not-for-browsers' } }, undefined, { addon });
    cleanup.push(() => h.stop());
    return h;
  }

  it('serves panel.json with its own webhook port and base topic; no API key in it', async () => {
    const h = await tracker(false);
    const res = await get(`${h.tracker.endpoints.ingressUrl}/panel.json`, '127.0.0.1', VIEWER_HEADERS);
    const doc = JSON.parse(res.body) as PanelDocument;
    expect(doc.base_topic).toBe('media');
    expect(doc.webhooks.port).toBe(h.tracker.endpoints.webhookPort);
    expect(doc.webhooks.secret).toBe(h.secret);
    expect(doc.links.map((l) => [l.service, l.url])).toEqual([['jellyseerr', 'http://jellyseerr.lan:5055']]);
    expect(doc.viewer).toBeNull();
    expect(res.body).not.toMatch(/key-not-for-browsers/);
  });

  it('as an add-on, a request that does not come from the Supervisor names no viewer', async () => {
    const h = await tracker(true);
    const res = await get(`${h.tracker.endpoints.ingressUrl}/panel.json`, '127.0.0.1', VIEWER_HEADERS);
    expect(res.status).toBe(200);
    expect((JSON.parse(res.body) as PanelDocument).viewer).toBeNull();
  });
});

describe('command_users: who may send commands from the panel', () => {
  const ALICE = { 'x-remote-user-id': 'a11ce0', 'x-remote-user-name': 'alice', 'x-remote-user-display-name': 'Alice Liddell' };
  const BOB = { 'x-remote-user-id': 'b0b0b0', 'x-remote-user-name': 'bob', 'x-remote-user-display-name': 'Bob' };
  const CAROL = { 'x-remote-user-id': 'ca401e', 'x-remote-user-name': 'carol', 'x-remote-user-display-name': 'Carol' };
  const movie = { requestId: 7, tmdbId: 700, title: 'Seven', year: 1995, radarrId: 7, hash: fakeHash('seven') };

  /** An add-on tracker whose Supervisor is 127.0.0.2; Alice by user name (another case), Carol by user id. */
  async function addon(): Promise<Harness> {
    const h = await startTracker({ command_users: ['ALICE', 'ca401e'] }, undefined, { addon: true, proxies: [SUPERVISOR_STAND_IN] });
    cleanup.push(() => h.stop());
    return h;
  }

  /** The panel's connection as the Supervisor relays it: from its address, with the viewer's headers. */
  async function panel(h: Harness, headers: Record<string, string>): Promise<MqttClient> {
    const client = await mqtt.connectAsync(h.tracker.endpoints.wsUrl, { reconnectPeriod: 0, connectTimeout: 5_000, wsOptions: { localAddress: SUPERVISOR_STAND_IN, headers } });
    cleanup.push(() => client.endAsync(true));
    return client;
  }

  it('panel.json says whether the viewer may command, and gives the webhook secret only to those who may', async () => {
    const h = await addon();
    const doc = async (from: string, headers: Record<string, string> = {}) => JSON.parse((await get(`${h.tracker.endpoints.ingressUrl}/panel.json`, from, headers)).body) as PanelDocument;
    const alice = await doc(SUPERVISOR_STAND_IN, ALICE);
    expect([alice.viewer?.name, alice.commands, alice.webhooks.secret]).toEqual(['alice', true, h.secret]);
    expect((await doc(SUPERVISOR_STAND_IN, CAROL)).commands).toBe(true);
    const bob = await doc(SUPERVISOR_STAND_IN, BOB);
    expect([bob.viewer?.name, bob.commands, bob.webhooks.secret]).toEqual(['bob', false, '']);
    const nobody = await doc(SUPERVISOR_STAND_IN);
    expect([nobody.viewer, nobody.commands, nobody.webhooks.secret]).toEqual([null, false, '']);
    // Loopback inside the container (no ingress, no user): the machine's owner.
    const local = await doc('127.0.0.1', BOB);
    expect([local.viewer, local.commands]).toEqual([null, true]);
  });

  it('drops the commands of a viewer not on the list, connection kept, and carries out a listed viewer’s', async () => {
    const h = await addon();
    expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie))).status).toBe(200);
    const watcher = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['#']);
    cleanup.push(() => watcher.close());
    await watcher.untilState('jellyseerr-7', 'APPROVED');
    const [bob, nobody, alice, carol] = await Promise.all([panel(h, BOB), panel(h, {}), panel(h, ALICE), panel(h, CAROL)]);
    const answers: Array<Record<string, unknown>> = [];
    alice.on('message', (_topic, payload) => answers.push(JSON.parse(payload.toString()) as Record<string, unknown>));
    await alice.subscribeAsync(['media/+/response'], { qos: 1 });

    // QoS 1, as the panel sends them: each is acknowledged before the next is sent.
    await bob.publishAsync('media/jellyseerr-7/set/forget', JSON.stringify({ transaction: 'bob-forget' }), { qos: 1 });
    await bob.publishAsync('media/bridge/set/autoconfigure', JSON.stringify({ transaction: 'bob-autoconfigure' }), { qos: 1 });
    await nobody.publishAsync('media/jellyseerr-7/set/forget', JSON.stringify({ transaction: 'nobody-forget' }), { qos: 0 });
    // Sent after them, a listed viewer's command is answered; theirs never are.
    await alice.publishAsync('media/jellyseerr-7/set/retry', JSON.stringify({ transaction: 'alice-retry' }), { qos: 1 });
    await until(() => answers.find((a) => a.transaction === 'alice-retry'), 'the answer to alice-retry');
    await watcher.untilState('jellyseerr-7', 'SEARCHING');
    expect(answers.map((a) => [a.transaction, a.status])).toEqual([['alice-retry', 'ok']]);
    // Dropped, not refused by closing: the read-only panels stay connected.
    expect([bob.connected, nobody.connected]).toEqual([true, true]);
    // Neither the tracker nor any subscriber saw them.
    expect(watcher.messages.filter((m) => m.topic.includes('/set/')).map((m) => m.topic)).toEqual(['media/jellyseerr-7/set/retry']);

    // Listed by user id: Carol's forget is carried out.
    await carol.publishAsync('media/jellyseerr-7/set/forget', JSON.stringify({ transaction: 'carol-forget' }), { qos: 1 });
    await until(() => answers.find((a) => a.transaction === 'carol-forget'), 'the answer to carol-forget');
    expect(answers.find((a) => a.transaction === 'carol-forget')).toMatchObject({ action: 'forget', status: 'ok' });
    await watcher.until(() => !watcher.latest.has('media/jellyseerr-7/state'), 'the forgotten request’s state cleared');
  });
});
