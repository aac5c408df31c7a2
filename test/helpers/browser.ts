/**
 * Browser tests: Debian's Chromium driven by playwright-core (no browser download), and a
 * stand-in for Home Assistant's ingress: a reverse proxy that serves the tracker's ingress
 * port below `/api/hassio_ingress/<token>/` (prefix stripped, `X-Ingress-Path` and
 * `X-Forwarded-Host` added, Host and Origin kept, the WebSocket upgrade relayed byte for byte), plus a host page at `/` that shows the panel
 * in an iframe with HA's theme variables on its own document, as HA's frontend does.
 *
 * Needs `/usr/bin/chromium` (or $CHROMIUM): `bash scripts/e2e-deps.sh` installs it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Builds the panel (frontend/dist) when it is missing, e.g. `vitest run` without `npm run build`. */
export function ensurePanelBuilt(): void {
  if (existsSync(`${ROOT}frontend/dist/index.html`)) return;
  const built = spawnSync('npm', ['run', 'build:panel'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build:panel failed');
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/e2e-deps.sh\` (or set $CHROMIUM)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

export interface IngressProxy {
  /** `http://127.0.0.1:<port>/api/hassio_ingress/<token>/` — what HA puts in the iframe. */
  panelUrl: string;
  /** A page that embeds the panel in an iframe with HA's theme variables (`?theme=dark`). */
  hostUrl: string;
  ingressPath: string;
  /** Every request path the tracker saw, after the prefix was stripped. */
  seen: string[];
  /** A network outage: drops every open connection and answers 502 until `restore()`. */
  interrupt(): void;
  /** Ends the outage, optionally towards another tracker (same URL for the browser). */
  restore(target?: { host: string; port: number }): void;
  close(): Promise<void>;
}

const HA_THEMES: Record<string, Record<string, string>> = {
  light: {
    '--primary-color': '#009ac7',
    '--primary-background-color': '#fafafa',
    '--card-background-color': '#ffffff',
    '--primary-text-color': '#212121',
    '--secondary-text-color': '#727272',
  },
  dark: {
    '--primary-color': '#ff9800',
    '--primary-background-color': '#111111',
    '--secondary-background-color': '#282828',
    '--card-background-color': '#1c1c1c',
    '--primary-text-color': '#e1e1e1',
    '--secondary-text-color': '#9b9b9b',
    '--divider-color': 'rgba(225, 225, 225, 0.12)',
  },
};

function hostPage(ingressPath: string, theme: string): string {
  const vars = HA_THEMES[theme] ?? HA_THEMES.light!;
  const style = Object.entries(vars)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return `<!doctype html><html style="${style}"><head><meta name="color-scheme" content="${theme === 'dark' ? 'dark' : 'light'}">
<title>Home Assistant</title><style>body{margin:0;display:flex;height:100vh;background:var(--primary-background-color)}
nav{width:56px;background:var(--card-background-color)}iframe{flex:1;border:0}</style></head>
<body><nav></nav><iframe title="Media Tracker" src="${ingressPath}/"></iframe></body></html>`;
}

export interface IngressProxyOptions {
  token?: string;
  /** The address the proxy connects to the tracker from (the Supervisor's is 172.30.32.2). */
  localAddress?: string;
  /** The Home Assistant user, sent as `X-Remote-User-*` as the Supervisor does. */
  user?: { id: string; name: string; displayName: string };
}

export async function startIngressProxy(initial: { host: string; port: number }, opts: IngressProxyOptions = {}): Promise<IngressProxy> {
  const token = opts.token ?? randomBytes(16).toString('hex');
  const ingressPath = `/api/hassio_ingress/${token}`;
  const seen: string[] = [];
  let target = initial;
  let down = false;
  const strip = (url: string | undefined): string | null => {
    if (!url?.startsWith(`${ingressPath}/`)) return null;
    return url.slice(ingressPath.length);
  };
  const forwardHeaders = (req: IncomingMessage) => {
    // Home Assistant Core and the Supervisor relay Host and Origin as the browser sent them, and add X-Forwarded-Host.
    const headers: IncomingMessage['headers'] = { ...req.headers, 'x-forwarded-host': req.headers.host, 'x-forwarded-proto': 'http', 'x-ingress-path': ingressPath, 'x-hass-source': 'core.ingress' };
    // The Supervisor strips what a browser sends as these, and sets them from the HA session.
    for (const name of ['x-remote-user-id', 'x-remote-user-name', 'x-remote-user-display-name']) delete headers[name];
    if (opts.user) {
      headers['x-remote-user-id'] = opts.user.id;
      headers['x-remote-user-name'] = opts.user.name;
      headers['x-remote-user-display-name'] = opts.user.displayName;
    }
    return headers;
  };
  const local = opts.localAddress ? { localAddress: opts.localAddress } : {};

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage(ingressPath, url.searchParams.get('theme') ?? 'light'));
      return;
    }
    const path = strip(req.url);
    if (path === null) {
      res.writeHead(404).end('not below the ingress path');
      return;
    }
    if (down) {
      res.writeHead(502).end('502: Bad Gateway');
      return;
    }
    seen.push(path);
    const upstream = request({ host: target.host, port: target.port, method: req.method, path, headers: forwardHeaders(req), ...local }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end('502: Bad Gateway');
    });
    req.pipe(upstream);
  });

  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, client: Socket, head: Buffer) => {
    const path = strip(req.url);
    if (path === null || down) {
      client.end(`HTTP/1.1 ${down ? '502 Bad Gateway' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    seen.push(path);
    const upstream = connect({ port: target.port, host: target.host, ...local }, () => {
      const headers = forwardHeaders(req);
      const lines = [`${req.method ?? 'GET'} ${path} HTTP/1.1`];
      for (const [k, v] of Object.entries(headers)) {
        for (const value of Array.isArray(v) ? v : v === undefined ? [] : [v]) lines.push(`${k}: ${value}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', destroy);
    client.on('error', destroy);
    client.on('close', () => upstream.destroy());
    upstream.on('end', () => client.end());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  return {
    panelUrl: `${origin}${ingressPath}/`,
    hostUrl: `${origin}/`,
    ingressPath,
    seen,
    interrupt() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore(next) {
      if (next) target = next;
      down = false;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
