/**
 * Who may do what in the panel, in Chromium: a real tracker as an add-on with
 * `command_users: ["alice"]`, behind the ingress stand-in (test/helpers/browser.ts) relaying from
 * the "Supervisor" (127.0.0.2 here) with each viewer's `X-Remote-User-*` headers.
 *
 * - Bob (not listed) sees the panel read-only: no command button anywhere, a note naming
 *   `command_users`, no webhook secret; his own requests first.
 * - Alice (listed) has the buttons, and hers first.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, type MovieSpec } from '../../src/demo/payloads.js';
import { setLogLevel } from '../../src/log.js';
import { ensurePanelBuilt, launchChromium, startIngressProxy, type IngressProxy } from '../helpers/browser.js';
import { startTracker, type Harness } from '../helpers/tracker.js';

const SUPERVISOR = '127.0.0.2';
const ALICE = { id: 'a11ce0', name: 'alice', displayName: 'Alice Liddell' };
const BOB = { id: 'b0b0b0', name: 'bob', displayName: 'Bob Builder' };

/** Bob's request is the oldest, and its id sorts last: only "mine first" can put it at the top. */
const movies: MovieSpec[] = [
  { requestId: 509, tmdbId: 5009, title: 'Bob’s Movie', year: 2020, radarrId: 59, hash: fakeHash('users-bob'), requestedBy: 'Bob' },
  { requestId: 502, tmdbId: 5002, title: 'Alice One', year: 2021, radarrId: 52, hash: fakeHash('users-alice-1'), requestedBy: 'alice' },
  { requestId: 503, tmdbId: 5003, title: 'Alice Two', year: 2022, radarrId: 53, hash: fakeHash('users-alice-2'), requestedBy: 'alice' },
];

let browser: Browser;
let h: Harness;
const proxies: Record<'alice' | 'bob', IngressProxy> = {} as Record<'alice' | 'bob', IngressProxy>;

beforeAll(async () => {
  ensurePanelBuilt();
  setLogLevel('error');
  browser = await launchChromium();
  h = await startTracker({ command_users: ['alice'] }, undefined, { addon: true, proxies: [SUPERVISOR] });
  for (const m of movies) expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m))).status).toBe(200);
  const target = { host: '127.0.0.1', port: h.tracker.endpoints.ingressPort };
  proxies.alice = await startIngressProxy(target, { localAddress: SUPERVISOR, user: ALICE });
  proxies.bob = await startIngressProxy(target, { localAddress: SUPERVISOR, user: BOB });
});

afterAll(async () => {
  await proxies.alice?.close();
  await proxies.bob?.close();
  await h?.stop();
  await browser?.close();
});

function errorsOf(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

async function openList(page: Page, proxy: IngressProxy): Promise<string[]> {
  await page.goto(proxy.panelUrl);
  await page.waitForSelector('[data-testid="status-connection"][data-state="connected"]');
  await expect.poll(() => page.locator('[data-testid="request-card"]').count()).toBe(3);
  return page.$$eval('[data-testid="request-card"]', (els) => els.map((e) => `${e.getAttribute('data-id')}:${e.getAttribute('data-mine')}`));
}

const COMMAND_BUTTONS = ['action-retry', 'action-refresh', 'action-forget', 'action-approve', 'action-decline', 'doctor-run', 'doctor-fix', 'autoconfigure-run', 'webhook-copy'];
const countOf = (page: Page, testids: string[]) => page.locator(testids.map((t) => `[data-testid="${t}"]`).join(', ')).count();

describe('a viewer not in command_users', () => {
  it('sees the panel read-only, with a note saying why, and their own requests first', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = errorsOf(page);
    expect(await openList(page, proxies.bob)).toEqual(['jellyseerr-509:true', 'jellyseerr-503:false', 'jellyseerr-502:false']);
    expect(await page.textContent('[data-testid="request-card"][data-id="jellyseerr-509"]')).toMatch(/by you/);
    expect(await page.textContent('[data-testid="viewer"]')).toMatch(/Bob Builder/);
    expect(await page.textContent('[data-testid="read-only"]')).toMatch(/Read-only/);

    await page.click('[data-testid="request-card"][data-id="jellyseerr-509"]');
    await page.waitForSelector('[data-testid="request-detail"][data-id="jellyseerr-509"] [data-testid="read-only-note"]');
    expect(await page.textContent('[data-testid="read-only-note"]')).toMatch(/Read-only: Bob Builder is not in the add-on's command_users option/);
    expect(await countOf(page, COMMAND_BUTTONS)).toBe(0);

    await page.goto(`${proxies.bob.panelUrl}#/setup`);
    await page.waitForSelector('[data-testid="setup"] [data-testid="read-only-note"]');
    await page.waitForSelector('[data-testid="doctor-summary"]');
    expect(await countOf(page, COMMAND_BUTTONS)).toBe(0);
    // Not even masked: the webhook secret never reaches this browser.
    const doc = (await page.evaluate('fetch("panel.json").then((r) => r.json())')) as { commands: boolean; webhooks: { secret: string } };
    expect([doc.commands, doc.webhooks.secret]).toEqual([false, '']);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});

describe('a viewer in command_users', () => {
  it('has the command buttons, and their own requests first', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    const errors = errorsOf(page);
    expect(await openList(page, proxies.alice)).toEqual(['jellyseerr-503:true', 'jellyseerr-502:true', 'jellyseerr-509:false']);
    expect(await page.locator('[data-testid="read-only"]').count()).toBe(0);

    await page.click('[data-testid="request-card"][data-id="jellyseerr-502"]');
    await page.waitForSelector('[data-testid="request-detail"][data-id="jellyseerr-502"] [data-testid="action-retry"]:not([disabled])');
    expect(await page.locator('[data-testid="read-only-note"]').count()).toBe(0);
    // A command from here is carried out: the tracker answers it.
    await page.click('[data-testid="action-retry"]');
    await page.waitForSelector('[data-testid="action-response"][data-status="ok"]');

    await page.goto(`${proxies.alice.panelUrl}#/setup`);
    await page.waitForSelector('[data-testid="doctor-run"]');
    await page.waitForSelector('[data-testid="autoconfigure-run"]');
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
