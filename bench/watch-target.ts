/**
 * A real tracker for the watcher benchmarks (watch.ts), in its own process: durable storage in
 * a temp data dir, the embedded MQTT broker, the webhook routes, and the watchers the options
 * ask for (qBittorrent and/or Jellyfin, pointed at the upstream fakes in the orchestrator).
 *
 * With `tracked > 0`, the tracked requests are stored first by a tracker without any service
 * configured (webhook bodies parsed by the real adapters, fed to `engine.ingest()`), which is
 * then stopped: the measured tracker starts on that data dir as after a restart, so its very
 * first poll cycles already see every tracked request.
 *
 * IPC protocol with the orchestrator:
 *   child  → { type: 'prepared', requests }            the data dir holds the tracked requests
 *   parent → { type: 'start' }   / child → { type: 'ready', webhookUrl, mqttUrl, secret, statuses }
 *            (after the first cycle of every service watcher)
 *   parent → { type: 'poke', name, advanceMs? } / child → { type: 'poked', status, ms }   one cycle,
 *            awaited (with a simulated clock, first moved forward by `advanceMs`)
 *   parent → { type: 'finish' } / child → { type: 'final' }, then stops, removes the dir, exits.
 */
import { performance } from 'node:perf_hooks';
import { Tracker } from '../src/app.js';
import { createLogger, setLogLevel } from '../src/log.js';
import type { WatcherStatus } from '../src/watchers/loop.js';
import { benchOptions, parseHooks } from './prepop.js';
import { scratchDir } from './scratch.js';
import { tracked, trackedHooks } from './watch-population.js';

export const WATCH_SECRET = 'bench-watch-secret-0123456789abcdef';

export interface WatchTargetConfig {
  name: string;
  /** Service options (`qbittorrent`, `jellyfin`) and `intervals`, as in the add-on options. */
  services: Record<string, unknown>;
  /** Tracked requests stored before the measured tracker starts (0: none). */
  tracked: number;
  /**
   * Give the measured tracker a clock that `poke` messages can advance (`advanceMs`), so that
   * back-to-back cycles see the time of real polling at a given interval.
   */
  simulatedClock?: boolean;
}

export interface WatchReady {
  type: 'ready';
  webhookUrl: string;
  mqttUrl: string;
  secret: string;
  statuses: WatcherStatus[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '') as WatchTargetConfig;
  setLogLevel('error');
  const log = createLogger('bench');
  let tracker: Tracker | null = null;
  const { dir: dataDir, shutdown, exitOnDisconnect } = await scratchDir('media-tracker-bench-watch-', () => tracker);
  let offsetMs = 0;
  const clock = config.simulatedClock ? () => new Date(Date.now() + offsetMs) : undefined;
  exitOnDisconnect();

  try {
    // ---- The tracked requests, stored by a tracker without services.
    let requests = 0;
    if (config.tracked > 0) {
      const pre = new Tracker({ options: benchOptions(dataDir, { webhook_secret: WATCH_SECRET }), durable: true, host: '127.0.0.1', log });
      await pre.start();
      const events = parseHooks(trackedHooks(tracked(config.tracked)), { anime: pre.options.anime });
      for (let i = 0; i < events.length; i += 500) await pre.engine.ingest(events.slice(i, i + 500));
      requests = pre.engine.index.size;
      await pre.stop();
    }
    process.send!({ type: 'prepared', requests });

    process.on('message', async (raw: unknown) => {
      const msg = raw as { type: string; name?: string; advanceMs?: number };
      try {
        if (msg.type === 'start') {
          tracker = new Tracker({ options: benchOptions(dataDir, { webhook_secret: WATCH_SECRET, ...config.services }), durable: true, host: '127.0.0.1', log, ...(clock ? { clock } : {}) });
          await tracker.start();
          // The first cycle of every service watcher runs at start; wait for it to end.
          const services = tracker.watchers.filter((w) => w.name !== 'stuck');
          const deadline = Date.now() + 60_000;
          while (services.some((w) => w.status().last_ok === null && w.status().last_error === null)) {
            if (Date.now() > deadline) throw new Error('the first watcher cycles did not end within 60 s');
            await sleep(5);
          }
          const ready: WatchReady = {
            type: 'ready',
            webhookUrl: tracker.endpoints.webhookUrl,
            mqttUrl: tracker.endpoints.mqttUrl,
            secret: WATCH_SECRET,
            statuses: services.map((w) => w.status()),
          };
          process.send!(ready);
        } else if (msg.type === 'poke') {
          const w = tracker?.watchers.find((x) => x.name === msg.name);
          if (!w?.poke) throw new Error(`no watcher "${msg.name}" to poke`);
          if (clock && msg.advanceMs) offsetMs += msg.advanceMs;
          const t0 = performance.now();
          await w.poke();
          process.send!({ type: 'poked', status: w.status(), ms: performance.now() - t0 });
        } else if (msg.type === 'finish') {
          await shutdown();
          process.send!({ type: 'final' }, () => process.exit(0));
        }
      } catch (err) {
        process.stderr.write(`bench watch target ${config.name} failed: ${String((err as Error)?.stack ?? err)}\n`);
        await shutdown();
        process.exit(1);
      }
    });
  } catch (err) {
    await shutdown();
    throw err;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench watch target failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
