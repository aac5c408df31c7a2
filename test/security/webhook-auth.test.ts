/**
 * Webhook authentication and limits, on every route the webhook app declares: the routes
 * are read from the app's router (not listed by hand), so a route added later is covered
 * the day it appears.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../../src/config/schema.js';
import { isAuthorised } from '../../src/http/auth.js';
import { createWebhookApp, webhookSources } from '../../src/http/webhooks.js';
import { createLogger } from '../../src/log.js';
import { safeEqual } from '../../src/platform/secure-compare.js';
import { SECRET, startTracker, type Harness } from '../helpers/tracker.js';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every (method, path) the webhook app routes, read from its router. */
function declaredRoutes(): Array<{ method: string; path: string }> {
  const app = createWebhookApp({ secret: SECRET, anime: { tags: [], path_patterns: [] }, engine: {} as never, log: createLogger('routes') });
  const stack = (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  return stack.flatMap((layer) => (layer.route ? Object.keys(layer.route.methods).map((method) => ({ method: method.toUpperCase(), path: layer.route!.path })) : []));
}

/** Concrete URLs for a route pattern: every known source, an unknown one, an instance name. */
function concrete(path: string): string[] {
  const sources = [...webhookSources(), 'plex'];
  const withSource = path.includes(':source') ? sources.map((s) => path.replace(':source', s)) : [path];
  return withSource.map((p) => p.replace(':instance', 'radarr-4k'));
}

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

/** Ways of getting the secret wrong: none, same length, other lengths, each accepted form. */
const WRONG: Array<{ name: string; headers: Record<string, string>; query?: string }> = [
  { name: 'no secret', headers: {} },
  { name: 'Bearer, same length', headers: { authorization: `Bearer ${SECRET.slice(0, -1)}X` } },
  { name: 'Bearer, shorter', headers: { authorization: `Bearer ${SECRET.slice(0, 8)}` } },
  { name: 'Bearer, longer', headers: { authorization: `Bearer ${SECRET}0` } },
  { name: 'Bearer, empty', headers: { authorization: 'Bearer ' } },
  { name: 'Basic, wrong password', headers: { authorization: basic('sonarr', 'nope') } },
  { name: 'Basic, secret as user name', headers: { authorization: basic(SECRET, '') } },
  { name: 'Basic, no colon', headers: { authorization: `Basic ${Buffer.from(SECRET).toString('base64')}` } },
  { name: 'unknown scheme', headers: { authorization: `Token ${SECRET}` } },
  { name: 'token, wrong', headers: {}, query: '?token=wrong' },
  { name: 'token, same length', headers: {}, query: `?token=${SECRET.toUpperCase()}` },
  { name: 'token, empty', headers: {}, query: '?token=' },
];

let h: Harness;
const routes = declaredRoutes();
const hookRoutes = routes.filter((r) => r.path.startsWith('/hooks'));

beforeAll(async () => {
  h = await startTracker();
});

afterAll(async () => {
  await h.stop();
});

describe('webhook routes', () => {
  it('declares only webhook routes and a bare /health', () => {
    expect(hookRoutes.length).toBeGreaterThanOrEqual(4);
    expect(routes.filter((r) => !r.path.startsWith('/hooks'))).toEqual([{ method: 'GET', path: '/health' }]);
  });

  it('answers 401 on every route and method for a missing or wrong secret, and never echoes the secret', async () => {
    const url = h.tracker.endpoints.webhookUrl;
    const seq = h.tracker.engine.lastSeq;
    let checked = 0;
    for (const { method, path } of hookRoutes) {
      for (const target of concrete(path)) {
        for (const wrong of WRONG) {
          const res = await fetch(`${url}${target}${wrong.query ?? ''}`, {
            method,
            headers: { 'content-type': 'application/json', ...wrong.headers },
            body: JSON.stringify({ eventType: 'Test', notification_type: 'TEST_NOTIFICATION' }),
          });
          const text = await res.text();
          expect(res.status, `${method} ${target} with ${wrong.name}: ${text}`).toBe(401);
          expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
          expect(text).not.toContain(SECRET);
          checked++;
        }
      }
    }
    expect(checked).toBe(hookRoutes.reduce((n, r) => n + concrete(r.path).length, 0) * WRONG.length);
    expect(h.tracker.engine.lastSeq).toBe(seq);
  });

  it('lets the right secret through in each accepted form on every route', async () => {
    const url = h.tracker.endpoints.webhookUrl;
    for (const { method, path } of hookRoutes) {
      for (const target of concrete(path)) {
        for (const form of [{ authorization: `Bearer ${SECRET}` }, { authorization: basic('any', SECRET) }, null]) {
          const res = await fetch(`${url}${target}${form ? '' : `?token=${encodeURIComponent(SECRET)}`}`, {
            method,
            headers: { 'content-type': 'application/json', ...(form ?? {}) },
            body: '{}',
          });
          // Past authentication: a 400 for the empty object, or 404 for the unknown source.
          expect([400, 404], `${method} ${target}: ${res.status}`).toContain(res.status);
        }
      }
    }
  });

  it('answers 413 for a body over the limit on every route, with or without Content-Length', async () => {
    const url = h.tracker.endpoints.webhookUrl;
    const big = JSON.stringify({ eventType: 'Test', pad: 'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES) });
    for (const { method, path } of hookRoutes) {
      for (const target of concrete(path)) {
        const sized = await fetch(`${url}${target}`, { method, headers: { authorization: `Bearer ${SECRET}` }, body: big });
        expect(sized.status, `${method} ${target}`).toBe(413);
        expect(((await sized.json()) as { error: string }).error).toMatch(/larger than 1048576 bytes/);
        // Chunked: no Content-Length to refuse up front, the limit applies while reading.
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
            for (let sent = 0; sent <= WEBHOOK_BODY_LIMIT_BYTES; sent += chunk.length) controller.enqueue(chunk);
            controller.close();
          },
        });
        const chunked = await fetch(`${url}${target}`, { method, headers: { authorization: `Bearer ${SECRET}` }, body: stream, duplex: 'half' } as RequestInit);
        expect(chunked.status, `${method} ${target} chunked`).toBe(413);
      }
    }
    // At the limit exactly, the body is read (and judged on its content).
    const exact = JSON.stringify({ eventType: 'Test', pad: '' });
    const padded = exact.replace('"pad":""', `"pad":"${'x'.repeat(WEBHOOK_BODY_LIMIT_BYTES - exact.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(WEBHOOK_BODY_LIMIT_BYTES);
    const atLimit = await fetch(`${url}/hooks/radarr`, { method: 'POST', headers: { authorization: `Bearer ${SECRET}` }, body: padded });
    expect(atLimit.status).not.toBe(413);
  });
});

describe('secret comparison', () => {
  /** Records the lengths of every `crypto.timingSafeEqual` call while `fn` runs. */
  function recordCompares(fn: () => void): Array<[number, number]> {
    const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
    const original = crypto.timingSafeEqual;
    const calls: Array<[number, number]> = [];
    crypto.timingSafeEqual = ((a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength]);
      return original(a, b);
    }) as typeof original;
    syncBuiltinESMExports();
    try {
      fn();
    } finally {
      crypto.timingSafeEqual = original;
      syncBuiltinESMExports();
    }
    return calls;
  }

  const request = (authorization?: string, url = '/hooks/radarr') => ({ headers: authorization ? { authorization } : {}, url }) as unknown as IncomingMessage;

  it('compares through crypto.timingSafeEqual on equal-length buffers, whatever the length presented', () => {
    const cases: Array<[string, boolean]> = [
      [SECRET, true],
      [`${SECRET.slice(0, -1)}X`, false],
      [SECRET.slice(0, 3), false],
      [`${SECRET}${'y'.repeat(200)}`, false],
    ];
    for (const [candidate, expected] of cases) {
      let result = !expected;
      const calls = recordCompares(() => {
        result = isAuthorised(request(`Bearer ${candidate}`), SECRET);
      });
      expect(result, `${candidate.length} characters`).toBe(expected);
      expect(calls.length, `${candidate.length} characters: timingSafeEqual calls`).toBeGreaterThan(0);
      for (const [a, b] of calls) expect(a).toBe(b);
    }
  });

  it('compares every presented form, so the answer does not depend on which one was close', () => {
    const calls = recordCompares(() => {
      expect(isAuthorised(request(basic('sonarr', 'wrong'), `/hooks/sonarr?token=${SECRET}`), SECRET)).toBe(true);
    });
    expect(calls.length).toBe(2);
  });

  it('rejects wrong secrets of the same and of a different length, and an empty configured secret authorises nobody', () => {
    expect(safeEqual(SECRET, SECRET)).toBe(true);
    expect(safeEqual(`${SECRET.slice(0, -1)}X`, SECRET)).toBe(false);
    expect(safeEqual(SECRET.slice(0, -1), SECRET)).toBe(false);
    expect(safeEqual(`${SECRET}\0`, SECRET)).toBe(false);
    expect(safeEqual('', SECRET)).toBe(false);
    expect(isAuthorised(request(basic('sonarr', '')), '')).toBe(false);
    expect(isAuthorised(request(undefined, '/hooks/radarr?token='), '')).toBe(false);
  });
});
