/**
 * The Jellyfin watcher: the only source that may prove a request playable (E1). It wires the
 * parts around one library index and reports them:
 * - poll.ts: the poll cycle (upstream requests per cycle independent of the tracked count);
 * - hints.ts: the webhook plugin's hints, verified against the API and matched at once;
 * - scan.ts: library scans, an explicit and rate-limited action, never periodic (D7);
 * - holders.ts: which requests hold which items, for deletions.
 */
import type { JellyfinHint } from './adapter.js';
import { registerSecret } from '../../log.js';
import { PolledWatcher, PollLoop, type PollOptions, type Watcher } from '../../watchers/loop.js';
import { JellyfinClient } from './client.js';
import { JellyfinHints, type HintOutcome } from './hints.js';
import { RequestHolders } from './holders.js';
import { LibraryIndex } from './library.js';
import { JellyfinPoller, type PollTuning } from './poll.js';
import { LibraryScans, type LibraryRefreshOutcome } from './scan.js';

export type { HintOutcome } from './hints.js';
export type { LibraryRefreshOutcome } from './scan.js';

export interface JellyfinWatcherOptions extends PollTuning, PollOptions {
  url: string;
  apiKey: string;
  /** Extra attempts inside one call on network errors/5xx (default 0: the poll loop backs off). */
  retries?: number;
  minRetryDelayMs?: number;
  /** At most one library scan per this long (default 10 min). */
  refreshMinIntervalMs?: number;
  /** Timeout of `POST /Library/Refresh`, which answers when the scan ends (default 2 h). */
  refreshTimeoutMs?: number;
}

export type JellyfinWatcherApi = Watcher & {
  onHint(hint: JellyfinHint): Promise<HintOutcome>;
  refreshLibrary(reason: string): Promise<LibraryRefreshOutcome>;
};

export function createJellyfinWatcher(opts: JellyfinWatcherOptions): JellyfinWatcher {
  return new JellyfinWatcher(opts);
}

export class JellyfinWatcher extends PolledWatcher implements JellyfinWatcherApi {
  readonly name = 'jellyfin';
  readonly client: JellyfinClient;
  readonly library = new LibraryIndex();
  protected readonly loop: PollLoop;
  private readonly poller: JellyfinPoller;
  private readonly hints: JellyfinHints;
  private readonly scans: LibraryScans;

  constructor(opts: JellyfinWatcherOptions) {
    super();
    registerSecret(opts.apiKey);
    const clock = opts.clock ?? (() => new Date());
    const { log, sink, view } = opts;
    this.client = new JellyfinClient({
      url: opts.url,
      apiKey: opts.apiKey,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      minRetryDelayMs: opts.minRetryDelayMs,
      refreshTimeoutMs: opts.refreshTimeoutMs,
    });
    const holders = new RequestHolders(view);
    const shared = { client: this.client, library: this.library, holders, view, sink, clock };
    this.poller = new JellyfinPoller({ ...shared, name: this.name, log }, opts);
    this.hints = new JellyfinHints(shared);
    this.scans = new LibraryScans(this.name, this.client, log, clock, opts.refreshMinIntervalMs ?? 10 * 60_000);
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.poller.cycle(), log, clock);
  }

  /** The library scan started by `refreshLibrary`, while it runs (tests await it). */
  get libraryScan(): Promise<void> | null {
    return this.scans.current;
  }

  /** Upstream requests made by the last completed cycle. */
  get lastCycleRequests(): number {
    return this.poller.lastCycleRequests;
  }

  protected override detail(): Record<string, unknown> {
    return {
      server_version: this.poller.serverVersion,
      ...this.library.stats(),
      library_scan: this.scans.detail(),
    };
  }

  onHint(hint: JellyfinHint): Promise<HintOutcome> {
    return this.hints.onHint(hint);
  }

  refreshLibrary(reason: string): Promise<LibraryRefreshOutcome> {
    return this.scans.refresh(reason);
  }
}
