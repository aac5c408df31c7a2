/**
 * The panel's setup data: `panel.json` checked and turned into webhook URLs and deep links,
 * the doctor's report and auto-configuration's answer, and bridge commands over MQTT.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { Connection, type MqttLike } from '../../../../frontend/src/data/connection.js';
import { byIntegration, parseAutoconfigureResult, parseDoctorReport, statusCounts } from '../../../../frontend/src/data/doctor.js';
import { EMPTY_CONFIG, baseTopic, deepLinks, fillTemplate, loadPanelConfig, parsePanelConfig, webhookUrls } from '../../../../frontend/src/data/panel-config.js';
import { parseRoute, formatRoute } from '../../../../frontend/src/data/route.js';
import { RequestStore } from '../../../../frontend/src/data/store.js';
import { request } from '../../../../frontend/test/fixtures.js';
import { Topics, type StatePayload } from '../../../../src/contract/index.js';
import { integrationInfo as integrationInfos } from '../../../../src/integrations/registry.js';

/** The integrations as the tracker lists them on `bridge/info` (their labels and the doctor's order). */
const INTEGRATIONS = integrationInfos();

const PANEL_JSON = {
  base_topic: 'tracker',
  viewer: { id: 'u1', name: 'alice', display_name: 'Alice' },
  webhooks: {
    port: 8787,
    secret: 's3cr&t',
    routes: [
      { service: 'jellyseerr', instance: null, path: '/hooks/jellyseerr', auth: 'bearer', where: null },
      { service: 'sonarr', instance: 'sonarr-anime', path: '/hooks/sonarr/sonarr-anime', auth: 'token', where: null },
      { service: 'telnet', instance: null, path: '/hooks/telnet', auth: 'token', where: null },
      { service: 'radarr', instance: null, path: 'http://elsewhere/hooks/radarr', auth: 'token', where: null },
      { service: 'radarr', instance: null, path: '/hooks/radarr', auth: 'carrier-pigeon', where: null },
    ],
  },
  links: [
    { service: 'jellyseerr', label: 'Jellyseerr', instance: null, url: 'http://jellyseerr.lan:5055', scope: 'all', templates: { movie: '{ui}/movie/{tmdb_id}', tv: '{ui}/tv/{tmdb_id}' } },
    { service: 'sonarr', label: 'Sonarr', instance: 'sonarr-anime', url: 'http://sonarr.lan:8989/', scope: 'linked', templates: { tv: '{ui}/add/new?term=tvdb%3A{tvdb_id}' } },
    { service: 'radarr', label: 'Radarr', instance: 'radarr', url: 'http://radarr.lan:7878', scope: 'linked', templates: { movie: '{ui}/movie/{tmdb_id}' } },
    { service: 'radarr', label: 'Radarr', instance: 'bad', url: 42, scope: 'linked', templates: { movie: '{ui}/movie/{tmdb_id}' } },
    {
      service: 'jellyfin',
      label: 'Jellyfin',
      instance: null,
      url: 'javascript:alert(1)',
      scope: 'all',
      templates: { movie: '{ui}/web/#/details?id={jellyfin_id}', tv: '{ui}/web/#/details?id={jellyfin_id}' },
    },
  ],
};

/** Jellyfin's entry, as panel.json lists it when its web UI is set. */
const JELLYFIN_LINK = {
  service: 'jellyfin',
  label: 'Jellyfin',
  instance: null,
  url: 'https://jf.lan',
  scope: 'all',
  templates: { movie: '{ui}/web/#/details?id={jellyfin_id}', tv: '{ui}/web/#/details?id={jellyfin_id}' },
} as const;

describe('panel.json', () => {
  it('keeps what is well-formed and drops the rest', () => {
    const c = parsePanelConfig(PANEL_JSON);
    expect(c.base_topic).toBe('tracker');
    expect(c.viewer).toEqual({ id: 'u1', name: 'alice', display_name: 'Alice' });
    // A route off its service's path or with an unknown way of passing the secret is dropped; one for a
    // service the bridge info does not list is not shown.
    expect(c.webhooks?.routes.map((r) => r.path)).toEqual(['/hooks/jellyseerr', '/hooks/sonarr/sonarr-anime', '/hooks/telnet']);
    expect(webhookUrls(c, 'http://x/', INTEGRATIONS).map((u) => u.path)).toEqual(['/hooks/jellyseerr', '/hooks/sonarr/sonarr-anime']);
    // Only http(s) links: a javascript: URL never becomes an href.
    expect(c.links.map((l) => [l.service, l.instance, l.url])).toEqual([
      ['jellyseerr', null, 'http://jellyseerr.lan:5055'],
      ['sonarr', 'sonarr-anime', 'http://sonarr.lan:8989'],
      ['radarr', 'radarr', 'http://radarr.lan:7878'],
    ]);
    // Links that are not an array (an older document): no links, the rest stands.
    const old = parsePanelConfig({ ...PANEL_JSON, links: { jellyseerr: 'http://jellyseerr.lan:5055' } });
    expect([old.links, old.base_topic]).toEqual([[], 'tracker']);
    for (const junk of [null, 'x', [], { base_topic: 'a/#', viewer: { name: 'no id' }, webhooks: { port: 99999, secret: 'x', routes: [] } }]) {
      const j = parsePanelConfig(junk);
      expect([j.base_topic, j.viewer, j.webhooks]).toEqual([null, null, null]);
    }
    // Approve and Decline only when the tracker says a request manager can decide (a true boolean, nothing else).
    expect(parsePanelConfig({ ...PANEL_JSON, approvals: true }).approvals).toBe(true);
    for (const approvals of [undefined, 'true', 1, null]) expect(parsePanelConfig({ ...PANEL_JSON, approvals }).approvals).toBe(false);
    // Read-only only on an explicit false: an older tracker's document, or none, keeps the buttons (the broker decides).
    expect(parsePanelConfig({ ...PANEL_JSON, commands: false }).commands).toBe(false);
    for (const commands of [undefined, true, 'false', 0]) expect(parsePanelConfig({ ...PANEL_JSON, commands }).commands).toBe(true);
    expect(EMPTY_CONFIG.commands).toBe(true);
  });

  it('takes the base topic from ?base=, else the tracker, else media', () => {
    const c = parsePanelConfig(PANEL_JSON);
    expect(baseTopic('?base=other', c)).toBe('other');
    expect(baseTopic('', c)).toBe('tracker');
    expect(baseTopic('', EMPTY_CONFIG)).toBe('media');
  });

  it('builds webhook URLs on the page’s host, the secret masked on screen and complete in the copy', () => {
    const urls = webhookUrls(parsePanelConfig(PANEL_JSON), 'https://ha.example:8123/api/hassio_ingress/tok/#/setup', INTEGRATIONS);
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
    const withJellyfin = { ...c, links: [...c.links, JELLYFIN_LINK] };
    expect(deepLinks(movie, withJellyfin, INTEGRATIONS).at(-1)).toEqual({ service: 'jellyfin', label: 'Jellyfin', href: 'https://jf.lan/web/#/details?id=abc' });
    // An instance without a configured URL: no link.
    expect(deepLinks(request('x', { arr: { service: 'sonarr', instance: 'other', id: 1 }, tvdb_id: 1, tmdb_id: null }), c)).toEqual([]);
  });

  it('fills link templates as panel.json gives them, naming no service', () => {
    const r = request('m', { media_type: 'movie', tmdb_id: 7, imdb_id: 'tt 1/2', jellyfin_id: '', arr: { service: 'radarr', instance: 'radarr', id: 5 } });
    // Fields URL-encoded, nested fields by their path; a null or empty field, or a missing one, drops the link.
    expect(fillTemplate('{ui}/find?q={imdb_id}&id={arr.id}', 'http://x.lan', r)).toBe('http://x.lan/find?q=tt%201%2F2&id=5');
    expect(fillTemplate('{ui}/s/{tvdb_id}', 'http://x.lan', r)).toBeNull();
    expect(fillTemplate('{ui}/i/{jellyfin_id}', 'http://x.lan', r)).toBeNull();
    expect(fillTemplate('{ui}/{constructor}', 'http://x.lan', r)).toBeNull();
    // Only pages of the web UI itself.
    expect(fillTemplate('{ui}@evil.example/{tmdb_id}', 'http://x.lan', r)).toBeNull();
    expect(fillTemplate('https://evil.example/{tmdb_id}', 'http://x.lan', r)).toBeNull();
    // Any service: its label from the bridge info, else its own; a linked scope needs the request's arr to name the instance.
    const config = parsePanelConfig({
      links: [
        { service: 'newpvr', label: 'NewPVR', instance: 'main', url: 'https://pvr.lan/', scope: 'linked', templates: { movie: '{ui}/m/{arr.id}' } },
        { service: 'newpvr', label: 'NewPVR', instance: 'other', url: 'https://pvr2.lan', scope: 'linked', templates: { movie: '{ui}/m/{arr.id}' } },
        { service: 'catalog', label: 'Catalog', instance: null, url: 'https://cat.lan', scope: 'all', templates: { movie: '{ui}/t/{tmdb_id}', tv: 'https://elsewhere/{tmdb_id}' } },
        { service: 'catalog', label: 'Catalog', instance: null, url: 'https://cat.lan', scope: 'everywhere', templates: { movie: '{ui}/x' } },
      ],
    });
    expect(config.links.map((l) => [l.service, l.instance, l.templates])).toEqual([
      ['newpvr', 'main', { movie: '{ui}/m/{arr.id}' }],
      ['newpvr', 'other', { movie: '{ui}/m/{arr.id}' }],
      ['catalog', null, { movie: '{ui}/t/{tmdb_id}' }],
    ]);
    // The payload's type knows today's PVRs only; the panel compares ids whatever they are.
    const linked = request('p', { media_type: 'movie', tmdb_id: 9, arr: { service: 'newpvr', instance: 'main', id: 3 } as unknown as StatePayload['arr'] });
    expect(deepLinks(linked, config)).toEqual([
      { service: 'newpvr', label: 'NewPVR (main)', href: 'https://pvr.lan/m/3' },
      { service: 'catalog', label: 'Catalog', href: 'https://cat.lan/t/9' },
    ]);
    expect(deepLinks(linked, config, [{ id: 'catalog', label: 'The Catalog', roles: [] }]).map((l) => l.label)).toEqual(['The Catalog']);
    expect(deepLinks(request('t', { media_type: 'tv', tmdb_id: 9 }), config)).toEqual([]);
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
    {
      id: 'sonarr/sonarr/webhook',
      integration: 'sonarr',
      instance: 'sonarr',
      check: 'webhook',
      status: 'error',
      summary: 'No Media Tracker webhook in Sonarr',
      detail: 'no connection',
      fix: 'autoconfigure',
    },
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
    queueMicrotask(() =>
      cb(
        null,
        topics.map((topic) => ({ topic, qos: 0 })),
      ),
    );
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
