/**
 * Lost connection, in Chromium: the tracker (and its embedded broker) stops while the panel
 * is open; the status strip says so; the tracker starts again on the same ports and data
 * dir, having missed a download's progress while it was down (its qBittorrent watcher picks
 * it up on its first cycle); the panel recovers the full state without a reload.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { ensurePanelBuilt, launchChromium, startIngressProxy, type IngressProxy } from '../helpers/browser.js';
import { freePorts } from '../helpers/ports.js';
import { FakeQbittorrent } from '../helpers/qbittorrent.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';

const movies: MovieSpec[] = [1, 2, 3].map((n) => ({
  requestId: 300 + n,
  tmdbId: 7000 + n,
  title: `Reconnect ${n}`,
  year: 2024,
  radarrId: 700 + n,
  hash: fakeHash(`panel-reconnect-${n}`),
  requestedBy: 'alice',
}));
const downloading = movies[0]!;
const card = (id: string) => `[data-testid="request-card"][data-id="${id}"]`;

let h: Harness;
let qb: FakeQbittorrent;
let proxy: IngressProxy;
let browser: Browser;
let ports: { webhook: number; ingress: number; mqtt: number };

beforeAll(async () => {
  ensurePanelBuilt();
  qb = await FakeQbittorrent.start({ flavour: '5.2' });
  const [webhook, ingress, broker] = await freePorts(3);
  ports = { webhook: webhook!, ingress: ingress!, mqtt: broker! };
  h = await startTracker({
    webhook_port: ports.webhook,
    ingress_port: ports.ingress,
    mqtt: { port: ports.mqtt },
    qbittorrent: [{ name: 'qbittorrent', url: qb.url, username: qb.username, password: qb.password }],
    // Only the first cycle after each start matters here.
    intervals: { qbittorrent_s: 3600 },
  });
  for (const m of movies) {
    const res = await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    expect(res.status).toBe(200);
  }
  qb.add(downloading.hash, { progress: 0.2, size: 8_000_000_000, dlspeed: 4_000_000, eta: 1600 });
  expect((await h.post('/hooks/radarr', radarrGrab(downloading))).status).toBe(200);
  await h.tracker.watchers.find((w) => w.name === 'qbittorrent/qbittorrent')!.poke!();
  proxy = await startIngressProxy({ host: '127.0.0.1', port: ports.ingress });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await h?.stop();
  await qb?.close();
});

it('shows the lost connection, then recovers the full state without a reload when the tracker is back', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(proxy.panelUrl);
  const id = `jellyseerr-${downloading.requestId}`;
  await page.waitForSelector(`${card(id)}[data-state="DOWNLOADING"]`);
  expect(await page.textContent(`${card(id)} [data-testid="progress"]`)).toMatch(/20 %/);
  await page.waitForSelector('[data-testid="status-connection"][data-state="connected"]');
  await page.evaluate('window.sameDocument = true');

  await h.tracker.stop();
  await page.waitForSelector('[data-testid="status-connection"][data-state="reconnecting"]');
  // Still failing after several attempts: offline (and still retrying).
  await page.waitForSelector('[data-testid="status-connection"][data-state="offline"]', { timeout: 30_000 });
  expect(await page.textContent('[data-testid="status-connection"]')).toMatch(/Offline/);
  // What it knew stays on screen meanwhile.
  expect(await page.locator('[data-testid="request-card"]').count()).toBe(movies.length);

  // The download went on while the tracker was down.
  qb.update(downloading.hash, { progress: 0.85, amount_left: 1_200_000_000, completed: 6_800_000_000, downloaded: 6_800_000_000, eta: 300 });
  await h.restart();
  expect([h.tracker.endpoints.webhookPort, h.tracker.endpoints.ingressPort, h.tracker.endpoints.mqttPort]).toEqual([ports.webhook, ports.ingress, ports.mqtt]);

  await page.waitForSelector('[data-testid="status-connection"][data-state="connected"]', { timeout: 30_000 });
  await page.waitForSelector('[data-testid="status-bridge"][data-state="online"]');
  await expect.poll(() => page.textContent(`${card(id)} [data-testid="progress"]`), { timeout: 15_000 }).toMatch(/85 %/);
  for (const m of movies) await page.waitForSelector(card(`jellyseerr-${m.requestId}`));
  expect(await page.textContent('[data-testid="list-summary"]')).toBe(`${movies.length} requests`);
  expect(await page.evaluate('window.sameDocument')).toBe(true);

  // Live again: a webhook after the restart moves a card.
  const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['media/+/state']);
  await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', movies[2]!));
  await rec.untilState(`jellyseerr-${movies[2]!.requestId}`, 'AVAILABLE');
  await page.waitForSelector(`${card(`jellyseerr-${movies[2]!.requestId}`)}[data-state="AVAILABLE"]`);
  await rec.close();
  expect(errors).toEqual([]);
  await ctx.close();
});
