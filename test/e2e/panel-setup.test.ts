/**
 * The setup page in Chromium (doctor, auto-configuration, webhook URLs), the viewer and the
 * deep links.
 *
 * Two stacks:
 *  - a real tracker (standalone): the webhook URLs and their copy button, the deep links of a
 *    request, the doctor's retained report (published to its broker by the test) and the
 *    "Run checks" command, answered by whatever the tracker answers;
 *  - an add-on stand-in: the embedded broker and the ingress app as the tracker builds them,
 *    both accepting only a "Supervisor" (127.0.0.2 here) that adds the viewer headers, and
 *    the bridge's answers given by the test, word for word as the doctor/auto-configuration
 *    contract defines them, so the result list is checked exactly.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, fakeHash, type MovieSpec } from '../../src/demo/payloads.js';
import { integrationInfo as integrationInfos } from '../../src/integrations/registry.js';
import { createIngressApp, type PanelSettings } from '../../src/http/ingress.js';
import { createLogger, setLogLevel } from '../../src/log.js';
import { EmbeddedBroker } from '../../src/mqtt/broker.js';
import { ensurePanelBuilt, launchChromium, startIngressProxy, type IngressProxy } from '../helpers/browser.js';
import { startTracker, type Harness } from '../helpers/tracker.js';
import { waitFor } from '../helpers/wait.js';

const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

const REPORT = {
  checked_at: new Date().toISOString(),
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
      detail: 'Sonarr has no webhook connection pointing at http://…/hooks/sonarr',
      fix: 'autoconfigure',
    },
    { id: 'jellyfin/last_event', integration: 'jellyfin', instance: null, check: 'last_event', status: 'warning', summary: 'No Jellyfin event for 30 hours', detail: null, fix: null },
    { id: 'mqtt/broker', integration: 'mqtt', instance: null, check: 'broker', status: 'ok', summary: 'Embedded broker, 2 clients', detail: null, fix: null },
  ],
};

const movie: MovieSpec = { requestId: 401, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 41, hash: fakeHash('panel-setup-dune'), requestedBy: 'bob' };

let browser: Browser;

beforeAll(async () => {
  ensurePanelBuilt();
  setLogLevel('error');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

function errorsOf(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

/** Every message on `topics`, as the test's own mqtt.js subscriber sees them. */
async function listen(url: string, topics: string[]): Promise<{ client: MqttClient; seen: Array<{ topic: string; payload: string }> }> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  const seen: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  await client.subscribeAsync(topics, { qos: 1 });
  return { client, seen };
}

describe('with a tracker', () => {
  let h: Harness;
  let proxy: IngressProxy;

  beforeAll(async () => {
    // Nothing listens on port 9: the watchers fail quietly; only the URLs matter here.
    h = await startTracker({
      jellyseerr: { url: 'http://127.0.0.1:9/seerr', api_key: 'seerr-key-not-for-browsers' },
      radarr: [{ name: 'radarr', url: 'http://127.0.0.1:9/radarr', api_key: 'radarr-key-not-for-browsers' }],
      sonarr: [{ name: 'sonarr', url: 'http://127.0.0.1:9/sonarr', api_key: 'sonarr-key-not-for-browsers' }],
      // One failed cycle each at start, then none: a watcher's health changing later would make the
      // doctor run again, and its report would replace the one the doctor test shows.
      intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600 },
    });
    for (const [route, body] of [
      ['/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie)],
      ['/hooks/radarr', radarrGrab(movie)],
    ] as const) {
      expect((await h.post(route, body)).status).toBe(200);
    }
    proxy = await startIngressProxy({ host: '127.0.0.1', port: h.tracker.endpoints.ingressPort });
  });

  afterAll(async () => {
    await proxy?.close();
    await h?.stop();
  });

  it('shows the webhook URLs with the secret masked, and copies them whole', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write']);
    const page = await ctx.newPage();
    const errors = errorsOf(page);
    await page.goto(proxy.panelUrl);
    await page.click('[data-testid="status-setup"]');
    await page.waitForSelector('[data-testid="setup"]');
    expect(page.url()).toMatch(/#\/setup$/);
    const port = h.tracker.endpoints.webhookPort;
    const shown = await page.$$eval('[data-testid="webhook"]', (els) =>
      els.map((e) => `${e.getAttribute('data-service')}${e.getAttribute('data-instance') ? `/${e.getAttribute('data-instance')}` : ''} ${e.querySelector('[data-testid="webhook-url"]')?.textContent}`),
    );
    expect(shown).toEqual([
      `jellyseerr http://127.0.0.1:${port}/hooks/jellyseerr`,
      `sonarr/sonarr http://127.0.0.1:${port}/hooks/sonarr/sonarr?token=••••••••`,
      `radarr/radarr http://127.0.0.1:${port}/hooks/radarr/radarr?token=••••••••`,
      `jellyfin http://127.0.0.1:${port}/hooks/jellyfin?token=••••••••`,
    ]);
    expect(await page.textContent('[data-testid="setup"]')).not.toContain(h.secret);

    await page.click('[data-testid="webhook"][data-service="sonarr"] [data-testid="webhook-copy"]');
    await page.waitForSelector('[data-testid="webhook-copied"]:has-text("Copied")');
    const copied = await page.evaluate('navigator.clipboard.readText()');
    expect(copied).toBe(`http://127.0.0.1:${port}/hooks/sonarr/sonarr?token=${h.secret}`);
    // The copied URL is one Sonarr can use: the tracker accepts a webhook with it.
    const test = await fetch(copied as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ eventType: 'Test', instanceName: 'Sonarr' }) });
    expect(test.status).toBeLessThan(300);
    await page.click('[data-testid="webhook"][data-service="jellyseerr"] [data-testid="webhook-copy-header"]');
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(`Bearer ${h.secret}`);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('offers Approve and Decline on a request waiting for approval only, and shows the tracker’s answer to Approve', async () => {
    const pending: MovieSpec = { ...movie, requestId: 402, tmdbId: 693135, title: 'Pending Film', radarrId: 42, hash: fakeHash('panel-setup-pending') };
    expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', pending))).status).toBe(200);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const errors = errorsOf(page);
    await page.goto(`${proxy.panelUrl}#/request/jellyseerr-${movie.requestId}`);
    await page.waitForSelector('[data-testid="action-retry"]');
    expect(await page.locator('[data-testid="action-approve"]').count()).toBe(0);
    await page.goto(`${proxy.panelUrl}#/request/jellyseerr-${pending.requestId}`);
    await page.waitForSelector('[data-testid="action-approve"]');
    expect(await page.locator('[data-testid="action-decline"]').count()).toBe(1);
    await page.click('[data-testid="action-approve"]');
    // Jellyseerr is configured but not reachable here: the answer says so, from the tracker.
    await page.waitForSelector('[data-testid="action-response"][data-status="error"]');
    expect((await page.textContent('[data-testid="action-response"]'))?.trim()).toMatch(/^approve failed: jellyseerr: POST \S*\/api\/v1\/request\/402\/approve failed: ECONNREFUSED$/);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('links a request to Jellyseerr and Radarr', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    await page.goto(`${proxy.panelUrl}#/request/jellyseerr-${movie.requestId}`);
    await page.waitForSelector('[data-testid="deep-link"]');
    const links = await page.$$eval('[data-testid="deep-link"]', (els) => els.map((e) => [e.getAttribute('data-service'), e.getAttribute('href'), e.getAttribute('target')]));
    expect(links).toEqual([
      ['jellyseerr', `http://127.0.0.1:9/seerr/movie/${movie.tmdbId}`, '_blank'],
      ['radarr', `http://127.0.0.1:9/radarr/movie/${movie.tmdbId}`, '_blank'],
    ]);
    await ctx.close();
  });

  it('shows the doctor’s retained report, and "Run checks" sends the command and shows the tracker’s answer', async () => {
    const { client, seen } = await listen(h.tracker.endpoints.mqttUrl, ['media/bridge/set/#', 'media/bridge/response']);
    // The doctor's own runs must be over first, or a report of theirs would replace this one: the one
    // at start, and the one a watcher's first failed cycle asks for (nothing listens on port 9).
    // Each watcher has ended its first cycle, and the bridge info (published with the health feature's
    // re-check) says so; then a run shares the re-check in flight, or comes after it.
    await expect
      .poll(
        () => {
          const info = JSON.parse(h.tracker.bus.retainedPayload('media/bridge/info') ?? '{}') as { watchers?: Array<{ name: string; healthy: boolean }> };
          const seen = new Map((info.watchers ?? []).map((w) => [w.name, w.healthy]));
          return h.tracker.watchers.every((w) => (w.status().last_ok !== null || w.status().last_error !== null) && seen.get(w.name) === w.status().healthy);
        },
        { timeout: 30_000 },
      )
      .toBe(true);
    await h.tracker.runDoctor();
    // The report as the doctor would publish it (clients may not publish below the base topic).
    h.tracker.bus.publishJson('media/bridge/doctor', REPORT, { retain: true, qos: 1 });
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const errors = errorsOf(page);
    await page.goto(`${proxy.panelUrl}#/setup`);
    await page.waitForSelector('[data-testid="doctor-integration"][data-integration="sonarr"][data-status="error"]');
    expect(await page.getAttribute('[data-testid="status-setup"]', 'data-problems')).toBe('1');
    expect(await page.textContent('[data-testid="status-setup"]')).toBe('Setup: 1 problem');
    const groups = await page.$$eval('[data-testid="doctor-integration"]', (els) => els.map((e) => `${e.getAttribute('data-integration')}:${e.getAttribute('data-status')}`));
    expect(groups).toEqual(['sonarr:error', 'jellyfin:warning', 'mqtt:ok']);
    expect(await page.textContent('[data-testid="doctor-check"][data-id="sonarr/sonarr/webhook"]')).toMatch(/No Media Tracker webhook in Sonarr.*no webhook connection pointing at/s);
    expect(await page.locator('[data-testid="doctor-fix"]').count()).toBe(1);

    await page.click('[data-testid="doctor-run"]');
    const command = await waitFor(() => seen.find((m) => m.topic === 'media/bridge/set/doctor'), 'the doctor command', 10_000);
    const { transaction } = JSON.parse(command.payload) as { transaction: string };
    expect(transaction).toMatch(/^[0-9a-f-]{36}$/);
    // Whatever the tracker answers to that transaction is what the panel says.
    const answer = await waitFor(
      () =>
        seen
          .map((m) => (m.topic === 'media/bridge/response' ? (JSON.parse(m.payload) as { transaction?: string; status: string; error?: string }) : null))
          .find((r) => r?.transaction === transaction) ?? undefined,
      'the answer',
      10_000,
    );
    await page.waitForSelector(`[data-testid="doctor-response"][data-status="${answer.status}"]`);
    expect(await page.textContent('[data-testid="doctor-response"]')).toContain(answer.status === 'ok' ? 'Checks done' : answer.error!);
    expect(errors).toEqual([]);
    await client.endAsync();
    await ctx.close();
  });
});

describe('as an add-on, behind the Supervisor', () => {
  const SUPERVISOR = '127.0.0.2';
  let broker: EmbeddedBroker;
  let server: Server;
  let proxy: IngressProxy;
  const commands: Array<{ topic: string; payload: string }> = [];

  const settings: PanelSettings = {
    base_topic: 'media',
    webhooks: { port: 8787, secret: 'addon-secret', routes: [{ service: 'sonarr', instance: null, path: '/hooks/sonarr', auth: 'token', where: null }] },
    links: [],
    approvals: false,
  };

  beforeAll(async () => {
    const log = createLogger('test');
    // The bridge's side of the contract, as the test's stand-in: answer each command.
    broker = await EmbeddedBroker.start({ port: 0, username: '', password: '', baseTopic: 'media', wsAllowedAddresses: [SUPERVISOR] }, log, (topic, payload) => {
      commands.push({ topic, payload });
      const { transaction } = JSON.parse(payload || '{}') as { transaction?: unknown };
      if (topic === 'media/bridge/set/autoconfigure') {
        const result = {
          actions: [
            { service: 'sonarr', instance: 'sonarr', action: 'created', detail: 'Webhook "Media Tracker" created (On Grab, On Import, …)', test: 'passed' },
            { service: 'radarr', instance: 'radarr', action: 'unchanged', detail: 'Already points at the tracker', test: 'passed' },
            { service: 'jellyseerr', instance: null, action: 'failed', detail: 'Jellyseerr answered 401: check its API key', test: 'not run' },
          ],
          jellyfin: 'In the Jellyfin Webhook plugin, add a Generic destination to http://<host>:8787/hooks/jellyfin with the header Authorization: Bearer <secret>.',
        };
        broker.publish('media/bridge/response', JSON.stringify({ action: 'autoconfigure', status: 'ok', transaction, result }), { retain: false, qos: 1 });
      }
    });
    broker.publish('media/bridge/state', 'online', { retain: true, qos: 1 });
    broker.publish('media/bridge/info', JSON.stringify({ version: '0.1.0', mode: 'embedded', started_at: new Date().toISOString(), counts: { total: 0 }, integrations: integrationInfos() }), {
      retain: true,
      qos: 1,
    });
    broker.publish('media/bridge/doctor', JSON.stringify(REPORT), { retain: true, qos: 1 });
    const app = createIngressApp({ health: () => ({}), panel: () => settings, trustedProxies: [SUPERVISOR], allowLoopback: false });
    server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    broker.attachWebSocket(server, '/mqtt');
    proxy = await startIngressProxy(
      { host: '127.0.0.1', port: (server.address() as AddressInfo).port },
      { localAddress: SUPERVISOR, user: { id: '8f1c2a', name: 'alice', displayName: 'Alice Liddell' } },
    );
  });

  afterAll(async () => {
    await proxy?.close();
    broker?.closeWebSockets();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await broker?.close();
  });

  it('names the viewer, and "Fix automatically" (from the keyboard) configures that service and lists what was done', async () => {
    const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, hasTouch: true, isMobile: true });
    const page = await ctx.newPage();
    const errors = errorsOf(page);
    await page.goto(`${proxy.panelUrl}#/setup`);
    await page.waitForSelector('[data-testid="status-connection"][data-state="connected"]');
    expect(await page.textContent('[data-testid="viewer"]')).toMatch(/Alice Liddell/);
    await page.waitForSelector('[data-testid="doctor-fix"][data-integration="sonarr"]');

    await page.focus('[data-testid="doctor-run"]');
    for (
      let i = 0;
      i < 10 &&
      (await page.evaluate(
        `(() => { let a = document.activeElement; while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement; return a && a.getAttribute('data-testid'); })()`,
      )) !== 'doctor-fix';
      i++
    ) {
      await page.keyboard.press('Tab');
    }
    expect(await page.getAttribute('[data-testid="doctor-fix"]', 'aria-label')).toBe('Fix automatically: No Media Tracker webhook in Sonarr');
    await page.keyboard.press('Enter');

    await page.waitForSelector('[data-testid="autoconfigure-result"][data-status="ok"]');
    const command = commands.find((c) => c.topic === 'media/bridge/set/autoconfigure')!;
    expect(JSON.parse(command.payload)).toEqual({ services: ['sonarr'], forward_existing: true, transaction: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const rows = await page.$$eval('[data-testid="autoconfigure-action"]', (els) => els.map((e) => `${e.getAttribute('data-service')}:${e.getAttribute('data-action')}`));
    expect(rows).toEqual(['sonarr:created', 'radarr:unchanged', 'jellyseerr:failed']);
    expect(await page.textContent('[data-testid="autoconfigure-action"][data-service="jellyseerr"]')).toMatch(/Failed.*401: check its API key/s);
    expect(await page.textContent('[data-testid="autoconfigure-jellyfin"]')).toMatch(/Generic destination/);

    // The main button: every service, and without forwarding when unticked.
    await page.uncheck('[data-testid="autoconfigure-forward"]');
    await page.click('[data-testid="autoconfigure-run"]');
    await waitFor(() => (commands.filter((c) => c.topic === 'media/bridge/set/autoconfigure').length === 2 ? true : undefined), 'the second command', 10_000);
    const second = JSON.parse(commands.filter((c) => c.topic === 'media/bridge/set/autoconfigure')[1]!.payload) as Record<string, unknown>;
    expect(second).toEqual({ forward_existing: false, transaction: expect.any(String) });

    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow, 'no horizontal scrolling at 360 px').toBeLessThanOrEqual(0);
    // Tall enough to show the whole page (it scrolls inside the panel, not the document).
    await page.setViewportSize({ width: 360, height: 1300 });
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    await page.screenshot({ path: `${SHOTS}setup-360.png` });
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('refuses the browser when it does not come through the Supervisor', async () => {
    const direct = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    expect(direct.status).toBe(403);
  });
});
