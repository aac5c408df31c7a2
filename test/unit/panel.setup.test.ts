/**
 * The panel's setup data: `panel.json` checked and turned into webhook URLs and deep links,
 * the doctor's report and auto-configuration's answer, and bridge commands over MQTT.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Connection, type MqttLike } from '../../frontend/src/data/connection.js';
import { byIntegration, parseAutoconfigureResult, parseDoctorReport, statusCounts } from '../../frontend/src/data/doctor.js';
import { EMPTY_CONFIG, baseTopic, deepLinks, loadPanelConfig, parsePanelConfig, webhookUrls } from '../../frontend/src/data/panel-config.js';
import { parseRoute, formatRoute } from '../../frontend/src/data/route.js';
import { RequestStore } from '../../frontend/src/data/store.js';
import { request } from '../../frontend/test/fixtures.js';
import { Topics } from '../../src/contract/index.js';
import { integrationInfo as integrationInfos } from '../../src/integrations/registry.js';

/** The integrations as the tracker lists them on `bridge/info` (their labels and the doctor's order). */
const INTEGRATIONS = integrationInfos();

const PANEL_JSON = {
  base_topic: 'tracker',
  viewer: { id: 'u1', name: 'alice', display_name: 'Alice' },
  webhooks: {
    port: 8787,
    secret: 's3cr&t',
    routes: [
      { service: 'jellyseerr', instance: null, path: '/hooks/jellyseerr' },
      { service: 'sonarr', instance: 'sonarr-anime', path: '/hooks/sonarr/sonarr-anime' },
      { service: 'telnet', instance: null, path: '/hooks/telnet' },
      { service: 'radarr', instance: null, path: 'http://elsewhere/hooks/radarr' },
    ],
  },
  links: {
    jellyseerr: 'http://jellyseerr.lan:5055',
    jellyfin: 'javascript:alert(1)',
    sonarr: { 'sonarr-anime': 'http://sonarr.lan:8989/' },
    radarr: { radarr: 'http://radarr.lan:7878', bad: 42 },
  },
};

describe('panel.json', () => {
  it('keeps what is well-formed and drops the rest', () => {
    const c = parsePanelConfig(PANEL_JSON);
    expect(c.base_topic).toBe('tracker');
    expect(c.viewer).toEqual({ id: 'u1', name: 'alice', display_name: 'Alice' });
    expect(c.webhooks?.routes.map((r) => r.path)).toEqual(['/hooks/jellyseerr', '/hooks/sonarr/sonarr-anime']);
    // Only http(s) links: a javascript: URL never becomes an href.
    expect(c.links).toEqual({ jellyseerr: 'http://jellyseerr.lan:5055', jellyfin: null, sonarr: { 'sonarr-anime': 'http://sonarr.lan:8989' }, radarr: { radarr: 'http://radarr.lan:7878' } });
    for (const junk of [null, 'x', [], { base_topic: 'a/#', viewer: { name: 'no id' }, webhooks: { port: 99999, secret: 'x', routes: [] } }]) {
      const j = parsePanelConfig(junk);
      expect([j.base_topic, j.viewer, j.webhooks]).toEqual([null, null, null]);
    }
  });

  it('takes the base topic from ?base=, else the tracker, else media', () => {
    const c = parsePanelConfig(PANEL_JSON);
    expect(baseTopic('?base=other', c)).toBe('other');
    expect(baseTopic('', c)).toBe('tracker');
    expect(baseTopic('', EMPTY_CONFIG)).toBe('media');
  });

  it('builds webhook URLs on the page’s host, the secret masked on screen and complete in the copy', () => {
    const urls = webhookUrls(parsePanelConfig(PANEL_JSON), 'https://ha.example:8123/api/hassio_ingress/tok/#/setup');
    expect(urls).toEqual([
      {
        service: 'jellyseerr',
        instance: null,
        path: '/hooks/jellyseerr',
        url: 'http://ha.example:8787/hooks/jellyseerr',
        shown: 'http://ha.example:8787/hooks/jellyseerr',
        header: { value: 'Bearer s3cr&t', shown: 'Bearer ••••••••' },
      },
      {
        service: 'sonarr',
        instance: 'sonarr-anime',
        path: '/hooks/sonarr/sonarr-anime',
        url: 'http://ha.example:8787/hooks/sonarr/sonarr-anime?token=s3cr%26t',
        shown: 'http://ha.example:8787/hooks/sonarr/sonarr-anime?token=••••••••',
        header: null,
      },
    ]);
    expect(urls.map((u) => u.shown).join(' ')).not.toContain('s3cr');
    expect(webhookUrls(parsePanelConfig(PANEL_JSON), 'http://[::1]:8099/')[0]!.url).toBe('http://[::1]:8787/hooks/jellyseerr');
    expect(webhookUrls(EMPTY_CONFIG, 'http://x/')).toEqual([]);
  });

  it('links a request to the services that know it', () => {
    const c = parsePanelConfig(PANEL_JSON);
    const movie = request('m', { media_type: 'movie', tmdb_id: 693134, arr: { service: 'radarr', instance: 'radarr', id: 5 }, jellyfin_id: 'abc' });
    expect(deepLinks(movie, c, INTEGRATIONS)).toEqual([
      { service: 'jellyseerr', label: 'Jellyseerr', href: 'http://jellyseerr.lan:5055/movie/693134' },
      { service: 'radarr', label: 'Radarr (radarr)', href: 'http://radarr.lan:7878/movie/693134' },
    ]);
    const show = request('s', { media_type: 'tv', tmdb_id: 95396, tvdb_id: 371980, arr: { service: 'sonarr', instance: 'sonarr-anime', id: 71 } });
    expect(deepLinks(show, c, INTEGRATIONS).map((l) => l.href)).toEqual(['http://jellyseerr.lan:5055/tv/95396', 'http://sonarr.lan:8989/add/new?term=tvdb%3A371980']);
    const withJellyfin = { ...c, links: { ...c.links, jellyfin: 'https://jf.lan' } };
    expect(deepLinks(movie, withJellyfin, INTEGRATIONS).at(-1)).toEqual({ service: 'jellyfin', label: 'Jellyfin', href: 'https://jf.lan/web/#/details?id=abc' });
    // An instance without a configured URL: no link.
    expect(deepLinks(request('x', { arr: { service: 'sonarr', instance: 'other', id: 1 }, tvdb_id: 1, tmdb_id: null }), c)).toEqual([]);
  });

  it('starts without it when it fails or never comes', async () => {
    expect(await loadPanelConfig(Promise.reject(new Error('offline')), 'http://x/')).toEqual(EMPTY_CONFIG);
    expect(await loadPanelConfig(new Promise(() => {}), 'http://x/', 20)).toEqual(EMPTY_CONFIG);
    expect((await loadPanelConfig(Promise.resolve(PANEL_JSON), 'http://x/')).base_topic).toBe('tracker');
  });
});

const REPORT = {
  checked_at: '2026-11-22T10:00:00.000Z',
  ok: false,
  checks: [
    { id: 'sonarr/sonarr/reachable', integration: 'sonarr', instance: 'sonarr', check: 'reachable', status: 'ok', summary: 'Sonarr 4.0.14 answers', detail: null, fix: null },
    { id: 'sonarr/sonarr/webhook', integration: 'sonarr', instance: 'sonarr', check: 'webhook', status: 'error', summary: 'No Media Tracker webhook in Sonarr', detail: 'no connection', fix: 'autoconfigure' },
    { id: 'mqtt/broker', integration: 'mqtt', instance: null, check: 'broker', status: 'ok', summary: 'Embedded broker', detail: null, fix: null },
    { id: 'jellyfin/last_event', integration: 'jellyfin', instance: null, check: 'last_event', status: 'warning', summary: 'No event for 30 h', detail: null, fix: null },
    { id: 'x', integration: 'plex', instance: null, check: 'reachable', status: 'ok', summary: 'not ours', detail: null, fix: null },
    { id: 'y', integration: 'radarr', instance: null, check: 'reachable', status: 'melting', summary: 'bad status', detail: null, fix: null },
  ],
};

describe('doctor', () => {
  it('checks the report and groups it per integration, worst first', () => {
    const report = parseDoctorReport(REPORT, INTEGRATIONS)!;
    expect(report.checks).toHaveLength(4);
    expect(byIntegration(report, INTEGRATIONS).map((g) => [g.integration, g.status, g.checks.map((c) => c.check)])).toEqual([
      ['sonarr', 'error', ['webhook', 'reachable']],
      ['jellyfin', 'warning', ['last_event']],
      ['mqtt', 'ok', ['broker']],
    ]);
    expect(statusCounts(report)).toEqual({ ok: 2, warning: 1, error: 1, skipped: 0 });
    expect(statusCounts(null)).toEqual({ ok: 0, warning: 0, error: 0, skipped: 0 });
    expect(parseDoctorReport({ checks: 'no' })).toBeNull();
  });

  it('checks auto-configuration’s answer', () => {
    const result = parseAutoconfigureResult({
      actions: [
        { service: 'sonarr', instance: 'sonarr', action: 'created', detail: 'webhook "Media Tracker" created', test: 'passed' },
        { service: 'jellyseerr', instance: null, action: 'updated', detail: 'forwarding to the previous URL', test: 'weird' },
        { service: 'radarr', action: 'exploded' },
      ],
      jellyfin: 'Add a Generic Destination …',
    });
    expect(result).toEqual({
      actions: [
        { service: 'sonarr', instance: 'sonarr', action: 'created', detail: 'webhook "Media Tracker" created', test: 'passed' },
        { service: 'jellyseerr', instance: null, action: 'updated', detail: 'forwarding to the previous URL', test: 'not run' },
      ],
      jellyfin: 'Add a Generic Destination …',
    });
    expect(parseAutoconfigureResult(undefined)).toBeNull();
  });

  it('keeps the retained report in the store, and clears it on an empty payload', () => {
    const store = new RequestStore({ schedule: () => {} });
    // The bridge info (subscribed first) lists the integrations whose checks are kept.
    store.handle('media/bridge/info', JSON.stringify({ version: '1', mode: 'embedded', started_at: 'x', integrations: INTEGRATIONS }));
    store.flush();
    const changes: boolean[] = [];
    store.subscribe((c) => changes.push(c.bridge));
    expect(store.handle('media/bridge/doctor', JSON.stringify(REPORT))).toBe(true);
    store.flush();
    expect(store.doctor?.checks).toHaveLength(4);
    expect(changes).toEqual([true]);
    expect(store.handle('media/bridge/doctor', '{broken')).toBe(false);
    expect(store.doctor?.checks).toHaveLength(4);
    expect(store.handle('media/bridge/doctor', '')).toBe(true);
    expect(store.doctor).toBeNull();
  });

  it('routes #/setup', () => {
    expect(parseRoute('#/setup')).toEqual({ view: 'setup' });
    expect(formatRoute({ view: 'setup' })).toBe('#/setup');
    const topics = new Topics('media');
    expect(topics.parse('media/bridge/doctor')).toEqual({ kind: 'bridge-doctor' });
    expect(topics.parse('media/bridge/response')).toEqual({ kind: 'response', id: 'bridge' });
    expect(topics.parse('media/bridge/set/autoconfigure')).toEqual({ kind: 'command', id: 'bridge', action: 'autoconfigure' });
  });
});

class FakeClient extends EventEmitter implements MqttLike {
  published: Array<{ topic: string; message: string; qos: number; retain: boolean }> = [];
  override on(event: string, cb: (...args: never[]) => void): this {
    return super.on(event, cb as (...args: unknown[]) => void);
  }
  subscribe(topics: string[], _opts: { qos: 0 | 1 | 2 }, cb: (err: Error | null | undefined, granted?: Array<{ topic: string; qos: number }>) => void): this {
    queueMicrotask(() => cb(null, topics.map((topic) => ({ topic, qos: 0 }))));
    return this;
  }
  unsubscribe(): this {
    return this;
  }
  publish(topic: string, message: string, opts: { qos: 0 | 1 | 2; retain: boolean }, cb?: (err?: Error) => void): this {
    this.published.push({ topic, message, qos: opts.qos, retain: opts.retain });
    cb?.();
    return this;
  }
  end(): this {
    return this;
  }
}

describe('bridge commands', () => {
  it('publish on <base>/bridge/set/<action> and resolve with the bridge’s answer for that transaction', async () => {
    const client = new FakeClient();
    const store = new RequestStore({ base: 'tracker', schedule: () => {} });
    const connection = new Connection({ url: 'ws://x/mqtt', store, connect: () => client });
    connection.start();
    client.emit('connect');
    const answer = connection.bridgeCommand('autoconfigure', { services: ['sonarr'], forward_existing: true });
    const sent = client.published.at(-1)!;
    expect(sent).toMatchObject({ topic: 'tracker/bridge/set/autoconfigure', qos: 1, retain: false });
    const body = JSON.parse(sent.message) as { transaction: string; services: string[]; forward_existing: boolean };
    expect(body).toEqual({ services: ['sonarr'], forward_existing: true, transaction: expect.any(String) });
    // Someone else's answer, then a request's answer with the same transaction: not this one.
    client.emit('message', 'tracker/bridge/response', Buffer.from(JSON.stringify({ action: 'autoconfigure', status: 'ok', transaction: 'other' })), {});
    client.emit('message', 'tracker/jellyseerr-1/response', Buffer.from(JSON.stringify({ action: 'autoconfigure', status: 'ok', transaction: body.transaction })), {});
    client.emit('message', 'tracker/bridge/response', Buffer.from(JSON.stringify({ action: 'autoconfigure', status: 'ok', transaction: body.transaction, result: { actions: [] } })), {});
    await expect(answer).resolves.toMatchObject({ status: 'ok', result: { actions: [] } });
    connection.stop();
  });
});
