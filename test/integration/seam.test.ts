/**
 * The integration seam: a new integration is a folder (test/integration/example-integration/)
 * plus one line in a registry. Added to a registry passed in, the example download client
 * appears in the options schema (validated, with a clear error for a bad value), in the
 * doctor's report, in Home Assistant's diagnostic entities, in the bridge info's list of
 * integrations the panel reads, and in panel.json's webhook routes and links, which the panel
 * turns into a webhook URL and a deep link, and in Sonarr's download-client list (followed directly
 * when configured at the client's address, offered as options otherwise) — without an edit anywhere else.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deepLinks, parsePanelConfig, webhookUrls } from '../../frontend/src/data/panel-config.js';
import { request } from '../../frontend/test/fixtures.js';
import { Tracker } from '../../src/app.js';
import { describeIssues } from '../../src/config/load.js';
import { buildOptionsSchema } from '../../src/config/schema.js';
import type { DoctorReport } from '../../src/doctor/types.js';
import type { PanelDocument } from '../../src/http/ingress.js';
import { REGISTRY } from '../../src/integrations/registry.js';
import { createLogger, setLogLevel } from '../../src/log.js';
import { Recorder, SECRET } from '../helpers/tracker.js';
import { autoconfigure } from '../../src/autoconfig/index.js';
import { runDoctor } from '../../src/doctor/run.js';
import { LocalSettings } from '../../src/secrets.js';
import { downloadClient } from '../fakes/arr-downloadclients.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { bridge } from './bridge.js';
import { exampledl, ExampleWatcher } from './example-integration/index.js';

/** The built-in integrations and the example: the one line a new integration adds. */
const registry = [...REGISTRY, exampledl] as const;
const schema = buildOptionsSchema(registry);

setLogLevel('error');
const closers: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
});

describe('an integration added to the registry', () => {
  it('has its option in the options schema, with its default and its poll interval', () => {
    const defaults = schema.parse({});
    expect(defaults.exampledl).toEqual({ url: '' });
    expect(defaults.intervals.exampledl_s).toBe(30);
    // The built-in slices are still there, typed as before.
    expect(defaults.sonarr).toEqual([]);
    const set = schema.parse({ exampledl: { url: 'http://exampledl:9000/' } });
    expect(set.exampledl.url).toBe('http://exampledl:9000');
  });

  it('rejects a bad value with a message naming the key and what is expected', () => {
    const bad = schema.safeParse({ exampledl: { url: 'ftp://exampledl' } });
    expect(bad.success).toBe(false);
    const text = describeIssues(bad.error!, schema);
    expect(text).toMatch(/^- exampledl\.url: expected an http:\/\/ or https:\/\/ URL, or "" to disable$/m);
    const unknown = schema.safeParse({ exampledl: { url: 'http://exampledl', port: 1 } });
    expect(describeIssues(unknown.error!, schema)).toMatch(/^- exampledl\.port: unknown key; expected one of url$/m);
  });

  it('is started, checked by the doctor, shown in Home Assistant and listed in the bridge info', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'media-tracker-seam-'));
    const options = schema.parse({
      data_dir: dir,
      webhook_secret: SECRET,
      webhook_port: 0,
      ingress_port: 0,
      mqtt: { port: 0, ha_birth_delay_s: 0 },
      doctor_interval_min: 0,
      exampledl: { url: 'http://exampledl:9000' },
    });
    const tracker = new Tracker({ options, registry, host: '127.0.0.1', log: createLogger('seam') });
    await tracker.start();
    closers.push(async () => {
      await tracker.stop();
      await rm(dir, { recursive: true, force: true });
    });
    const rec = await Recorder.connect(tracker.endpoints.mqttUrl);
    closers.push(() => rec.close());

    // Its watcher runs with the others.
    const watcher = tracker.watchers.find((w) => w.name === 'exampledl');
    expect(watcher).toBeInstanceOf(ExampleWatcher);
    expect((watcher as ExampleWatcher).url).toBe('http://exampledl:9000');

    // The doctor checks it, in registry order after the built-in integrations, before MQTT.
    const answer = await bridge(rec, 'doctor');
    expect(answer.status).toBe('ok');
    const report = answer.result as DoctorReport;
    expect(report.checks.find((c) => c.id === 'exampledl/reachable')).toMatchObject({ integration: 'exampledl', status: 'ok', summary: 'ExampleDL answers at http://exampledl:9000 (every 30 s)' });
    const order = [...new Set(report.checks.map((c) => c.integration))];
    expect(order).toEqual(['jellyseerr', 'sonarr', 'radarr', 'qbittorrent', 'transmission', 'deluge', 'sabnzbd', 'nzbget', 'jellyfin', 'shoko', 'exampledl', 'mqtt', 'store']);

    // Home Assistant gets a problem sensor for it on the bridge device, labelled from the descriptor.
    const sensor = await rec.until(() => rec.json<Record<string, unknown>>('homeassistant/binary_sensor/media_tracker/bridge_doctor_exampledl/config'), 'the ExampleDL problem sensor');
    expect(sensor).toMatchObject({ name: 'ExampleDL problem', state_topic: 'media/bridge/sources', device_class: 'problem', entity_category: 'diagnostic' });
    expect(String(sensor.value_template)).toContain("'exampledl'");

    // The bridge info lists it with its label and role (what the panel reads), and its watcher's health.
    const info = await rec.until(() => rec.json<{ integrations?: Array<{ id: string; label: string; roles: string[] }>; watchers?: Array<{ name: string }> }>('media/bridge/info'), 'the bridge info');
    expect(info.integrations).toContainEqual({ id: 'exampledl', label: 'ExampleDL', roles: ['download-client'] });
    expect(info.integrations?.map((i) => i.id)).toEqual(['jellyseerr', 'sonarr', 'radarr', 'qbittorrent', 'transmission', 'deluge', 'sabnzbd', 'nzbget', 'jellyfin', 'shoko', 'exampledl']);
    expect(info.watchers?.map((w) => w.name)).toContain('exampledl');

    // Its webhook route is served, and panel.json lists it after the built-in ones, with its web UI and link templates.
    const hook = await fetch(`${tracker.endpoints.webhookUrl}/hooks/exampledl?token=${encodeURIComponent(SECRET)}`, { method: 'POST', body: '{}' });
    expect(hook.status).toBe(200);
    expect(await hook.json()).toEqual({ status: 'ignored', note: 'ExampleDL says nothing the tracker follows' });
    const doc = (await (await fetch(`${tracker.endpoints.ingressUrl}/panel.json`)).json()) as PanelDocument;
    expect(doc.webhooks.routes.map((r) => r.service)).toEqual(['jellyseerr', 'sonarr', 'radarr', 'jellyfin', 'exampledl']);
    expect(doc.webhooks.routes.at(-1)).toEqual({ service: 'exampledl', instance: null, path: '/hooks/exampledl', auth: 'token', where: null });
    expect(doc.links).toEqual([
      { service: 'exampledl', label: 'ExampleDL', instance: null, url: 'http://exampledl:9000', scope: 'all', templates: { movie: '{ui}/search?imdb={imdb_id}', tv: '{ui}/search?imdb={imdb_id}' } },
    ]);

    // The panel shows its webhook URL and links a request to it, named as the bridge info names it.
    const config = parsePanelConfig(doc);
    const urls = webhookUrls(config, 'http://homeassistant.local:8123/', info.integrations);
    expect(urls.at(-1)).toMatchObject({
      service: 'exampledl',
      instance: null,
      url: `http://homeassistant.local:${doc.webhooks.port}/hooks/exampledl?token=${encodeURIComponent(SECRET)}`,
      header: null,
    });
    const movie = request('m', { media_type: 'movie', imdb_id: 'tt0111161' });
    expect(deepLinks(movie, config, info.integrations)).toEqual([{ service: 'exampledl', label: 'ExampleDL', href: 'http://exampledl:9000/search?imdb=tt0111161' }]);
    // No IMDb id: no link.
    expect(deepLinks(request('n', { imdb_id: null }), config, info.integrations)).toEqual([]);
  });

  it("is recognised in Sonarr's download-client list by the implementation name its descriptor declares", async () => {
    const sonarr = createSonarrFake();
    sonarr.state.downloadClients = [downloadClient('Sonarr', 1, { implementation: 'ExampleDl', name: 'Example', values: { host: 'exampledl', port: 9000, token: 'Example-Token-0f1e' } })];
    const { url } = await sonarr.start();
    closers.push(() => sonarr.stop());
    const dir = await mkdtemp(join(tmpdir(), 'media-tracker-seam-'));
    closers.push(() => rm(dir, { recursive: true, force: true }));
    const base = { url: 'http://127.0.0.1:1', explicit: true };
    const now = new Date('2026-12-01T12:00:00.000Z');
    const doctor = async (extra: Record<string, unknown>) =>
      runDoctor({
        options: schema.parse({ data_dir: dir, sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }], ...extra }),
        registry,
        base,
        secret: SECRET,
        events: () => ({ lastEvents: {}, startedAt: null, warnAfterHours: 24, now }),
        forward: () => null,
        broker: async () => [],
        clock: () => now,
        timeoutMs: 2000,
      });

    const followed = (await doctor({ exampledl: { url: 'http://exampledl:9000' } })).checks.find((c) => c.id === 'sonarr/sonarr/download_clients');
    expect(followed).toMatchObject({ status: 'ok', summary: 'Sonarr uses ExampleDl (followed directly)' });
    expect(followed?.detail).toBe('Sonarr uses ExampleDl "Example" (unknown, exampledl:9000): followed directly by the tracker\'s ExampleDL.');

    const queueOnly = (await doctor({})).checks.find((c) => c.id === 'sonarr/sonarr/download_clients');
    expect(queueOnly?.detail).toContain("followed through Sonarr's queue; add an exampledl instance for finer progress");

    const options = schema.parse({ data_dir: dir, sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }] });
    const result = await autoconfigure(
      options,
      await LocalSettings.open(dir),
      { forwardExisting: false, services: ['sonarr'] },
      { base, secret: SECRET, receipts: { count: () => 0 }, timeoutMs: 2000 },
      undefined,
      registry,
    );
    const offer = result.actions.find((a) => a.service === 'exampledl');
    expect(offer).toMatchObject({ instance: null, action: 'skipped' });
    expect(offer?.detail).toContain('To follow it directly, add ExampleDL to the add-on options: exampledl: { url: "http://exampledl:9000" }.');
    expect(JSON.stringify(result)).not.toContain('Example-Token-0f1e');
  });
});
