/**
 * Auto-configuration against the Sonarr, Radarr and Jellyseerr fakes, driven by the MQTT
 * command as the panel sends it: first run creates, second run changes nothing, a foreign
 * Jellyseerr webhook is left alone without consent and forwarded to with it; every service's
 * own Test must reach the tracker.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { Receiver } from '../fakes/common.js';
import { createJellyfinFake, PLUGINS, webhookPluginConfig } from '../fakes/jellyfin.js';
import { createJellyseerrFake, DEFAULT_TEMPLATE } from '../fakes/jellyseerr.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { freePorts } from '../helpers/ports.js';
import { SECRET } from '../helpers/tracker.js';
import { bridge } from './bridge.js';
import { world } from './support.js';

interface Action {
  service: string;
  instance: string | null;
  action: string;
  detail: string;
  test: string;
}
interface Result {
  actions: Action[];
  jellyfin: string;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function services() {
  const sonarr = createSonarrFake();
  const radarr = createRadarrFake();
  const js = createJellyseerrFake();
  const [s, r, j] = await Promise.all([sonarr.start(), radarr.start(), js.start()]);
  closers.push(
    () => sonarr.stop(),
    () => radarr.stop(),
    () => js.stop(),
  );
  const options = {
    sonarr: [{ name: 'sonarr', url: s.url, api_key: sonarr.state.apiKey }],
    radarr: [{ name: 'radarr', url: r.url, api_key: radarr.state.apiKey }],
    jellyseerr: { url: j.url, api_key: js.state.apiKey },
    // The reconcilers are not under test here; keep them quiet.
    intervals: { arr_s: 3600, jellyseerr_s: 3600 },
    doctor_interval_min: 0,
  };
  return { sonarr, radarr, js, options };
}

function actionOf(result: Result, service: string): Action {
  const a = result.actions.find((x) => x.service === service);
  if (!a) throw new Error(`no ${service} action in ${JSON.stringify(result)}`);
  return a;
}

const field = (n: { fields: Array<{ name: string; value?: unknown }> }, name: string) => n.fields.find((f) => f.name === name)?.value;

const dune: MovieSpec = { requestId: 301, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('ac-dune'), requestedBy: 'alice' };

describe('auto-configuration', () => {
  it('creates the Sonarr, Radarr and Jellyseerr webhooks, proves them with each Test, and a second run changes nothing', async () => {
    const { sonarr, radarr, js, options } = await services();
    const { h, rec } = await world(options);
    const hooks = `${h.tracker.endpoints.webhookUrl}/hooks`;

    const first = await bridge(rec, 'autoconfigure');
    expect(first.status, JSON.stringify(first)).toBe('ok');
    const r1 = first.result as Result;
    for (const s of ['sonarr', 'radarr', 'jellyseerr']) {
      expect(actionOf(r1, s), s).toMatchObject({ action: 'created', test: 'passed' });
    }

    expect(sonarr.state.notifications).toHaveLength(1);
    const conn = sonarr.state.notifications[0]!;
    expect(conn).toMatchObject({
      name: 'Media Tracker',
      implementation: 'Webhook',
      configContract: 'WebhookSettings',
      onGrab: true,
      onDownload: true,
      onImportComplete: true,
      onSeriesDelete: true,
      onEpisodeFileDelete: true,
      onManualInteractionRequired: true,
      // Health checks failing (warnings too) and restored: the bridge's Sonarr problem sensor.
      onHealthIssue: true,
      includeHealthWarnings: true,
      onHealthRestored: true,
      onApplicationUpdate: false,
    });
    expect(field(conn, 'url')).toBe(`${hooks}/sonarr/sonarr`);
    expect(field(conn, 'password')).toBe(SECRET);
    expect(radarr.state.notifications[0]).toMatchObject({ onMovieAdded: true, onMovieDelete: true, onMovieFileDelete: true });
    expect(field(radarr.state.notifications[0]!, 'url')).toBe(`${hooks}/radarr/radarr`);
    // The create-time test and the explicit Test both reached the tracker and were accepted.
    expect(sonarr.state.sent.map((x) => x.status)).toEqual([200, 200]);

    const w = js.state.webhook;
    expect(w.enabled).toBe(true);
    expect(w.options.webhookUrl).toBe(`${hooks}/jellyseerr`);
    expect(w.options.authHeader).toBe(`Bearer ${SECRET}`);
    for (const bit of [2, 4, 8, 16, 64, 128]) expect(w.types & bit, `type bit ${bit}`).toBe(bit);
    const template = JSON.parse(JSON.parse(Buffer.from(w.options.jsonPayload, 'base64').toString('utf8')) as string) as Record<string, unknown>;
    expect(template).toMatchObject({ notification_type: '{{notification_type}}', '{{media}}': { tmdbId: '{{media_tmdbid}}' }, '{{request}}': { request_id: '{{request_id}}' }, '{{extra}}': [] });
    expect(r1.jellyfin).toContain(`${hooks}/jellyfin`);

    const before = JSON.stringify([sonarr.state.notifications, radarr.state.notifications, js.state.webhook]);
    const second = await bridge(rec, 'autoconfigure');
    const r2 = second.result as Result;
    for (const s of ['sonarr', 'radarr', 'jellyseerr']) expect(actionOf(r2, s), s).toMatchObject({ action: 'unchanged', test: 'passed' });
    expect(JSON.stringify([sonarr.state.notifications, radarr.state.notifications, js.state.webhook])).toBe(before);

    // What was configured carries real events: a Radarr grab through the connection becomes a request.
    const [grab] = await radarr.deliver(radarrGrab(dune));
    expect(grab?.status).toBe(200);
    await rec.until(() => [...rec.latest.keys()].some((t) => /^media\/radarr-\d+\/state$/.test(t)), 'the grabbed movie on MQTT');

    for (const m of rec.messages) expect(m.payload.includes(SECRET), `${m.topic} carries the secret`).toBe(false);
  });

  it('repairs a connection whose stored password is not the secret (the API only shows it masked)', async () => {
    const { sonarr, options } = await services();
    const { h, rec } = await world({ ...options, radarr: [], jellyseerr: { url: '', api_key: '' } });
    sonarr.state.notifications.push({
      id: 7,
      name: 'Media Tracker',
      implementation: 'Webhook',
      configContract: 'WebhookSettings',
      onGrab: true,
      onDownload: true,
      onUpgrade: true,
      onImportComplete: true,
      onSeriesAdd: true,
      onSeriesDelete: true,
      onEpisodeFileDelete: true,
      onManualInteractionRequired: true,
      fields: [
        { name: 'url', value: `${h.tracker.endpoints.webhookUrl}/hooks/sonarr/sonarr` },
        { name: 'method', value: 1 },
        { name: 'username', value: 'x' },
        { name: 'password', value: 'an-old-secret', privacy: 'password' },
        { name: 'headers', value: [] },
      ],
    });
    const answer = await bridge(rec, 'autoconfigure', { services: ['sonarr'] });
    const a = actionOf(answer.result as Result, 'sonarr');
    expect(a).toMatchObject({ action: 'updated', test: 'passed' });
    expect(a.detail).toMatch(/the password was set again/);
    expect(sonarr.state.notifications).toHaveLength(1);
    expect(field(sonarr.state.notifications[0]!, 'password')).toBe(SECRET);
    // The first Test, with the old password, was refused by the tracker.
    expect(sonarr.state.sent[0]?.status).toBe(401);
  });

  it('does not save a connection Sonarr cannot test, and says to set public_url', async () => {
    const { sonarr, options } = await services();
    const { rec } = await world({ ...options, radarr: [], jellyseerr: { url: '', api_key: '' }, public_url: 'http://127.0.0.1:1' });
    const a = actionOf((await bridge(rec, 'autoconfigure')).result as Result, 'sonarr');
    expect(a).toMatchObject({ action: 'failed', test: 'not run' });
    expect(a.detail).toMatch(/Unable to send test message/);
    expect(a.detail).toMatch(/public_url/);
    expect(sonarr.state.notifications).toHaveLength(0);
  });

  it('leaves a foreign Jellyseerr webhook alone without consent, and with forward_existing forwards every notification to it unchanged', async () => {
    const { js, options } = await services();
    const receiver = new Receiver();
    const receiverUrl = await receiver.start();
    closers.push(() => receiver.close());
    // Home Assistant's Overseerr integration: its webhook URL, the default template, its six types.
    const haUrl = `${receiverUrl}/api/webhook/4f6d1c2b9a8e7f6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4b3a2918f7e6d5c4`;
    js.configureWebhook(haUrl, { authHeader: 'Bearer ha-receiver-token', types: 222 });
    const foreign = JSON.stringify(js.state.webhook);
    // A fixed port, so the URL Jellyseerr holds still works after the restart below.
    const [port] = await freePorts(1);
    const { h, rec } = await world({ ...options, sonarr: [], radarr: [], webhook_port: port });

    const skipped = actionOf((await bridge(rec, 'autoconfigure')).result as Result, 'jellyseerr');
    expect(skipped).toMatchObject({ action: 'skipped', test: 'not run' });
    expect(skipped.detail).toMatch(/Home Assistant's Overseerr integration/);
    expect(skipped.detail).toMatch(/forward_existing/);
    expect(skipped.detail).not.toContain('4f6d1c2b9a8e7f6d5c4b'); // HA's webhook id is a secret
    expect(JSON.stringify(js.state.webhook)).toBe(foreign);

    const taken = actionOf((await bridge(rec, 'autoconfigure', { forward_existing: true })).result as Result, 'jellyseerr');
    expect(taken).toMatchObject({ action: 'created', test: 'passed' });
    expect(taken.detail).toMatch(/forwarded there unchanged/);
    expect(js.state.webhook.options.webhookUrl).toBe(`${h.tracker.endpoints.webhookUrl}/hooks/jellyseerr`);
    expect(js.state.webhook.types & 222).toBe(222);
    // The previous template carries everything the tracker reads, so it stays: the forwarded body keeps its shape.
    expect(JSON.parse(Buffer.from(js.state.webhook.options.jsonPayload, 'base64').toString('utf8'))).toBe(DEFAULT_TEMPLATE);
    const stored = JSON.parse(readFileSync(join(h.dataDir, 'settings.json'), 'utf8')) as { jellyseerr_forward?: { url: string } };
    expect(stored.jellyseerr_forward?.url).toBe(haUrl);

    const spec: MovieSpec = { ...dune, requestId: 302 };
    const sent = await js.notify('MEDIA_AUTO_APPROVED', spec);
    expect(sent?.status).toBe(200);
    const forwarded = await receiver
      .waitFor(1)
      .then(() => rec.until(() => receiver.received.find((r) => (r.json as { notification_type?: string } | undefined)?.notification_type === 'MEDIA_AUTO_APPROVED'), 'the forwarded notification'));
    expect(forwarded.raw).toBe(sent!.body);
    expect(forwarded.path).toBe(new URL(haUrl).pathname);
    expect(forwarded.headers.authorization).toBe('Bearer ha-receiver-token');
    expect(forwarded.headers['content-type']).toBe('application/json');
    await rec.untilState('jellyseerr-302', 'APPROVED');

    // Home Assistant restarts and re-registers its webhook: the doctor notices, the tracker takes the slot again.
    const ours = JSON.stringify(js.state.webhook);
    js.configureWebhook(haUrl, { authHeader: 'Bearer ha-receiver-token', types: 222 });
    const report = (await bridge(rec, 'doctor')).result as { checks: Array<{ id: string; status: string; detail: string | null }> };
    const lost = report.checks.find((c) => c.id === 'jellyseerr/webhook');
    expect(lost).toMatchObject({ status: 'error' });
    expect(lost?.detail).toMatch(/took the slot back/);
    await rec.until(() => JSON.stringify(js.state.webhook) === ours, 'the slot taken again');

    // The forwarding survives a restart (the target lives in settings.json).
    await h.restart();
    const again = await js.notify('MEDIA_AVAILABLE', spec);
    expect(again?.status).toBe(200);
    const second = await rec.until(
      () => receiver.received.find((r) => (r.json as { notification_type?: string } | undefined)?.notification_type === 'MEDIA_AVAILABLE'),
      'the forwarded notification after a restart',
    );
    expect(second.raw).toBe(again!.body);
  });

  it('npm run autoconfigure asks the running tracker and prints what was done', async () => {
    const cli = join(ROOT, 'dist', 'autoconfig', 'cli.js');
    expect(existsSync(cli), 'dist/autoconfig/cli.js (npm run build)').toBe(true);
    const { sonarr, options } = await services();
    const [mqttPort] = await freePorts(1);
    const own = { ...options, radarr: [], jellyseerr: { url: '', api_key: '' }, mqtt: { port: mqttPort } };
    const { h } = await world(own);
    const dir = mkdtempSync(join(tmpdir(), 'media-tracker-autoconfig-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'options.json');
    writeFileSync(file, JSON.stringify({ ...own, data_dir: h.dataDir }));
    const out = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const p = spawn(process.execPath, [cli, '--services', 'sonarr'], { env: { ...process.env, MEDIA_TRACKER_OPTIONS: file } });
      let text = '';
      p.stdout.on('data', (d: Buffer) => (text += d.toString()));
      p.stderr.on('data', (d: Buffer) => (text += d.toString()));
      p.on('close', (code) => resolve({ code, text }));
    });
    expect(out.text).toMatch(/sonarr\s+created\s+test passed/);
    expect(out.text).toContain('/hooks/jellyfin');
    expect(out.text).not.toContain(SECRET);
    expect(out.code).toBe(0);
    expect(sonarr.state.notifications).toHaveLength(1);
  });

  it('answers a bad payload and an unknown bridge action with an error naming what is wrong', async () => {
    const { options } = await services();
    const { rec } = await world(options);
    const bad = await bridge(rec, 'autoconfigure', { services: ['plex'] });
    expect(bad.status).toBe('error');
    expect(bad.error).toMatch(/services\.0/);
    const unknown = await bridge(rec, 'reboot');
    expect(unknown).toMatchObject({ action: 'reboot', status: 'error' });
    expect(unknown.error).toMatch(/doctor, autoconfigure/);
  });
});

describe("auto-configuration of Jellyfin's webhook plugin", () => {
  async function jellyfinStack(installed: boolean) {
    const jf = createJellyfinFake();
    const { url } = await jf.start();
    closers.push(() => jf.stop());
    // Someone else's destination (a notification service) is already there.
    if (installed) jf.state.plugins.push({ ...PLUGINS.webhook, configuration: webhookPluginConfig([{ uri: 'http://ntfy.local/jellyfin', types: ['PlaybackStart'] }]) });
    const { h, rec } = await world({ jellyfin: { url, api_key: jf.state.apiKey }, intervals: { jellyfin_s: 3600 }, doctor_interval_min: 0 });
    return { jf, h, rec, hook: `${h.tracker.endpoints.webhookUrl}/hooks/jellyfin` };
  }
  const generic = (jf: ReturnType<typeof createJellyfinFake>) => (jf.state.plugins[0]!.configuration.GenericOptions as Array<Record<string, unknown>>) ?? [];

  it('adds one Generic destination for Item Added/Deleted with the secret, keeps the others, and a second run changes nothing', async () => {
    const { jf, rec, hook } = await jellyfinStack(true);
    const first = (await bridge(rec, 'autoconfigure', { services: ['jellyfin'] })).result as Result;
    expect(actionOf(first, 'jellyfin')).toMatchObject({ action: 'created', test: 'passed' });
    expect(first.jellyfin).toBe('');
    const [theirs, ours] = generic(jf);
    expect(theirs).toMatchObject({ WebhookUri: 'http://ntfy.local/jellyfin', NotificationTypes: ['PlaybackStart'] });
    expect(ours).toMatchObject({ WebhookName: 'Media Tracker', WebhookUri: hook, EnableWebhook: true, SendAllProperties: true, EnableMovies: true, EnableEpisodes: true, EnableSeries: true });
    expect(ours!.NotificationTypes).toEqual(['ItemAdded', 'ItemDeleted']);
    expect(ours!.Headers).toEqual(
      expect.arrayContaining([
        { Key: 'Authorization', Value: `Bearer ${SECRET}` },
        { Key: 'Content-Type', Value: 'application/json' },
      ]),
    );
    // The rest of the plugin's configuration is written back as it was.
    expect(jf.state.plugins[0]!.configuration).toMatchObject({ ServerUrl: 'http://jellyfin.local:8096', DiscordOptions: [], MqttOptions: [] });
    expect(JSON.stringify(first)).not.toContain(SECRET);

    const before = JSON.stringify(jf.state.plugins[0]!.configuration);
    const second = (await bridge(rec, 'autoconfigure', { services: ['jellyfin'] })).result as Result;
    expect(actionOf(second, 'jellyfin')).toMatchObject({ action: 'unchanged', test: 'passed' });
    expect(JSON.stringify(jf.state.plugins[0]!.configuration)).toBe(before);

    // What the plugin now sends, with the destination's own headers, is accepted by the tracker.
    const item = jf.addMovie({ name: 'Dune: Part Two', year: 2024, tmdbId: 693134 });
    const headers = Object.fromEntries((ours!.Headers as Array<{ Key: string; Value: string }>).map((x) => [x.Key, x.Value]));
    const sent = await jf.sendItemAdded(hook, item, { headers });
    expect(sent.status).toBe(200);
  });

  it('repairs a destination of ours that lost Item Deleted and the secret, keeping its name and its other types', async () => {
    const { jf, rec, hook } = await jellyfinStack(true);
    jf.state.plugins[0]!.configuration = webhookPluginConfig([
      { uri: 'http://ntfy.local/jellyfin', types: ['PlaybackStart'] },
      { uri: hook, types: ['ItemAdded', 'PlaybackStop'] },
    ]);
    const r = (await bridge(rec, 'autoconfigure', { services: ['jellyfin'] })).result as Result;
    expect(actionOf(r, 'jellyfin')).toMatchObject({ action: 'updated', test: 'passed' });
    expect(generic(jf)).toHaveLength(2);
    const ours = generic(jf)[1]!;
    expect(ours).toMatchObject({ WebhookName: 'tracker', WebhookUri: hook });
    expect(ours.NotificationTypes).toEqual(['ItemAdded', 'PlaybackStop', 'ItemDeleted']);
    expect(ours.Headers).toEqual(expect.arrayContaining([{ Key: 'Authorization', Value: `Bearer ${SECRET}` }]));
  });

  it('without the plugin installed, says to install it and changes nothing', async () => {
    const { jf, rec } = await jellyfinStack(false);
    const r = (await bridge(rec, 'autoconfigure', { services: ['jellyfin'] })).result as Result;
    expect(actionOf(r, 'jellyfin')).toMatchObject({ action: 'skipped', test: 'not run' });
    expect(actionOf(r, 'jellyfin').detail).toMatch(/install "Webhook" from Dashboard → Plugins → Catalog/);
    expect(jf.state.plugins).toEqual([]);
  });
});
