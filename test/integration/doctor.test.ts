/**
 * The doctor against the service fakes over real HTTP: a clear failure for a wrong API key,
 * an unreachable host, a webhook that is not configured and a webhook source silent for N
 * hours; Shokofin mapping hints; the download clients each Sonarr uses and how the tracker
 * follows them (with the options entry auto-configuration offers); the retained report and the Home Assistant problem
 * sensors; the command from a browser (the panel's identity); `npm run doctor`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { downloadClient } from '../fakes/arr-downloadclients.js';
import { createJellyfinFake, PLUGINS, shokofinConfig, webhookPluginConfig } from '../fakes/jellyfin.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createShokoFake } from '../fakes/shoko.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { freePorts } from '../helpers/ports.js';
import { FakeQbittorrent } from '../helpers/qbittorrent.js';
import { Recorder } from '../helpers/tracker.js';
import type { SourcesReport } from '../../src/contract/index.js';
import { bridge } from './bridge.js';
import { world } from './support.js';

interface Check {
  id: string;
  integration: string;
  instance: string | null;
  check: string;
  status: string;
  summary: string;
  detail: string | null;
  fix: string | null;
}
interface Report {
  checked_at: string;
  ok: boolean;
  checks: Check[];
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const tmp = mkdtempSync(join(tmpdir(), 'media-tracker-doctor-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function check(r: Report, id: string): Check {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${r.checks.map((x) => x.id).join(', ')}`);
  return c;
}

async function doctor(rec: Recorder): Promise<Report> {
  const answer = await bridge(rec, 'doctor');
  expect(answer.status, JSON.stringify(answer)).toBe('ok');
  return answer.result as Report;
}

async function start<T extends { start(): Promise<{ url: string }>; stop(): Promise<void> }>(fake: T): Promise<string> {
  const { url } = await fake.start();
  closers.push(() => fake.stop());
  return url;
}

describe('doctor', () => {
  it('passes a set-up that auto-configuration completed, publishes the report retained and one problem sensor per integration', async () => {
    const sonarr = createSonarrFake();
    const radarr = createRadarrFake();
    const js = createJellyseerrFake();
    const jf = createJellyfinFake();
    const shoko = createShokoFake({ pingIntervalMs: 200 });
    const [s, r, j, f, k] = await Promise.all([sonarr, radarr, js, jf, shoko].map((x) => start(x)));
    const { h, rec } = await world({
      sonarr: [{ name: 'sonarr', url: s, api_key: sonarr.state.apiKey }],
      radarr: [{ name: 'radarr', url: r, api_key: radarr.state.apiKey }],
      jellyseerr: { url: j, api_key: js.state.apiKey },
      jellyfin: { url: f, api_key: jf.state.apiKey },
      shoko: { url: k, api_key: 'shoko-api-key' },
      intervals: { arr_s: 3600, jellyseerr_s: 3600, jellyfin_s: 3600 },
      doctor_interval_min: 0,
    });
    jf.state.plugins.push(
      { ...PLUGINS.webhook, configuration: webhookPluginConfig([{ uri: `${h.tracker.endpoints.webhookUrl}/hooks/jellyfin` }]) },
      { ...PLUGINS.shokofin, configuration: shokofinConfig([{ path: '/data/anime', importFolderId: 1 }]) },
    );
    const configured = await bridge(rec, 'autoconfigure');
    expect(configured.status).toBe('ok');
    await rec.until(() => h.tracker.watchers.find((w) => w.name === 'shoko')?.status().healthy, 'the Shoko hub connection');

    const report = await doctor(rec);
    const bad = report.checks.filter((c) => c.status === 'error' || c.status === 'warning');
    expect(bad, JSON.stringify(bad, null, 2)).toEqual([]);
    expect(report.ok).toBe(true);
    for (const id of ['sonarr/sonarr/webhook', 'radarr/radarr/webhook', 'jellyseerr/webhook', 'jellyfin/webhook', 'shoko/signalr', 'shoko/library_mapping', 'mqtt/broker']) {
      expect(check(report, id).status, id).toBe('ok');
    }
    expect(check(report, 'sonarr/sonarr/version').summary).toBe('Sonarr 4.0.14.2939');
    expect(check(report, 'sonarr/sonarr/last_event').summary).toMatch(/^Last Sonarr webhook/);
    expect(check(report, 'qbittorrent/reachable')).toMatchObject({ status: 'skipped', summary: 'Not configured' });

    await rec.until(() => rec.json<Report>('media/bridge/doctor')?.checked_at === report.checked_at, 'the retained report');
    // The source health follows the report: nothing is wrong with any source, each says when the doctor looked.
    const sources = await rec.until(() => {
      const s = rec.json<SourcesReport>('media/bridge/sources');
      return s?.sources.every((x) => x.checked_at === report.checked_at) ? s : undefined;
    }, 'the source health after the report');
    expect(sources.ok, JSON.stringify(sources.sources.filter((x) => x.problem))).toBe(true);
    expect(sources.sources.map((x) => x.integration)).toEqual(['jellyseerr', 'sonarr', 'radarr', 'jellyfin', 'shoko', 'mqtt', 'store']);
    // The Tests auto-configuration asked for arrived: those sources have a last event (and an HA entity for it).
    for (const integration of ['jellyseerr', 'sonarr', 'radarr']) {
      expect(sources.sources.find((x) => x.integration === integration)?.last_event, integration).toEqual(expect.any(String));
      const ts = await rec.until(() => rec.json<Record<string, unknown>>(`homeassistant/sensor/media_tracker/bridge_last_event_${integration}/config`), `the ${integration} last-event sensor`);
      expect(ts).toMatchObject({ state_topic: 'media/bridge/sources', device_class: 'timestamp', entity_category: 'diagnostic' });
    }
    for (const integration of ['jellyseerr', 'sonarr', 'radarr', 'jellyfin', 'shoko', 'mqtt']) {
      const cfg = await rec.until(() => rec.json<Record<string, unknown>>(`homeassistant/binary_sensor/media_tracker/bridge_doctor_${integration}/config`), `the ${integration} problem sensor`);
      expect(cfg, integration).toMatchObject({ state_topic: 'media/bridge/sources', json_attributes_topic: 'media/bridge/sources', device_class: 'problem', entity_category: 'diagnostic' });
      expect(String(cfg?.value_template)).toContain(`'${integration}'`);
    }
    const button = await rec.until(() => rec.json('homeassistant/button/media_tracker/bridge_run_doctor/config'), 'the run-doctor button');
    expect(button).toMatchObject({ command_topic: 'media/bridge/set/doctor', payload_press: 'PRESS' });
    // qBittorrent is not configured: no sensor for it.
    expect([...h.tracker.bus.retainedTopics()].filter((t) => t.includes('doctor_qbittorrent'))).toEqual([]);

    const text = JSON.stringify(report);
    for (const secret of [sonarr.state.apiKey, radarr.state.apiKey, js.state.apiKey, jf.state.apiKey, 'shoko-api-key', h.secret, 'shokofin-private-key']) {
      expect(text.includes(secret), `the report carries ${secret}`).toBe(false);
    }
  });

  it('reports a wrong API key, an unreachable host and webhooks that are not configured, each with what to do', async () => {
    const sonarr = createSonarrFake();
    const js = createJellyseerrFake();
    const jf = createJellyfinFake();
    const [s, j, f] = await Promise.all([start(sonarr), start(js), start(jf)]);
    const [closed] = await freePorts(1);
    const { rec } = await world({
      sonarr: [
        { name: 'main', url: s, api_key: sonarr.state.apiKey },
        { name: 'anime', url: s, api_key: 'not-the-key' },
      ],
      radarr: [{ name: 'radarr', url: `http://127.0.0.1:${closed}`, api_key: 'radarr-key' }],
      qbittorrent: [{ name: 'qbittorrent', url: `http://127.0.0.1:${closed}`, username: 'admin', password: 'adminadmin' }],
      jellyseerr: { url: j, api_key: js.state.apiKey },
      jellyfin: { url: f, api_key: 'wrong-jellyfin-key' },
      intervals: { arr_s: 3600, jellyseerr_s: 3600, jellyfin_s: 3600 },
      doctor_interval_min: 0,
    });
    const report = await doctor(rec);
    expect(report.ok).toBe(false);

    expect(check(report, 'sonarr/anime/reachable').status).toBe('ok');
    expect(check(report, 'sonarr/anime/authenticated')).toMatchObject({ status: 'error', summary: 'Sonarr (anime) refuses the API key: wrong API key (HTTP 401)' });
    expect(check(report, 'sonarr/anime/webhook')).toMatchObject({ status: 'skipped', summary: 'Not checked: the API key is wrong' });
    expect(check(report, 'jellyfin/authenticated')).toMatchObject({ status: 'error' });
    expect(check(report, 'jellyfin/authenticated').summary).toMatch(/wrong API key \(HTTP 401\)/);
    // Jellyfin's public endpoint still gives the version when the key is wrong.
    expect(check(report, 'jellyfin/version')).toMatchObject({ status: 'ok', summary: 'Jellyfin 10.10.7' });

    expect(check(report, 'radarr/radarr/reachable')).toMatchObject({ status: 'error', summary: `Cannot reach Radarr at http://127.0.0.1:${closed}/` });
    expect(check(report, 'radarr/radarr/reachable').detail).toMatch(/ECONNREFUSED/);
    expect(check(report, 'radarr/radarr/authenticated').status).toBe('skipped');
    expect(check(report, 'qbittorrent/qbittorrent/reachable')).toMatchObject({ status: 'error' });

    expect(check(report, 'sonarr/main/webhook')).toMatchObject({ status: 'error', summary: 'No Media Tracker webhook in Sonarr (main)', fix: 'autoconfigure' });
    expect(check(report, 'jellyseerr/webhook')).toMatchObject({ status: 'error', summary: "Jellyseerr's webhook is not set", fix: 'autoconfigure' });

    // The report went out on MQTT, and no key with it.
    const retained = await rec.until(() => rec.json<Report>('media/bridge/doctor'), 'the retained report');
    expect(JSON.stringify(retained).includes('not-the-key')).toBe(false);
    expect(JSON.stringify(retained).includes('wrong-jellyfin-key')).toBe(false);

    // Each source's problem names what the doctor found, in its words.
    const sources = await rec.until(() => {
      const s = rec.json<SourcesReport>('media/bridge/sources');
      return s?.sources.find((x) => x.integration === 'sonarr')?.checked_at === report.checked_at ? s : undefined;
    }, 'the source health after the report');
    const of = (id: string) => sources.sources.find((x) => x.integration === id)!;
    expect(of('sonarr')).toMatchObject({
      problem: true,
      reasons: expect.arrayContaining(['Sonarr (anime) refuses the API key: wrong API key (HTTP 401)', 'No Media Tracker webhook in Sonarr (main)']),
    });
    expect(of('radarr').reasons).toContain(`Cannot reach Radarr at http://127.0.0.1:${closed}/`);
    expect(of('jellyseerr').reasons).toContain("Jellyseerr's webhook is not set");
    expect(sources.ok).toBe(false);
    for (const key of ['not-the-key', 'wrong-jellyfin-key', 'radarr-key', 'adminadmin']) expect(JSON.stringify(sources).includes(key), key).toBe(false);
  });

  it('warns when a webhook source has been silent for longer than no_event_warning_hours', async () => {
    const sonarr = createSonarrFake();
    const js = createJellyseerrFake();
    const [s, j] = await Promise.all([start(sonarr), start(js)]);
    let now = Date.parse('2026-11-22T08:00:00.000Z');
    const { h, rec } = await world(
      {
        sonarr: [{ name: 'sonarr', url: s, api_key: sonarr.state.apiKey }],
        jellyseerr: { url: j, api_key: js.state.apiKey },
        intervals: { arr_s: 3600, jellyseerr_s: 3600 },
        no_event_warning_hours: 2,
        doctor_interval_min: 0,
      },
      {},
      { clock: () => new Date(now) },
    );
    // Sonarr's Test arrives now; Jellyseerr sends nothing at all.
    const res = await h.post('/hooks/sonarr/sonarr', {
      eventType: 'Test',
      instanceName: 'Sonarr',
      applicationUrl: '',
      series: { id: 1, title: 'Test Title', path: 'C:\\testpath', tvdbId: 1234, tvMazeId: 0, tmdbId: 0, type: 'standard', year: 0, tags: ['test-tag'] },
      episodes: [{ id: 123, episodeNumber: 1, seasonNumber: 1, title: 'Test title', seriesId: 0, tvdbId: 0 }],
    });
    expect(res.status).toBe(200);
    const fresh = await doctor(rec);
    expect(check(fresh, 'sonarr/sonarr/last_event')).toMatchObject({ status: 'ok', summary: 'Last Sonarr webhook less than a minute ago' });
    expect(check(fresh, 'jellyseerr/last_event')).toMatchObject({ status: 'ok', summary: 'No Jellyseerr webhook yet; the tracker started less than a minute ago' });

    now += 3 * 3_600_000;
    const later = await doctor(rec);
    expect(check(later, 'sonarr/sonarr/last_event')).toMatchObject({ status: 'warning', summary: 'No Sonarr webhook for 3 h', fix: 'autoconfigure' });
    expect(check(later, 'sonarr/sonarr/last_event').detail).toContain('2026-11-22T08:00:00.000Z');
    expect(check(later, 'jellyseerr/last_event')).toMatchObject({ status: 'warning', summary: 'No Jellyseerr webhook since the tracker started 3 h ago' });
  });

  it('gives Shokofin mapping hints: SignalR off, a Jellyfin folder mapped to nothing, an import folder in no library', async () => {
    const jf = createJellyfinFake();
    const shoko = createShokoFake({ pingIntervalMs: 200 });
    shoko.state.importFolders.push({ ID: 2, Name: 'Anime Movies', Path: '/data/anime-movies/', DropFolderType: 'Destination', WatchForNewFiles: true, FileSize: 0 });
    jf.state.plugins.push({
      ...PLUGINS.shokofin,
      configuration: shokofinConfig(
        [
          { path: '/data/anime', importFolderId: 1 },
          { path: '/data/anime-shows', importFolderId: 0 },
        ],
        { signalr: false },
      ),
    });
    const [f, k] = await Promise.all([start(jf), start(shoko)]);
    const { rec } = await world({ jellyfin: { url: f, api_key: jf.state.apiKey }, shoko: { url: k, api_key: 'shoko-api-key' }, intervals: { jellyfin_s: 3600 }, doctor_interval_min: 0 });
    const mapping = check(await doctor(rec), 'shoko/library_mapping');
    expect(mapping.status).toBe('warning');
    expect(mapping.detail).toContain("Shokofin's SignalR auto-connect is off");
    expect(mapping.detail).toContain('Jellyfin folder /data/anime-shows is not mapped to a Shoko import folder');
    expect(mapping.detail).toContain('Shoko import folder "Anime Movies" (/data/anime-movies/) is in no Jellyfin library');
  });

  it('reads the import folders where Shoko v6 moved them (ManagedFolder), as the watcher does', async () => {
    const jf = createJellyfinFake();
    const shoko = createShokoFake({ pingIntervalMs: 200, managedFolders: true, version: '6.0.0.0' });
    jf.state.plugins.push({ ...PLUGINS.shokofin, configuration: shokofinConfig([{ path: '/data/anime', importFolderId: 1 }]) });
    const [f, k] = await Promise.all([start(jf), start(shoko)]);
    const { rec } = await world({ jellyfin: { url: f, api_key: jf.state.apiKey }, shoko: { url: k, api_key: 'shoko-api-key' }, intervals: { jellyfin_s: 3600 }, doctor_interval_min: 0 });
    const report = await doctor(rec);
    expect(check(report, 'shoko/authenticated').status).toBe('ok');
    expect(check(report, 'shoko/version')).toMatchObject({ status: 'ok', summary: 'Shoko 6.0.0.0' });
    expect(check(report, 'shoko/library_mapping')).toMatchObject({ status: 'ok', detail: '1 Jellyfin folder(s), 1 import folder(s).' });
  });

  it("says which download clients Sonarr uses and how each is followed; auto-configuration offers the options for the one followed only through Sonarr's queue", async () => {
    const sabKey = 'Sab-Key-in-Sonarr-5d6e7f';
    const qb = await FakeQbittorrent.start({ flavour: '5.2' });
    closers.push(() => qb.close());
    const [sabPort] = (await freePorts(1)) as [number];
    const sonarr = createSonarrFake();
    sonarr.state.downloadClients = [
      downloadClient('Sonarr', 1, { implementation: 'QBittorrent', values: { host: 'localhost', port: qb.port, username: qb.username, password: qb.password } }),
      downloadClient('Sonarr', 2, { implementation: 'Sabnzbd', values: { host: '127.0.0.1', port: sabPort, apiKey: sabKey } }),
    ];
    const s = await start(sonarr);
    const { rec } = await world({
      sonarr: [{ name: 'sonarr', url: s, api_key: sonarr.state.apiKey }],
      qbittorrent: [{ name: 'qbittorrent', url: qb.url, username: qb.username, password: qb.password }],
      intervals: { arr_s: 3600, qbittorrent_s: 3600 },
      doctor_interval_min: 0,
    });

    const report = await doctor(rec);
    const clients = check(report, 'sonarr/sonarr/download_clients');
    expect(clients).toMatchObject({ status: 'ok', summary: "Sonarr uses qBittorrent (followed directly) and SABnzbd (through Sonarr's queue)" });
    expect(clients.detail).toContain(`Sonarr uses qBittorrent (torrent, localhost:${qb.port}, category tv-sonarr): followed directly by the tracker's qBittorrent instance "qbittorrent".`);
    expect(clients.detail).toContain(`Sonarr uses SABnzbd (usenet, 127.0.0.1:${sabPort}, category tv): followed through Sonarr's queue; add a sabnzbd instance for finer progress`);
    const retained = await rec.until(() => rec.json<Report>('media/bridge/doctor')?.checks.find((c) => c.id === 'sonarr/sonarr/download_clients'), 'the check in the retained report');
    expect(retained.summary).toBe(clients.summary);

    const answer = await bridge(rec, 'autoconfigure');
    expect(answer.status).toBe('ok');
    const actions = (answer.result as { actions: Array<{ service: string; instance: string | null; action: string; detail: string }> }).actions;
    expect(actions.filter((a) => a.service === 'qbittorrent')).toEqual([]);
    const offer = actions.find((a) => a.service === 'sabnzbd');
    expect(offer).toMatchObject({ instance: 'sabnzbd', action: 'skipped' });
    expect(offer?.detail).toContain(`sabnzbd: [{ name: "sabnzbd", url: "http://127.0.0.1:${sabPort}", api_key: "<the SABnzbd API key>" }]`);
    expect(offer?.detail).toContain('Then replace <the SABnzbd API key> with the real value');

    for (const m of rec.messages) {
      for (const secret of [sabKey, qb.password, '********']) expect(m.payload.includes(secret), `${m.topic} carries ${secret}`).toBe(false);
    }
  });

  it('runs on the command from a browser connection (the panel), which may publish bridge commands', async () => {
    const { h, rec } = await world({ doctor_interval_min: 0 });
    const browser = await Recorder.connect(h.tracker.endpoints.wsUrl, ['media/#'], { protocolVersion: 4 });
    closers.push(() => browser.close());
    const answer = await bridge(browser, 'doctor');
    expect(answer).toMatchObject({ action: 'doctor', status: 'ok' });
    expect(check(answer.result as Report, 'mqtt/broker').status).toBe('ok');
    // Answers go to every subscriber, not only to the browser that asked.
    await rec.until(() => rec.messages.some((m) => m.topic === 'media/bridge/response'), 'the answer on the TCP listener too');
  });

  it("npm run doctor prints the running tracker's report, or runs the checks itself, and exits 1 on an error", async () => {
    const cli = join(ROOT, 'dist', 'doctor', 'cli.js');
    expect(existsSync(cli), 'dist/doctor/cli.js (npm run build)').toBe(true);
    const sonarr = createSonarrFake();
    const s = await start(sonarr);
    const [mqttPort, closed] = await freePorts(2);
    const options = {
      data_dir: join(tmp, 'data'),
      sonarr: [{ name: 'sonarr', url: s, api_key: 'wrong-key' }],
      mqtt: { port: mqttPort },
    };
    const file = join(tmp, 'options.json');
    writeFileSync(file, JSON.stringify(options));
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const p = spawn(process.execPath, [cli], { env: { ...process.env, MEDIA_TRACKER_OPTIONS: file } });
        let out = '';
        p.stdout.on('data', (d: Buffer) => (out += d.toString()));
        p.stderr.on('data', (d: Buffer) => (out += d.toString()));
        p.on('close', (code) => resolve({ code, out }));
      });

    const alone = await run();
    expect(alone.out).toContain('The tracker is not running on this machine');
    expect(alone.out).toMatch(/\[FAIL\] authenticated\s+Sonarr refuses the API key: wrong API key \(HTTP 401\)/);
    expect(alone.out).not.toContain('wrong-key');
    expect(alone.code).toBe(1);

    const { h } = await world({ ...options, webhook_port: closed, doctor_interval_min: 0 });
    expect(h.tracker.broker.tcpPort).toBe(mqttPort);
    const viaTracker = await run();
    expect(viaTracker.out).toMatch(/\[ok {2}\] broker\s+Embedded broker on port/);
    expect(viaTracker.code).toBe(1);
  });
});
