/**
 * The HTTP listeners against a hostile browser or peer (rules in model.test.ts): the ingress
 * listener answers only its own names (DNS rebinding) and `/mqtt` only its own pages, other
 * upgrades are answered and closed, silent connections are cut off and bounded, a stop ends
 * with every socket open, and the panel carries its security headers.
 */
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { LISTENER_LIMITS } from '../../src/http/listener.js';
import { inlineScriptHashes } from '../../src/http/panel-headers.js';
import { readManifest } from '../helpers/addon.js';
import { spawnApp, untilHealthy } from '../helpers/child.js';
import { testScope } from '../helpers/scope.js';
import { until } from '../helpers/wait.js';

const { defer, tracker } = testScope();

const portOf = (url: string) => Number(new URL(url).port);

interface RawAnswer {
  /** The status line's code, 0 when nothing came back. */
  status: number;
  closed: boolean;
}

/** Sends a raw upgrade request and waits until the server closes the socket. */
async function rawUpgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const socket = connect(port, '127.0.0.1');
  defer(() => socket.destroy());
  let data = '';
  let closed = false;
  socket.on('data', (d) => (data += d.toString()));
  socket.on('close', () => (closed = true));
  const head = {
    host: `127.0.0.1:${port}`,
    connection: 'Upgrade',
    upgrade: 'websocket',
    'sec-websocket-version': '13',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-protocol': 'mqtt',
    ...headers,
  };
  socket.write(
    `GET ${path} HTTP/1.1\r\n${Object.entries(head)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\r\n')}\r\n\r\n`,
  );
  await until(
    () => closed || /^HTTP\/1\.1 101/.test(data),
    () => `an answer to the upgrade of ${path} (so far: ${JSON.stringify(data.split('\r\n')[0])}, closed: ${closed})`,
    5_000,
  );
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0), closed };
}

/** GET with a chosen Host header (fetch does not let a caller set it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

/** Sockets that connect and never send a byte. */
function silentSockets(port: number, n: number): Array<{ socket: Socket; closed: () => boolean }> {
  return Array.from({ length: n }, () => {
    const socket = connect(port, '127.0.0.1');
    let closed = false;
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    // A 408 may come first: read it, or 'close' never fires.
    socket.resume();
    defer(() => socket.destroy());
    return { socket, closed: () => closed };
  });
}

describe('the /mqtt upgrade (defects 2 and 7)', () => {
  it('refuses a page of another origin with 403 and accepts the panel’s own origin', async () => {
    const h = await tracker();
    const port = portOf(h.tracker.endpoints.ingressUrl);
    expect(await rawUpgrade(port, '/mqtt', { origin: 'http://evil.example' })).toEqual({ status: 403, closed: true });
    expect(await rawUpgrade(port, '/mqtt', { origin: 'null' })).toEqual({ status: 403, closed: true });
    expect((await rawUpgrade(port, '/mqtt', { origin: `http://127.0.0.1:${port}` })).status).toBe(101);
    expect((await rawUpgrade(port, '/mqtt')).status).toBe(101);
  });

  it('refuses a DNS-rebinding Host with 421, on /mqtt and on panel.json', async () => {
    const h = await tracker();
    const port = portOf(h.tracker.endpoints.ingressUrl);
    const rebound = { host: `rebind.attacker.example:${port}`, origin: `http://rebind.attacker.example:${port}` };
    expect(await rawUpgrade(port, '/mqtt', rebound)).toEqual({ status: 421, closed: true });
    const res = await getWithHost(`${h.tracker.endpoints.ingressUrl}/panel.json`, rebound.host);
    expect(res.status).toBe(421);
    expect(res.body).not.toContain(h.secret);
    for (const host of [`localhost:${port}`, `[::1]:${port}`, `127.0.0.1:${port}`]) {
      expect((await getWithHost(`${h.tracker.endpoints.ingressUrl}/panel.json`, host)).status, host).toBe(200);
    }
  });

  it('answers the names and pages of panel_origins (a reverse proxy that keeps the name)', async () => {
    const h = await tracker({ panel_origins: ['https://tracker.example.com'] });
    const port = portOf(h.tracker.endpoints.ingressUrl);
    expect((await getWithHost(`${h.tracker.endpoints.ingressUrl}/panel.json`, 'tracker.example.com')).status).toBe(200);
    expect((await rawUpgrade(port, '/mqtt', { host: `127.0.0.1:${port}`, origin: 'https://tracker.example.com' })).status).toBe(101);
    expect((await rawUpgrade(port, '/mqtt', { host: 'tracker.example.com', origin: 'https://tracker.example.com' })).status).toBe(101);
    expect((await rawUpgrade(port, '/mqtt', { host: 'tracker.example.com', origin: 'https://other.example.com' })).status).toBe(403);
  });

  it('answers upgrades on any other path with 404 and closes them, /anything/mqtt included', async () => {
    const h = await tracker();
    const port = portOf(h.tracker.endpoints.ingressUrl);
    for (const path of ['/other', '/anything/mqtt', '/mqtt/', '/mqttx', '/']) {
      expect(await rawUpgrade(port, path), path).toEqual({ status: 404, closed: true });
    }
  });
});

describe('silent connections (defect 5)', () => {
  it('are closed on the webhook and ingress listeners, connections beyond the cap at once, and webhooks work again', async () => {
    const h = await tracker();
    const webhook = silentSockets(portOf(h.tracker.endpoints.webhookUrl), LISTENER_LIMITS.maxConnections + 10);
    const ingress = silentSockets(portOf(h.tracker.endpoints.ingressUrl), 20);
    const all = [...webhook, ...ingress];
    await until(
      () => all.every((s) => s.closed()),
      () => `every silent socket closed by the tracker (${all.filter((s) => !s.closed()).length} of ${all.length} still open)`,
      20_000,
    );
    expect((await h.post('/hooks/jellyseerr', { notification_type: 'TEST_NOTIFICATION', subject: 'Test' })).status).toBe(200);
  });
});

describe('security headers of the panel', () => {
  it('send a Content-Security-Policy and nosniff on every answer, and keep the panel frameable by its own origin (HA ingress)', async () => {
    const h = await tracker();
    for (const path of ['/', '/panel.json', '/missing']) {
      const res = await fetch(`${h.tracker.endpoints.ingressUrl}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/(^|; )script-src 'self'( 'sha256-[A-Za-z0-9+/=]+')*(;|$)/);
      expect(csp, path).toContain("frame-ancestors 'self'");
      expect(csp, path).toContain("object-src 'none'");
      // mqtt.js's keepalive runs in a worker made from a blob; the e2e panel suite runs the built panel under this policy.
      expect(csp, path).toContain("worker-src 'self' blob:");
      expect(res.headers.get('x-frame-options'), path).toBeNull();
    }
  });

  it('allow exactly the inline scripts of the built index.html, by hash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'panel-csp-'));
    defer(() => rm(dir, { recursive: true, force: true }));
    const inline = "window.x = fetch('panel.json');";
    await writeFile(join(dir, 'index.html'), `<html><head><script>${inline}</script><script type="module" src="./assets/a.js"></script></head></html>`);
    expect(inlineScriptHashes(dir)).toEqual([`'sha256-${createHash('sha256').update(inline).digest('base64')}'`]);
  });
});

describe('a stop (defect 7)', () => {
  it('closes every open socket — a panel, a refused upgrade, a silent MQTT socket — and exits 0 before SIGKILL', async () => {
    const app = await spawnApp({ options: { webhook_secret: 'stop-sockets-secret-0123456789' } });
    defer(() => app.dispose());
    await untilHealthy(app);
    const panel = new WebSocket(`ws://127.0.0.1:${app.ports.ingress}/mqtt`, 'mqtt');
    await new Promise<void>((resolve, reject) => panel.once('open', () => resolve()).once('error', reject));
    defer(() => panel.terminate());
    const other = connect(app.ports.ingress, '127.0.0.1');
    other.on('error', () => undefined);
    other.write(`GET /other HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`);
    const mqttSilent = silentSockets(app.ports.mqtt, 1);
    defer(() => other.destroy());
    const exit = await app.stop('SIGTERM', Number(readManifest().timeout ?? 10) * 1000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    await until(() => mqttSilent.every((s) => s.closed()), 'the silent MQTT socket closed');
  });
});
