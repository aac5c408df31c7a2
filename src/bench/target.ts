/**
 * One benchmark configuration, in its own process (started by run.ts): a real tracker
 * (HTTP, engine, store, embedded MQTT broker) in a temp data dir, pre-populated in
 * process, settled, then driven over HTTP by the load generator in a child process.
 * Sends a `ConfigResult` to the parent over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { parseJellyseerr } from '../adapters/jellyseerr.js';
import { parseRadarr } from '../adapters/radarr.js';
import { parseSonarr } from '../adapters/sonarr.js';
import type { AdapterContext, ParseResult } from '../adapters/types.js';
import { Tracker } from '../app.js';
import { parseOptions } from '../config/load.js';
import type { UnstampedEvent } from '../domain/events.js';
import { createLogger, setLogLevel } from '../log.js';
import type { Store } from '../store/store.js';
import type { PhaseResult, RunMessage } from './loadgen.js';
import { activeHooks, historyHooks, population, type Hook, type Route } from './population.js';
import { summarise } from './stats.js';

export const SECRET = 'bench-secret-0123456789abcdef';
const DAY_MS = 86_400_000;
const PREPOP_BATCH = 500;

export interface BenchConfig {
  name: string;
  durable: boolean;
  stored: number;
  warmup: number;
  measured: number;
  concurrency: number;
}

export interface ConfigResult {
  config: BenchConfig;
  dataDir: string;
  prepop: { events: number; accepted: number; notAccepted: number; ms: number; requests: number; snapshotsDuring: number };
  settle: { snapshotMs: number | null; snapshotBytes: number | null };
  measure: {
    events: number;
    wallMs: number;
    eventsPerSec: number;
    p50: number;
    p90: number;
    p99: number;
    mean: number;
    max: number;
    byKind: Record<string, { n: number; p50: number; mean: number }>;
    accepted: number;
    notAccepted: number;
    httpErrors: number;
    samples: string[];
    cpuUsPerEvent: number;
    elu: number;
    gcMs: number;
    gcCount: number;
    journal: { batches: number; records: number; bytes: number; failedBatches: number };
    io: { writes: number; writeMs: number; syncs: number; syncMs: number } | null;
    heapUsedMB: number;
    requestsAfter: number;
  };
  warmup: { events: number; accepted: number; notAccepted: number; httpErrors: number; eventsPerSec: number };
}

const PARSERS: Record<Route, (body: unknown, ctx: AdapterContext) => ParseResult> = {
  jellyseerr: parseJellyseerr,
  radarr: parseRadarr,
  sonarr: parseSonarr,
};

type JournalProbe = { journal?: { file?: { handle?: Record<string, unknown> } | null } };

function storeOf(tracker: Tracker): Store | null {
  // The engine keeps its store private; the benchmark only reads stats and snapshots it.
  return (tracker.engine as unknown as { store?: Store }).store ?? null;
}

/** Times write() and datasync() of the journal's current file handle (null if unreachable). */
function instrumentJournal(store: Store | null): { writes: number; writeMs: number; syncs: number; syncMs: number } | null {
  const handle = (store as unknown as JournalProbe | null)?.journal?.file?.handle;
  if (!handle || typeof handle.write !== 'function' || typeof handle.datasync !== 'function') return null;
  const io = { writes: 0, writeMs: 0, syncs: 0, syncMs: 0 };
  const write = (handle.write as (...a: unknown[]) => Promise<unknown>).bind(handle);
  const datasync = (handle.datasync as () => Promise<void>).bind(handle);
  handle.write = async (...args: unknown[]) => {
    const t = performance.now();
    try {
      return await write(...args);
    } finally {
      io.writes++;
      io.writeMs += performance.now() - t;
    }
  };
  handle.datasync = async () => {
    const t = performance.now();
    try {
      return await datasync();
    } finally {
      io.syncs++;
      io.syncMs += performance.now() - t;
    }
  };
  return io;
}

function runPhase(child: ChildProcess, msg: RunMessage): Promise<PhaseResult> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown) => {
      const m = raw as { type: string; result?: PhaseResult; error?: string };
      if (m.type === 'done') {
        child.off('message', onMessage);
        resolve(m.result!);
      } else if (m.type === 'error') {
        child.off('message', onMessage);
        reject(new Error(`load generator failed: ${m.error}`));
      }
    };
    child.on('message', onMessage);
    child.send(msg);
  });
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as BenchConfig;
  setLogLevel('error');
  const dataDir = await mkdtemp(join(tmpdir(), 'media-tracker-bench-'));
  let shift = 0;
  const clock = () => new Date(Date.now() - shift);
  const options = parseOptions({
    data_dir: dataDir,
    log_level: 'error',
    webhook_secret: SECRET,
    webhook_port: 0,
    ingress_port: 0,
    mqtt: { mode: 'embedded', port: 0, ha_birth_delay_s: 0 },
  });
  const tracker = new Tracker({ options, durable: config.durable, host: '127.0.0.1', log: createLogger('bench'), clock });
  let loadgen: ChildProcess | null = null;
  try {
    await tracker.start();
    const store = storeOf(tracker);

    // ---- Pre-populate in process: adapter-parsed events, ingested in batches.
    const ctx: AdapterContext = { anime: options.anime };
    const pop = population(config.stored);
    const prepop = { events: 0, accepted: 0, notAccepted: 0, ms: 0, requests: 0, snapshotsDuring: 0 };
    const t0 = performance.now();
    let batch: UnstampedEvent[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const items = await tracker.engine.ingest(batch);
      for (const it of items) {
        if (it.status === 'accepted') prepop.accepted++;
        else prepop.notAccepted++;
      }
      prepop.events += batch.length;
      batch = [];
    };
    const add = async (hooks: Hook[]) => {
      for (const h of hooks) {
        const parsed = PARSERS[h.route](h.body, ctx);
        if (!parsed.ok) throw new Error(`pre-population payload rejected by the ${h.route} adapter: ${JSON.stringify(parsed.errors)}`);
        batch.push(...parsed.events);
      }
      if (batch.length >= PREPOP_BATCH) await flush();
    };
    const historyGroups = pop.historyMovies.length + pop.historyShows.length;
    let g = 0;
    for (const hooks of historyHooks(pop)) {
      // History finished between 90 and 10 days ago (older than HA retention, 7 days).
      shift = Math.round((90 - (80 * g++) / Math.max(1, historyGroups)) * DAY_MS);
      await add(hooks);
    }
    await flush();
    shift = DAY_MS;
    for (const hooks of activeHooks(pop)) await add(hooks);
    await flush();
    shift = 0;
    prepop.ms = performance.now() - t0;
    prepop.requests = tracker.engine.index.size;
    prepop.snapshotsDuring = store?.stats.snapshots ?? 0;

    // ---- Settle: HA retention sweep, a fresh snapshot, MQTT queue drained, heap collected.
    tracker.publisher.sweepRetention();
    const settle: ConfigResult['settle'] = { snapshotMs: null, snapshotBytes: null };
    if (config.durable && store) {
      const capture = () => ({ lastSeq: tracker.engine.lastSeq, requests: [...tracker.engine.index.values()] });
      for (let i = 0; i < 5 && store.lastSnapshotSeq !== tracker.engine.lastSeq; i++) {
        const ts = performance.now();
        await store.snapshot(capture);
        settle.snapshotMs = performance.now() - ts;
      }
      settle.snapshotBytes = (await stat(join(dataDir, 'snapshot.json')).catch(() => null))?.size ?? null;
    }
    await tracker.broker.publishAndWait('media/bench/settle', '1', { retain: false, qos: 0 });
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    await new Promise((r) => setTimeout(r, 300));
    gc?.();

    // ---- Load generator in its own process.
    const total = config.warmup + config.measured;
    loadgen = fork(fileURLToPath(new URL('./loadgen.js', import.meta.url)), [], { execArgv: [], stdio: 'inherit' });
    await new Promise<void>((resolve, reject) => {
      loadgen!.once('message', () => resolve());
      loadgen!.once('exit', (code) => reject(new Error(`load generator exited (${code}) before it was ready`)));
      loadgen!.send({ type: 'init', total });
    });
    const url = tracker.endpoints.webhookUrl;
    const base = { type: 'run' as const, url, secret: SECRET, concurrency: config.concurrency };
    const wu = await runPhase(loadgen, { ...base, phase: 'warmup', from: 0, to: config.warmup });

    const journalBefore = { ...(store?.stats ?? { batches: 0, records: 0, bytes: 0, failedBatches: 0 }) };
    const io = config.durable ? instrumentJournal(store) : null;
    let gcMs = 0;
    let gcCount = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcMs += e.duration;
        gcCount++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const m = await runPhase(loadgen, { ...base, phase: 'measure', from: config.warmup, to: total });
    const elu = performance.eventLoopUtilization(elu0).utilization;
    const cpu = process.cpuUsage(cpu0);
    await new Promise((r) => setImmediate(r));
    obs.disconnect();
    const journalAfter = store?.stats ?? journalBefore;

    const s = summarise(m.latenciesMs);
    const byKind: ConfigResult['measure']['byKind'] = {};
    const groups = new Map<string, number[]>();
    m.kinds.forEach((k, i) => {
      const arr = groups.get(k) ?? [];
      arr.push(m.latenciesMs[i]!);
      groups.set(k, arr);
    });
    for (const [k, xs] of groups) {
      const ks = summarise(xs);
      byKind[k] = { n: xs.length, p50: ks.p50, mean: ks.mean };
    }
    const result: ConfigResult = {
      config,
      dataDir,
      prepop,
      settle,
      warmup: {
        events: wu.sent,
        accepted: wu.accepted,
        notAccepted: wu.notAccepted,
        httpErrors: wu.httpErrors,
        eventsPerSec: (wu.sent / wu.wallMs) * 1000,
      },
      measure: {
        events: m.sent,
        wallMs: m.wallMs,
        eventsPerSec: (m.sent / m.wallMs) * 1000,
        ...s,
        byKind,
        accepted: m.accepted,
        notAccepted: m.notAccepted,
        httpErrors: m.httpErrors,
        samples: [...wu.samples, ...m.samples].slice(0, 5),
        cpuUsPerEvent: (cpu.user + cpu.system) / m.sent,
        elu,
        gcMs,
        gcCount,
        journal: {
          batches: journalAfter.batches - journalBefore.batches,
          records: journalAfter.records - journalBefore.records,
          bytes: journalAfter.bytes - journalBefore.bytes,
          failedBatches: journalAfter.failedBatches - journalBefore.failedBatches,
        },
        io,
        heapUsedMB: process.memoryUsage().heapUsed / 1_048_576,
        requestsAfter: tracker.engine.index.size,
      },
    };
    loadgen.send({ type: 'exit' });
    loadgen = null;
    process.send!({ type: 'result', result });
  } finally {
    if (loadgen) loadgen.kill();
    await tracker.stop().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
}

const watchdog = setTimeout(() => {
  process.stderr.write('bench target: gave up after 150 s\n');
  process.exit(3);
}, 150_000);
watchdog.unref();

main().then(
  () => {
    // Leave on our own even if a library keeps a handle open.
    setTimeout(() => process.exit(0), 200).unref();
    process.disconnect?.();
  },
  (err: unknown) => {
    process.stderr.write(`bench target failed: ${String((err as Error)?.stack ?? err)}\n`);
    process.exit(1);
  },
);
