/**
 * The ingress listener over real HTTP: `panel.json` (base topic, webhook routes, service
 * links without credentials, and the viewer), who may use the listener as an add-on, and
 * whose `X-Remote-User-*` headers are believed. Peers are told apart by the local address the
 * request leaves from (127.0.0.2 stands in for the Supervisor, 172.30.32.2 in production).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/config/load.js';
import { normaliseAddress } from '../../src/http/address.js';
import { createIngressApp, panelSettings, type IngressOptions, type PanelDocument } from '../../src/http/ingress.js';
import { startTracker, type Harness } from '../helpers/tracker.js';

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
