/**
 * A poll loop that never overlaps itself, backs off after failures (up to 8× the
 * interval) and keeps the health a watcher reports on `media/bridge/info`.
 */
import type { EventSink, TrackedView } from '../engine/ports.js';
import { errorMessage, type Logger } from '../log.js';

import type { WatcherStatus } from '../contract/index.js';

/** As published in `media/bridge/info` (the contract's shape). */
export type { WatcherStatus };

/** What every polled watcher is built with. */
export interface PollOptions {
  intervalS: number;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** HTTP timeout per request (default 15 s). */
  timeoutMs?: number;
}

export interface Watcher {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  status(): WatcherStatus;
  /** Runs one cycle now (after a webhook hint, or from tests); resolves when it is done. */
  poke?(): Promise<void>;
}

export class PollLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private failures = 0;
  private stopped = true;
  lastOk: string | null = null;
  lastError: string | null = null;
  cycles = 0;

  constructor(
    private readonly name: string,
    /** Between cycles; a function is asked again after every cycle. */
    private readonly interval: number | (() => number),
    private readonly cycle: () => Promise<void>,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  get healthy(): boolean {
    return this.failures === 0 && this.lastOk !== null;
  }

  /** Runs a cycle now, or waits for the one in flight. */
  run(): Promise<void> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        await this.cycle();
        this.cycles++;
        if (this.failures > 0) this.log.info(`${this.name}: recovered`);
        this.failures = 0;
        this.lastOk = this.clock().toISOString();
      } catch (err) {
        this.failures++;
        this.lastError = `${this.clock().toISOString()} ${errorMessage(err)}`;
        // Log the first failure and then every tenth, so an outage does not flood the log.
        if (this.failures === 1 || this.failures % 10 === 0) this.log.warning(`${this.name}: ${errorMessage(err)} (failure ${this.failures})`);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.run();
      const backoff = Math.min(8, 2 ** Math.max(0, this.failures - 1));
      const intervalMs = typeof this.interval === 'number' ? this.interval : this.interval();
      this.schedule(this.failures ? intervalMs * backoff : intervalMs);
    }, delayMs);
    this.timer.unref();
  }
}

/** A watcher driven by one PollLoop: starting, stopping, poking and its health all come from the loop. */
export abstract class PolledWatcher implements Watcher {
  abstract readonly name: string;
  protected abstract readonly loop: PollLoop;

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  poke(): Promise<void> {
    return this.loop.run();
  }

  status(): WatcherStatus {
    const detail = this.detail();
    return { name: this.name, healthy: this.loop.healthy, last_ok: this.loop.lastOk, last_error: this.loop.lastError, ...(detail ? { detail } : {}) };
  }

  /** What the watcher adds to its status on `media/bridge/info`. */
  protected detail(): Record<string, unknown> | undefined {
    return undefined;
  }
}
