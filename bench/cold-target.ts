/**
 * Cold start and idle, in their own processes (started by cold.ts).
 *
 *   node dist-bench/bench/cold-target.js <dir>      (<dir> prepared by prepare-target.ts)
 *     The measured process: a tracker starts on <dir>. Marks are epoch ms
 *     (`performance.timeOrigin + performance.now()`, comparable across processes).
 *     child → { type: 'started', marks, mqttUrl, topics }        after `tracker.start()`
 *     parent → { type: 'digest' }     / child → { type: 'digest', entries: [topic, sha1][] }
 *     parent → { type: 'idle-start' } / child → { type: 'idle-started' }
 *     parent → { type: 'idle-stop' }  / child → { type: 'idle-stopped', cpuUs, elu, heapMB, publishes }
 *     parent → { type: 'collect' }    / child → { type: 'collected', heapMB, rssMB }   after full GCs
 *                                       (the process is forked with --expose-gc for this, after the window)
 *     The parent ends the process with SIGKILL (the data dir is a throw-away copy).
 */
import { performance } from 'node:perf_hooks';
import { Tracker } from '../src/app.js';
import { createLogger, setLogLevel, type Logger } from '../src/log.js';
import { benchOptions } from './prepop.js';
import { epoch, sha1 } from './proc.js';

export interface ColdMarks {
  /** Process start (performance.timeOrigin). */
  process: number;
  /** main() entered: Node started and every module loaded. */
  main: number;
  /** The engine holds every request (snapshot read, journal replayed). */
  loaded: number;
  /** `tracker.start()` resolved: retained set handed to the broker, HTTP listening. */
  started: number;
}

export interface ColdStarted {
  type: 'started';
  marks: ColdMarks;
  mqttUrl: string;
  /** Every retained topic the tracker holds right after start. */
  topics: string[];
  requests: number;
  /** Messages written straight into the retained store (before any subscriber). */
  direct: { stored: number; dropped: number };
}

export interface IdleStopped {
  type: 'idle-stopped';
  cpuUs: number;
  elu: number;
  heapMB: number;
  /** Messages the bus published during the window. */
  publishes: number;
}

/** A logger that notes when the engine has loaded the store (its "loaded N requests" line). */
function markingLogger(onLoaded: () => void): Logger {
  setLogLevel('info');
  const quiet = createLogger('bench');
  const wrap = (inner: Logger): Logger => ({
    debug: () => undefined,
    info: (m) => {
      if (/^loaded \d+ requests/.test(m)) onLoaded();
    },
    warning: (m) => inner.warning(m),
    error: (m) => inner.error(m),
    child: (ns) => wrap(inner.child(ns)),
  });
  return wrap(quiet);
}

async function start(dir: string, mainAt: number): Promise<void> {
  const marks: ColdMarks = { process: performance.timeOrigin, main: mainAt, loaded: NaN, started: NaN };
  const tracker = new Tracker({ options: benchOptions(dir), durable: true, host: '127.0.0.1', log: markingLogger(() => (marks.loaded = epoch())) });
  await tracker.start();
  marks.started = epoch();
  const started: ColdStarted = {
    type: 'started',
    marks,
    mqttUrl: tracker.endpoints.mqttUrl,
    topics: [...tracker.bus.retainedTopics()],
    requests: tracker.engine.index.size,
    direct: { ...tracker.broker.direct },
  };
  process.send!(started);

  let idle: { cpu: NodeJS.CpuUsage; elu: ReturnType<typeof performance.eventLoopUtilization>; published: number } | null = null;
  process.on('message', (raw: unknown) => {
    const msg = raw as { type: string };
    if (msg.type === 'digest') {
      const entries: Array<[string, string]> = [];
      for (const t of tracker.bus.retainedTopics()) entries.push([t, sha1(tracker.bus.retainedPayload(t) ?? '')]);
      process.send!({ type: 'digest', entries });
    } else if (msg.type === 'idle-start') {
      idle = { cpu: process.cpuUsage(), elu: performance.eventLoopUtilization(), published: tracker.bus.stats.published };
      process.send!({ type: 'idle-started' });
    } else if (msg.type === 'idle-stop' && idle) {
      const cpu = process.cpuUsage(idle.cpu);
      const stopped: IdleStopped = {
        type: 'idle-stopped',
        cpuUs: cpu.user + cpu.system,
        elu: performance.eventLoopUtilization(idle.elu).utilization,
        heapMB: process.memoryUsage().heapUsed / 1_048_576,
        publishes: tracker.bus.stats.published - idle.published,
      };
      process.send!(stopped);
    } else if (msg.type === 'collect') {
      // What the start-up left behind that is not garbage: heap and RSS after full collections.
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      setTimeout(() => {
        const m = process.memoryUsage();
        process.send!({ type: 'collected', heapMB: gc ? m.heapUsed / 1_048_576 : NaN, rssMB: gc ? m.rss / 1_048_576 : NaN });
      }, 500);
    }
  });
  // The orchestrator ends this process (SIGKILL: its data dir is a throw-away copy).
  process.on('disconnect', () => process.exit(0));
}

async function main(): Promise<void> {
  const mainAt = epoch();
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: cold-target.js <dir>');
  await start(dir, mainAt);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench cold target failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
