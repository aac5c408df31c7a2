/**
 * No secret leaves the tracker. The built tracker runs with a distinctive key or password for
 * every service, both brokers and the webhooks, against the protocol fakes: the four
 * workflows, upstream faults (5xx, invalid JSON, error bodies that echo the key, a wrong key,
 * a service that is down, a SignalR hub drop), bad webhooks and MQTT commands. Its stdout and
 * stderr, every MQTT message on both brokers and every HTTP answer are then searched for each
 * secret, raw, URL-encoded and base64-encoded: zero hits.
 */
import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes, type AuthenticateError } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeHash, radarrGrab, range, sonarrGrab } from '../../src/demo/payloads.js';
import { SCENARIOS } from '../../src/demo/scenarios.js';
import { createJellyfinFake } from '../fakes/jellyfin.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createShokoFake } from '../fakes/shoko.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { downloadClient } from '../fakes/arr-downloadclients.js';
import { freePorts } from '../helpers/ports.js';
import { FakeQbittorrent } from '../helpers/qbittorrent.js';
import { FakeNzbget, newDroneId } from '../fakes/nzbget.js';
import { FakeSabnzbd } from '../fakes/sabnzbd.js';
import { FakeDeluge } from '../helpers/deluge.js';
import { ensureBuilt, killAll, postHook, TrackerProcess } from '../faults/support/child.js';
import { waitFor } from '../helpers/wait.js';

const SECRETS = {
  webhook: 'whsec-Q7v9Lr2mZx81pT',
  jellyseerr: 'jsk-4f8e1a9c0b7d3e22',
  radarr: 'rdk-9b2c7e1f4a6d0c55',
  radarrDown: 'rdk-down-7c1d9e3a2b',
  sonarr: 'snk-1d6f3b8a2c9e7f44',
  sonarrWrong: 'snk-wrong-5e3a9d1c7b',
  qbittorrent: 'qbp-P4ss+w0rd/8&k=z',
  // SABnzbd takes its key on the query string (apikey=…): URL-encoding changes these characters.
  sabnzbd: 'sab/7e2c+9a4f=b1d8&q',
  sabnzbdWrong: 'sab-wrong-3f8a1c6e9d',
  // NZBGet takes it in HTTP Basic auth (base64 of `nzbget:<password>`).
  nzbget: 'nzb:P4ss/8e+1=c&d',
  nzbgetWrong: 'nzb-wrong-6b2e9a7d1c',
  // Sent in a JSON body (auth.login's params), never on a URL; no quote or backslash, so its JSON form is the raw one.
  deluge: 'dlp-W3b+ui/pass&9=x',
  delugeWrong: 'dlp-wrong-6b2e8d4f1a',
  jellyfin: 'jfk-2a7c9e1b3d5f8a66',
  // Characters that URL-encoding changes, so the encoded form differs from the raw one.
  shoko: 'shk+8e4b/2d6f=1a3c!9e77',
  mqtt: 'mqp-Br0ker!pass#42',
  external: 'exp-M1rror?pass%17',
};

/** Every way a secret could show up in text: as is, URL-encoded (both hex cases, form encoding), base64 (also in Basic auth). */
function forms(secret: string): string[] {
  const encoded = [encodeURIComponent(secret), encodeURI(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
  const basic = ['admin', 'apikey', 'nzbget'].map((user) => Buffer.from(`${user}:${secret}`).toString('base64'));
  return [...new Set([secret, ...encoded, ...encoded.map((e) => e.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())), Buffer.from(secret).toString('base64'), ...basic])];
}

interface Captured {
  where: string;
  text: string;
}

let workDir = '';
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  ensureBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'media-tracker-secrets-'));
});

afterAll(async () => {
  await killAll();
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** An external broker (aedes) that wants the mirror's credentials and records every publish. */
async function externalBroker(seen: Captured[]): Promise<string> {
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      if (username === 'mirror' && password?.toString() === SECRETS.external) return done(null, true);
      const err = new Error('bad credentials') as AuthenticateError;
      (err as { returnCode: number }).returnCode = 4;
      done(err, false);
    },
  });
  broker.on('publish', (packet, client) => {
    if (client) seen.push({ where: `external broker ${packet.topic}`, text: `${packet.topic} ${packet.payload.toString()}` });
  });
  const server: Server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  closers.push(
    () => new Promise<void>((resolve) => broker.close(() => resolve())),
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
  const address = server.address();
  return `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

describe('secrets in logs, MQTT payloads and HTTP answers', () => {
  it('finds none of the configured keys and passwords anywhere after a full run with faults', async () => {
    const captured: Captured[] = [];
    const js = createJellyseerrFake({ apiKey: SECRETS.jellyseerr });
    const radarr = createRadarrFake({ apiKey: SECRETS.radarr });
    const sonarr = createSonarrFake({ apiKey: SECRETS.sonarr });
    const jf = createJellyfinFake({ apiKey: SECRETS.jellyfin });
    const shoko = createShokoFake({ requireHubAuth: true });
    shoko.state.apiKeys = [SECRETS.shoko];
    // Until the doctor has reported on it, every negotiation fails with an error page that quotes the request: the key raw, URL-encoded and in Basic auth.
    shoko.state.echoFailures = Number.MAX_SAFE_INTEGER;
    const qb = await FakeQbittorrent.start({ flavour: '5.2', username: 'admin', password: SECRETS.qbittorrent });
    const sab = await FakeSabnzbd.start({ apiKey: SECRETS.sabnzbd });
    // Sonarr's own settings for its clients hold the same secrets (its API shows them masked).
    sonarr.state.downloadClients = [
      downloadClient('Sonarr', 1, { implementation: 'QBittorrent', values: { host: '127.0.0.1', port: qb.port, username: 'admin', password: SECRETS.qbittorrent } }),
      downloadClient('Sonarr', 2, { implementation: 'Sabnzbd', values: { host: 'sab.lan', port: 8080, apiKey: SECRETS.sabnzbd } }),
    ];
    const nzb = await FakeNzbget.start({ password: SECRETS.nzbget });
    const dl = await FakeDeluge.start({ password: SECRETS.deluge });
    const urls = { js: (await js.start()).url, radarr: (await radarr.start()).url, sonarr: (await sonarr.start()).url, jf: (await jf.start()).url, shoko: (await shoko.start()).url };
    closers.push(
      () => js.stop(),
      () => radarr.stop(),
      () => sonarr.stop(),
      () => jf.stop(),
      () => shoko.stop(),
      () => qb.close(),
      () => sab.close(),
      () => nzb.close(),
      () => dl.close(),
    );
    const [deadPort] = (await freePorts(1)) as [number];
    const external = await externalBroker(captured);

    // Upstreams that misbehave: 5xx and invalid JSON, and error bodies that echo the key they were sent.
    radarr.faults.add('*', { times: 4, status: 500, body: { message: `Invalid API key ${SECRETS.radarr}` } });
    js.faults.invalidJsonNext('GET /api/v1/request', 2);
    jf.faults.add('*', { times: 3, status: 503, body: `Service unavailable for token ${SECRETS.jellyfin}` });
    sonarr.faults.add('*', { times: 2, status: 200, body: { unexpected: SECRETS.sonarr } });
    qb.failMaindata({ status: 500, times: 2 });
    qb.failMaindata({ invalidJson: true });
    sab.fault('queue', { times: 2, status: 500, body: `Internal error for /api?apikey=${encodeURIComponent(SECRETS.sabnzbd)}&apikey=${SECRETS.sabnzbd}` });
    sab.fault('history', { invalidJson: true });
    nzb.fault('listgroups', { times: 2, status: 500, body: `Internal error for nzbget:${SECRETS.nzbget}` });
    nzb.fault('history', { invalidJson: true });
    const drone = newDroneId();
    nzb.add(drone, { fileSize: 2000 * 1024 * 1024, remaining: 1500 * 1024 * 1024 });
    const nzo = 'SABnzbd_nzo_s3cr3tjob';
    sab.add(nzo, { mb: 2000, mbleft: 1500 });
    // Deluge: errors that quote the password (a 5xx page, a JSON-RPC error message), and a torrent to read.
    dl.fail.push(
      { method: 'core.get_torrents_status', status: 500, body: `Internal error: auth.login(${JSON.stringify(SECRETS.deluge)})` },
      { method: 'core.get_torrents_status', error: { message: `TypeError: bad password ${SECRETS.deluge}`, code: 3 } },
    );
    dl.add(fakeHash('lost-movie').toLowerCase(), { state: 'Downloading', total_wanted: 1000, total_remaining: 500 });

    const child = await TrackerProcess.start({
      dataDir: join(workDir, 'data'),
      optionsDir: workDir,
      secret: SECRETS.webhook,
      options: {
        log_level: 'debug',
        jellyseerr: { url: urls.js, api_key: SECRETS.jellyseerr },
        radarr: [
          { name: 'radarr', url: urls.radarr, api_key: SECRETS.radarr },
          { name: 'radarr-down', url: `http://127.0.0.1:${deadPort}`, api_key: SECRETS.radarrDown },
        ],
        sonarr: [
          { name: 'sonarr', url: urls.sonarr, api_key: SECRETS.sonarr },
          { name: 'sonarr-wrong', url: urls.sonarr, api_key: SECRETS.sonarrWrong },
        ],
        qbittorrent: [{ name: 'qbittorrent', url: qb.url, username: 'admin', password: SECRETS.qbittorrent }],
        sabnzbd: [
          { name: 'sabnzbd', url: sab.url, api_key: SECRETS.sabnzbd },
          { name: 'sabnzbd-wrong', url: sab.url, api_key: SECRETS.sabnzbdWrong },
        ],
        nzbget: [
          { name: 'nzbget', url: nzb.url, username: 'nzbget', password: SECRETS.nzbget },
          { name: 'nzbget-wrong', url: nzb.url, username: 'nzbget', password: SECRETS.nzbgetWrong },
        ],
        deluge: [
          { name: 'deluge', url: dl.url, password: SECRETS.deluge },
          { name: 'deluge-wrong', url: dl.url, password: SECRETS.delugeWrong },
        ],
        jellyfin: { url: urls.jf, api_key: SECRETS.jellyfin },
        shoko: { url: urls.shoko, api_key: SECRETS.shoko },
        intervals: { qbittorrent_s: 1, sabnzbd_s: 1, nzbget_s: 1, deluge_s: 1, arr_s: 1, jellyfin_s: 1, jellyseerr_s: 1 },
        mqtt: { username: 'ha', password: SECRETS.mqtt, external_url: external, external_username: 'mirror', external_password: SECRETS.external },
      },
    });

    const bus = await mqtt.connectAsync(child.mqttUrl, { username: 'ha', password: SECRETS.mqtt, reconnectPeriod: 0 });
    closers.push(() => bus.endAsync(true));
    // Commands are what this test publishes (one carries a secret on purpose): only the tracker's own messages count.
    bus.on('message', (topic, payload) => {
      if (!topic.includes('/set/')) captured.push({ where: `embedded broker ${topic}`, text: `${topic} ${payload.toString()}` });
    });
    await bus.subscribeAsync(['#', '$SYS/#'], { qos: 1 });
    const http = (where: string, answer: { status: number; text: string }) => captured.push({ where: `HTTP ${answer.status} ${where}`, text: answer.text });

    // Shoko's error page reaches the watcher's last error (media/bridge/info), the doctor and a command's answer.
    const seen = (topic: string, text: string) => (captured.some((c) => c.where === `embedded broker ${topic}` && c.text.includes(text)) ? true : undefined);
    await waitFor(() => seen('media/bridge/info', 'Unhandled exception'), 'a Shoko error quoting the request on media/bridge/info', { timeoutMs: 20_000, everyMs: 100 });
    await bus.publishAsync('media/bridge/set/doctor', '', { qos: 1 });
    await waitFor(() => seen('media/bridge/response', 'Unhandled exception'), 'the doctor command answer quoting the Shoko error', { timeoutMs: 20_000, everyMs: 100 });
    await waitFor(() => seen('media/bridge/doctor', 'Unhandled exception'), 'the doctor report quoting the Shoko error', { timeoutMs: 20_000, everyMs: 100 });
    // The doctor read Sonarr's download clients (whose settings hold the qBittorrent password and the SABnzbd key).
    expect(seen('media/bridge/doctor', '"check":"download_clients"')).toBe(true);
    shoko.state.echoFailures = 0;

    // The demo's workflows through the real routes.
    for (let i = 0; i < Math.max(...SCENARIOS.map((s) => s.steps.length)); i++) {
      for (const scenario of SCENARIOS) {
        const step = scenario.steps[i];
        // Shoko's matches are hub events (the demo Shoko's), not webhooks.
        if (!step || 'shoko' in step) continue;
        const answer = await postHook(child.webhookUrl, step.route, JSON.stringify(step.body), SECRETS.webhook);
        expect(answer.status, `${scenario.name}: ${step.says}: ${answer.text}`).toBe(200);
        http(step.route, answer);
      }
    }
    // Requests owned by the instance with the wrong key and by the one that is down, so both are polled.
    const stray = { requestId: 0, tmdbId: 4242, tvdbId: 4343, title: 'Stray Show', year: 2021, sonarrId: 42, seasons: [1] };
    const lost = { requestId: 0, tmdbId: 4444, title: 'Lost Movie', year: 2020, radarrId: 44, hash: fakeHash('lost-movie') };
    for (const [route, body] of [
      ['/hooks/sonarr/sonarr-wrong', sonarrGrab(stray, range(1, 1, 2), fakeHash('stray-show'))],
      ['/hooks/radarr/radarr-down', radarrGrab(lost)],
      // A grab for SABnzbd: its nzo_id is tracked, so both SABnzbd instances poll queue and history with their key.
      ['/hooks/radarr', { ...radarrGrab({ ...lost, tmdbId: 4545, radarrId: 45, title: 'Usenet Movie' }), downloadClient: 'SABnzbd', downloadClientType: 'SABnzbd', downloadId: nzo }],
      // A grab for NZBGet (its drone id): both NZBGet instances poll with their login.
      ['/hooks/radarr', { ...radarrGrab({ ...lost, tmdbId: 4646, radarrId: 46, title: 'Nzbget Movie' }), downloadClient: 'NZBGet', downloadClientType: 'Nzbget', downloadId: drone }],
    ] as const) {
      const answer = await postHook(child.webhookUrl, route, JSON.stringify(body), SECRETS.webhook);
      expect(answer.status, `${route}: ${answer.text}`).toBe(200);
      http(route, answer);
    }
    // A Jellyfin webhook is checked against Jellyfin's API (with the key).
    const item = jf.addMovie({ name: 'Dune: Part Two', year: 2024, tmdbId: 693134, file: '/data/movies/Dune Part Two (2024)/Dune.mkv' });
    const sent = await jf.sendItemAdded(`${child.webhookUrl}/hooks/jellyfin`, item, { headers: { authorization: `Bearer ${SECRETS.webhook}` } });
    expect(sent.status).toBeGreaterThan(0);

    // Bad input and wrong secrets.
    const bad: Array<[string, string, string]> = [
      ['/hooks/radarr', '{"eventType": "Grab", ', SECRETS.webhook],
      ['/hooks/sonarr', JSON.stringify({ eventType: 'Grab', series: { tvdbId: SECRETS.sonarr } }), SECRETS.webhook],
      ['/hooks/jellyseerr', JSON.stringify({ notification_type: SECRETS.jellyseerr }), SECRETS.webhook],
      ['/hooks/jellyfin', JSON.stringify({ NotificationType: 'ItemAdded', ItemId: SECRETS.jellyfin }), SECRETS.webhook],
      ['/hooks/radarr', '{}', SECRETS.radarr],
      ['/hooks/radarr', '{}', `${SECRETS.webhook.slice(0, -1)}x`],
      ['/hooks/nope', '{}', SECRETS.webhook],
      ['/hooks/radarr', JSON.stringify({ eventType: 'Test', pad: 'x'.repeat(1_100_000) }), SECRETS.webhook],
    ];
    for (const [route, body, secret] of bad) {
      const answer = await postHook(child.webhookUrl, route, body, secret);
      expect(answer.status, `${route}: ${answer.text}`).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      http(route, answer);
    }
    for (const path of ['/health', '/nope', `/hooks/radarr?token=${encodeURIComponent(SECRETS.mqtt)}`]) {
      const res = await fetch(`${child.webhookUrl}${path}`);
      http(path, { status: res.status, text: await res.text() });
      const ingress = await fetch(`${child.ingressUrl}${path}`);
      http(`ingress ${path}`, { status: ingress.status, text: await ingress.text() });
    }

    // Commands, good and bad.
    for (const [topic, payload] of [
      ['media/jellyseerr-101/set/retry', JSON.stringify({ transaction: 1 })],
      ['media/jellyseerr-102/set/forget', 'PRESS'],
      ['media/jellyseerr-103/set/explode', SECRETS.mqtt],
      ['media/nobody/set/retry', ''],
    ] as const) {
      await bus.publishAsync(topic, payload, { qos: 1 });
    }
    shoko.dropAll();

    // Let every watcher meet its faults and recover: each fault queue drained, several cycles run.
    const polls = () => ({
      radarr: radarr.log.count(),
      sonarr: sonarr.log.count(),
      jellyfin: jf.log.count(),
      jellyseerr: js.log.count(),
      qbittorrent: qb.maindataCount,
      sabnzbd: sab.count('history'),
      nzbget: nzb.count('listgroups'),
      deluge: dl.count('core.get_torrents_status'),
    });
    await waitFor(
      () => {
        const p = polls();
        return p.radarr >= 2 && p.sonarr >= 2 && p.jellyfin >= 4 && p.jellyseerr >= 4 && p.qbittorrent >= 4 && p.sabnzbd >= 4 && p.nzbget >= 4 && p.deluge >= 4 ? true : undefined;
      },
      'every watcher to poll through its faults',
      { timeoutMs: 60_000, everyMs: 200 },
    ).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}: ${JSON.stringify(polls())}\n${child.text.slice(-3000)}`);
    });
    await waitFor(() => (captured.some((c) => c.text.includes('"last_error":"') && c.where.includes('bridge/info')) ? true : undefined), 'a watcher error on media/bridge/info', {
      timeoutMs: 20_000,
      everyMs: 200,
    });
    await waitFor(() => (shoko.open().length > 0 ? true : undefined), 'the Shoko hub to reconnect', { timeoutMs: 30_000, everyMs: 200 });

    // The keys were really used (else finding none would prove nothing).
    expect(radarr.log.entries.some((e) => e.headers['x-api-key'] === SECRETS.radarr)).toBe(true);
    expect(
      sonarr.log.entries.some((e) => e.headers['x-api-key'] === SECRETS.sonarrWrong && e.status === 401),
      JSON.stringify(sonarr.log.entries.map((e) => [e.key, e.status, e.headers['x-api-key']])),
    ).toBe(true);
    expect(jf.log.count()).toBeGreaterThan(0);
    expect(sab.log.entries.some((e) => e.query.apikey === SECRETS.sabnzbd && e.query.mode === 'history' && e.status === 200)).toBe(true);
    expect(sab.log.entries.some((e) => e.query.apikey === SECRETS.sabnzbdWrong && e.status === 403)).toBe(true);
    expect(dl.calls.filter((c) => c.method === 'auth.login').map((c) => c.params[0])).toEqual(expect.arrayContaining([SECRETS.deluge, SECRETS.delugeWrong]));
    expect(dl.fail).toEqual([]);

    expect(await child.stop(), child.text).toEqual({ code: 0, signal: null });
    captured.push({ where: 'tracker stdout/stderr', text: child.text });

    const hits: string[] = [];
    for (const [name, secret] of Object.entries(SECRETS)) {
      for (const form of forms(secret)) {
        for (const c of captured) {
          const at = c.text.indexOf(form);
          if (at >= 0) hits.push(`${name} (${form === secret ? 'raw' : form}) in ${c.where}: …${c.text.slice(Math.max(0, at - 120), at + form.length + 40)}…`);
        }
      }
    }
    const bytes = captured.reduce((n, c) => n + c.text.length, 0);
    const messages = captured.filter((c) => c.where.includes('broker')).length;
    const answers = captured.filter((c) => c.where.startsWith('HTTP')).length;
    console.log(
      `secret scan: ${Object.keys(SECRETS).length} secrets × their encodings over ${bytes} characters ` +
        `(${child.text.split('\n').length} log lines, ${messages} MQTT messages, ${answers} HTTP answers): ${hits.length} hits`,
    );
    expect(hits).toEqual([]);
  }, 120_000);
});
