/**
 * The panel benchmark: a real tracker with N stored requests (in a child process, so the
 * browser's broker and the subscribers below do not share an event loop with this one), the
 * built panel in Debian's Chromium (playwright-core, headless, a fresh profile per launch),
 * and three measurements:
 *
 *   - navigation → interactive, over several runs, each in a new browser context (no HTTP
 *     cache). "Interactive" is measured in the page, from its navigation start: the first
 *     screen of cards is rendered (the cards fill the visible list), the summary shows the
 *     total ("10000 requests"), and then a search typed at that moment has been answered
 *     (the summary says "k of N" and a card with the searched title is on screen). The time
 *     reported is the moment the search answer is on screen, so it includes the search.
 *   - every retained message below `<base>/#` delivered over MQTT-over-WebSocket (the
 *     panel's path: the ingress port, `ws-stream.ts`) and over plain TCP, both with mqtt.js
 *     in this process, from SUBSCRIBE sent to the last retained message received (median of
 *     three, alternated).
 *   - a 10 s PerformanceObserver `longtask` trace in the open panel while 50 downloads
 *     change every second: a qBittorrent (test/fakes/qbittorrent.ts) polled by the tracker's real
 *     qBittorrent watcher every second; every change is a new retained state on MQTT.
 *
 * Run alone (built by `npm run build:bench`): `node dist-bench/bench/panel.js [--requests=10000] [--runs=5]`
 * prints the result as JSON.
 * Needs `/usr/bin/chromium` (or $CHROMIUM) and the built panel (`npm run build`).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Tracker } from '../src/app.js';
import { PANEL_DIR } from '../src/http/ingress.js';
import { createLogger, setLogLevel } from '../src/log.js';
import { intArg } from './args.js';
import type { PanelResult } from './panel-report.js';
import { Peer } from './peer.js';
import { population } from './population.js';
import { benchOptions, prepopulate } from './prepop.js';
import { FakeQbittorrent } from '../test/fakes/qbittorrent.js';
import { scratchDir } from './scratch.js';
import { median } from './stats.js';

export interface PanelBenchOptions {
  requests: number;
  log: (m: string) => void;
  /** Navigation → interactive runs (default 5). */
  runs?: number;
  /** Downloads updated every second during the long-task trace (default 50). */
  downloads?: number;
  /** Length of the long-task trace (default 10 s). */
  traceS?: number;
}

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** The default `mqtt.base_topic` (benchOptions keeps it). */
const BASE = 'media';
const VIEWPORT = { width: 1280, height: 860 };

// ---------------------------------------------------------------------------------------
// The tracker, in a child process.

interface TargetConfig {
  requests: number;
  qbittorrentUrl: string;
  qbittorrentUser: string;
  qbittorrentPassword: string;
}

interface TargetReady {
  type: 'ready';
  ingressUrl: string;
  wsUrl: string;
  mqttUrl: string;
  requests: number;
  /** Retained topics below the base topic (what `<base>/#` replays). */
  retained: number;
  /** Retained `<base>/<id>/state` topics: what the list receives. */
  states: number;
  prepopMs: number;
}

async function runTarget(config: TargetConfig): Promise<void> {
  setLogLevel('error');
  const log = createLogger('bench');
  let tracker: Tracker | null = null;
  const { dir: dataDir, shutdown, exitOnDisconnect } = await scratchDir('media-tracker-bench-panel-', () => tracker);
  exitOnDisconnect();

  // Stored by a tracker without services (prepop.ts: history 10–90 days old, the active set a
  // day old), then the measured tracker starts on that data dir, as after a restart.
  const t0 = performance.now();
  let shift = 0;
  const pre = new Tracker({ options: benchOptions(dataDir), durable: true, host: '127.0.0.1', log, clock: () => new Date(Date.now() - shift) });
  await pre.start();
  await prepopulate(pre, population(config.requests), (ms) => (shift = ms));
  await pre.stop();
  const prepopMs = performance.now() - t0;

  tracker = new Tracker({
    options: benchOptions(dataDir, {
      qbittorrent: [{ name: 'qbittorrent', url: config.qbittorrentUrl, username: config.qbittorrentUser, password: config.qbittorrentPassword }],
      intervals: { qbittorrent_s: 1 },
    }),
    durable: true,
    host: '127.0.0.1',
    log,
  });
  await tracker.start();
  // Everything the start published has reached the broker.
  await tracker.broker.publishAndWait(`${BASE}/bench/settle`, '1', { retain: false, qos: 0 });
  const topics = [...tracker.bus.retainedTopics()].filter((t) => t.startsWith(`${BASE}/`));
  const e = tracker.endpoints;
  const ready: TargetReady = {
    type: 'ready',
    ingressUrl: `${e.ingressUrl}/`,
    wsUrl: e.wsUrl,
    mqttUrl: e.mqttUrl,
    requests: tracker.engine.index.size,
    retained: topics.length,
    states: topics.filter((t) => t.endsWith('/state') && t !== `${BASE}/bridge/state`).length,
    prepopMs,
  };
  process.send!(ready);
  process.on('message', (raw: unknown) => {
    if ((raw as { type?: string }).type !== 'finish') return;
    void shutdown().then(() => process.send!({ type: 'final' }, () => process.exit(0)));
  });
}

// ---------------------------------------------------------------------------------------
// In the page.

/**
 * Injected before the panel's scripts. Polls once per frame (a frame only runs when the main
 * thread is free, so a long task delays the verdict as it would delay a user), records the
 * marks in `window.__mtBench`, and types the search as soon as the first screen and the total
 * are shown.
 */
const PROBE = `(args) => {
  const out = { marks: {}, done: false };
  window.__mtBench = out;
  const mark = (k) => { if (out.marks[k] === undefined) out.marks[k] = performance.now(); };
  const down = (node, ...sels) => {
    for (const sel of sels) {
      if (!node) return null;
      node = (node.shadowRoot || node).querySelector(sel);
    }
    return node;
  };
  let phase = 'load';
  let hooked = false;
  const tick = () => {
    const mt = window.mediaTracker;
    if (mt && !hooked) {
      hooked = true;
      mt.connection.subscribe((c) => { if (c.status === 'connected') mark('connected'); });
      mt.store.subscribe(() => {
        mark('first_message');
        if (mt.store.size >= args.total) mark('all_in_store');
      });
    }
    const list = down(document, 'mt-app', 'mt-request-list');
    const toolbar = down(list, 'mt-list-toolbar');
    const summary = (down(toolbar, '[data-testid="list-summary"]')?.textContent || '').trim();
    const vl = down(list, 'mt-virtual-list');
    const scroller = down(vl, '.scroller');
    const cards = vl && vl.shadowRoot ? [...vl.shadowRoot.querySelectorAll('mt-request-card')] : [];
    const titles = cards.map((c) => (down(c, 'h3')?.textContent || '').toLowerCase());
    if (phase === 'load') {
      if (titles.some((t) => t)) mark('first_cards');
      if (summary === args.total + ' requests') mark('total_shown');
      let bottom = 0;
      for (const c of cards) bottom = Math.max(bottom, c.getBoundingClientRect().bottom);
      const filled = scroller && titles.length > 0 && titles.every((t) => t) && (bottom >= scroller.getBoundingClientRect().bottom || cards.length >= args.total);
      if (filled) mark('screen_filled');
      if (filled && out.marks.total_shown !== undefined) {
        const input = down(toolbar, '[data-testid="search"]');
        input.value = args.needle;
        input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
        mark('search_typed');
        phase = 'search';
      }
    } else if (phase === 'search') {
      const m = /^(\\d+) of (\\d+) requests$/.exec(summary);
      if (m && Number(m[2]) === args.total && titles.some((t) => t.includes(args.needle))) {
        mark('interactive');
        out.done = true;
        return;
      }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}`;

interface Marks {
  connected?: number;
  first_message?: number;
  all_in_store?: number;
  first_cards?: number;
  total_shown?: number;
  screen_filled?: number;
  search_typed?: number;
  interactive?: number;
}

async function openPanel(browser: Browser, url: string, total: number, needle: string): Promise<{ page: Page; marks: Marks; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.addInitScript({ content: `(${PROBE})(${JSON.stringify({ total, needle })});` });
  await page.goto(url);
  // Predicates are functions: the panel's CSP forbids evaluating strings as script in the page.
  await page.waitForFunction(() => Boolean((globalThis as unknown as { __mtBench?: { done?: boolean } }).__mtBench?.done), undefined, { timeout: 120_000, polling: 100 });
  if (errors.length) throw new Error(`the panel failed: ${errors.join('; ')}`);
  const marks = (await page.evaluate('window.__mtBench.marks')) as Marks;
  return { page, marks, close: () => context.close() };
}

// ---------------------------------------------------------------------------------------
// Retained replay over WebSocket and TCP.

async function replayMs(url: string, topic: string, expected: number): Promise<number> {
  // mqtt.js asks for the `mqtt` WebSocket subprotocol itself, as the browser build does.
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clean: true, reconnectPeriod: 0 });
  try {
    let received = 0;
    let last = 0;
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${url}: ${received} of ${expected} retained messages after 120 s`)), 120_000);
      client.on('message', (_topic, _payload, packet) => {
        if (!packet.retain) return;
        received++;
        last = performance.now();
        if (received === expected) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const t0 = performance.now();
    // QoS 0, as the panel subscribes (frontend/src/data/connection.ts).
    await client.subscribeAsync(topic, { qos: 0 });
    await all;
    return last - t0;
  } finally {
    await client.endAsync(true);
  }
}

// ---------------------------------------------------------------------------------------

export async function runPanelBench(opts: PanelBenchOptions): Promise<PanelResult> {
  const { log } = opts;
  const runs = opts.runs ?? 5;
  const downloads = opts.downloads ?? 50;
  const traceS = opts.traceS ?? 10;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash scripts/e2e-deps.sh\` (or set $CHROMIUM)`);
  if (!existsSync(join(PANEL_DIR, 'index.html'))) throw new Error(`the panel is not built (${PANEL_DIR}): run \`npm run build\``);

  // The downloads: the first active movies of the population are grabbed with hash movie:<id>:0.
  const pop = population(opts.requests);
  const moving = pop.activeMovies.slice(0, downloads);
  if (moving.length < downloads) throw new Error(`only ${moving.length} active movies to download`);
  const qb = await FakeQbittorrent.start();
  for (const [i, m] of moving.entries()) qb.add(m.hash, { progress: 0.1 + i / 1000, size: 4_000_000_000, dlspeed: 5_000_000, eta: 3600 });
  // A title that no other request's title or id contains: the search must find exactly it.
  const needle = pop.historyMovies.at(-1)!.title.toLowerCase();

  const config: TargetConfig = { requests: opts.requests, qbittorrentUrl: qb.url, qbittorrentUser: qb.username, qbittorrentPassword: qb.password };
  const child = fork(fileURLToPath(import.meta.url), ['--target', JSON.stringify(config)], { stdio: 'inherit' });
  const target = new Peer('panel-target', child);
  let browser: Browser | null = null;
  try {
    log(`panel: storing ${opts.requests} requests…`);
    const ready = await target.request<TargetReady>(null, 'ready', 300_000);
    log(`panel: ${ready.requests} requests stored in ${(ready.prepopMs / 1000).toFixed(1)} s; ${ready.retained} retained topics below ${BASE}/, ${ready.states} states`);
    // The first qBittorrent cycle moves the 50 movies to DOWNLOADING; let it settle.
    await new Promise((r) => setTimeout(r, 2500));

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });

    const interactive: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { marks, close } = await openPanel(browser, ready.ingressUrl, ready.states, needle);
      await close();
      interactive.push(Math.round(marks.interactive!));
      const f = (k: keyof Marks) => (marks[k] === undefined ? '—' : `${Math.round(marks[k])}`);
      log(
        `panel: run ${i + 1}: interactive ${f('interactive')} ms (connected ${f('connected')}, first message ${f('first_message')}, ` +
          `all in store ${f('all_in_store')}, first cards ${f('first_cards')}, total shown ${f('total_shown')}, screen filled ${f('screen_filled')}, search typed ${f('search_typed')})`,
      );
    }
    log(`panel: navigation → interactive, median of ${runs}: ${Math.round(median(interactive))} ms`);

    // Alternated, three of each (the machine's other work weighs on single runs): medians.
    const topic = `${BASE}/#`;
    const wsRuns: number[] = [];
    const tcpRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      wsRuns.push(await replayMs(ready.wsUrl, topic, ready.retained));
      tcpRuns.push(await replayMs(ready.mqttUrl, topic, ready.retained));
    }
    const ws = median(wsRuns);
    const tcp = median(tcpRuns);
    const list = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    log(`panel: ${ready.retained} retained messages of ${topic}, median of 3: WebSocket ${Math.round(ws)} ms (${list(wsRuns)}), TCP ${Math.round(tcp)} ms (${list(tcpRuns)})`);

    // Long tasks while downloads move.
    const { page, close } = await openPanel(browser, ready.ingressUrl, ready.states, needle);
    await page.evaluate(`(() => {
      const input = document.querySelector('mt-app').shadowRoot.querySelector('mt-request-list').shadowRoot
        .querySelector('mt-list-toolbar').shadowRoot.querySelector('[data-testid="search"]');
      input.value = '';
      input.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    })()`);
    // The whole list is back on screen before the trace starts: it measures the downloads only.
    await page.waitForFunction((want) => {
      type Node = { querySelector(selector: string): Node | null; shadowRoot: Node | null; textContent: string | null };
      const doc = (globalThis as unknown as { document: Node }).document;
      const s = doc.querySelector('mt-app')?.shadowRoot?.querySelector('mt-request-list')?.shadowRoot?.querySelector('mt-list-toolbar')?.shadowRoot?.querySelector('[data-testid="list-summary"]');
      return Boolean(s && s.textContent?.trim() === want);
    }, `${ready.states} requests`);
    await new Promise((r) => setTimeout(r, 500));
    await page.evaluate(`(() => {
      const ids = new Set(${JSON.stringify(moving.map((m) => `jellyseerr-${m.requestId}`))});
      window.__mtTrace = { tasks: [], updates: 0 };
      window.mediaTracker.store.subscribe((change) => { for (const id of change.ids) if (ids.has(id)) window.__mtTrace.updates++; });
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__mtTrace.tasks.push(e.duration); }).observe({ type: 'longtask' });
    })()`);
    const step = 1 / (traceS + 2) / 10;
    const tick = setInterval(() => {
      for (const m of moving) {
        const t = qb.torrents.get(m.hash.toLowerCase())!;
        qb.setProgress(m.hash, Math.min(0.99, (t.progress as number) + step));
        qb.update(m.hash, { dlspeed: 4_000_000 + Math.round(Math.random() * 2_000_000), eta: Math.round(Math.random() * 3600) });
      }
    }, 1000);
    await new Promise((r) => setTimeout(r, traceS * 1000));
    clearInterval(tick);
    const trace = (await page.evaluate('window.__mtTrace')) as { tasks: number[]; updates: number };
    await close();
    const longTasks = {
      downloads,
      trace_s: traceS,
      count: trace.tasks.length,
      max_ms: Math.round(Math.max(0, ...trace.tasks)),
      total_ms: Math.round(trace.tasks.reduce((a, b) => a + b, 0)),
    };
    log(`panel: ${traceS} s with ${downloads} downloads changing every second: ${trace.updates} request updates in the page, ${longTasks.count} long tasks (max ${longTasks.max_ms} ms)`);
    return { requests: ready.states, interactive_ms: interactive, ws_replay_ms: Math.round(ws), tcp_replay_ms: Math.round(tcp), long_tasks: longTasks };
  } finally {
    await browser?.close().catch(() => undefined);
    await target.request({ type: 'finish' }, 'final', 30_000).catch(() => target.kill());
    await target.waitExit(5000);
    await qb.close();
  }
}

// ---------------------------------------------------------------------------------------
// CLI: `node dist-bench/bench/panel.js [--requests=N] [--runs=N]`, and the child's entry.

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--target');
  const main =
    i >= 0
      ? runTarget(JSON.parse(process.argv[i + 1] ?? '') as TargetConfig)
      : runPanelBench({ requests: intArg('requests', 10_000), runs: intArg('runs', 5), log: (m) => process.stderr.write(`${m}\n`) }).then((r) =>
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`),
        );
  main.catch((err: unknown) => {
    process.stderr.write(`panel benchmark failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  });
}
