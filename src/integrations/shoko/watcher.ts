/**
 * Shoko watcher: a SignalR client of Shoko's aggregate hub (docs/upstreams.md §6.1–6.3) that
 * turns file events into `anime_match` events, plus REST look-ups for what the hub cannot
 * tell (import folder paths, events lost while disconnected). This class only wires and
 * reports the parts:
 * - connection.ts: the hub connection (reconnect, backoff) and the shared health;
 * - events.ts: hub events → normalised events, coalesced into one `ingest` per window;
 * - folders.ts: import folder paths, to make the events' relative paths absolute;
 * - catchup.ts: the REST catch-up after a (re)connect, periodically, and for re-checks.
 */
import { registerSecret, type Logger } from '../../log.js';
import type { Watcher, WatcherStatus } from '../../watchers/loop.js';
import type { EventSink, TrackedView } from '../../watchers/types.js';
import { AwaitingFiles, ShokoCatchUp } from './catchup.js';
import { ShokoClient } from './client.js';
import { DEFAULT_RECONNECT_DELAYS_MS, ShokoHealth, ShokoHubConnection } from './connection.js';
import { ShokoHubEvents } from './events.js';
import { ImportFolders } from './folders.js';

export interface ShokoWatcherOptions {
  url: string;
  apiKey: string;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** Delays of SignalR's automatic reconnect; the outer loop backs off between the smallest non-zero and the largest. */
  reconnectDelaysMs?: number[];
  /** Events arriving within this window are ingested together (default 250 ms). */
  coalesceMs?: number;
  /** REST look-ups per catch-up pass (default 10). */
  catchupLimit?: number;
  /** Periodic catch-up while connected (default 5 min; 0 = only after a (re)connect). */
  catchupIntervalMs?: number;
  /** Delay before re-checking files that were waiting for cross-references (default 2 s). */
  recheckDelayMs?: number;
  /** REST timeout (default 15 s). */
  timeoutMs?: number;
}

export type ShokoWatcher = Watcher & { connected(): boolean };

export function createShokoWatcher(opts: ShokoWatcherOptions): ShokoWatcher {
  return new ShokoSignalRWatcher(opts);
}

export class ShokoSignalRWatcher implements ShokoWatcher {
  readonly name = 'shoko';
  readonly client: ShokoClient;
  private readonly health: ShokoHealth;
  private readonly folders: ImportFolders;
  private readonly catchup: ShokoCatchUp;
  private readonly events: ShokoHubEvents;
  private readonly hub: ShokoHubConnection;
  private stopped = true;

  constructor(opts: ShokoWatcherOptions) {
    registerSecret(opts.apiKey);
    const { log, sink, view } = opts;
    const health = (this.health = new ShokoHealth(opts.clock ?? (() => new Date())));
    this.client = new ShokoClient({ url: opts.url, apiKey: opts.apiKey, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    const folders = (this.folders = new ImportFolders(this.client, log, health));
    const awaiting = new AwaitingFiles();
    const catchup = (this.catchup = new ShokoCatchUp({
      client: this.client,
      view,
      sink,
      log,
      health,
      folders,
      awaiting,
      limit: opts.catchupLimit ?? 10,
      intervalMs: opts.catchupIntervalMs ?? 5 * 60_000,
      recheckDelayMs: opts.recheckDelayMs ?? 2_000,
    }));
    const events = (this.events = new ShokoHubEvents({ view, sink, log, health, folders, awaiting, coalesceMs: opts.coalesceMs ?? 250, onRecheck: () => catchup.scheduleRecheck() }));
    this.hub = new ShokoHubConnection({
      url: opts.url,
      apiKey: opts.apiKey,
      log,
      health,
      delays: opts.reconnectDelaysMs?.length ? opts.reconnectDelaysMs : DEFAULT_RECONNECT_DELAYS_MS,
      onInvocation: (name, args) => events.receive(name, args),
      onConnected: (again) => {
        void folders.refresh().catch(() => undefined);
        void catchup.run(again ? 'reconnect' : 'connect');
      },
      onReconnected: () => void catchup.run('reconnect'),
    });
  }

  get counters(): ShokoHealth['counters'] {
    return this.health.counters;
  }

  connected(): boolean {
    return this.health.connected;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.hub.start();
    this.catchup.start();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.catchup.stop();
    await this.hub.stop();
    await this.catchup.settled();
    // What already arrived is still delivered.
    await this.events.drain();
    this.health.setState('Stopped', false);
  }

  /** Flushes the coalescing buffer now (tests, the demo). */
  poke(): Promise<void> {
    return this.events.flush();
  }

  /** One bounded catch-up pass now; concurrent calls share it (tests). */
  catchUp(why: string): Promise<void> {
    return this.catchup.run(why);
  }

  status(): WatcherStatus {
    const h = this.health;
    return {
      name: this.name,
      healthy: h.connected,
      last_ok: h.lastOk,
      last_error: h.lastError,
      detail: {
        connected: h.connected,
        state: h.state,
        events_received: h.counters.events_received,
        last_event_at: h.lastEventAt,
        reconnects: h.counters.reconnects,
        /** Fresh connections (the first, and each one the outer loop started after a close). */
        connects: h.counters.connects,
        catchups: h.counters.catchups,
        invalid: h.counters.invalid,
        ignored: h.counters.ignored,
        unmatched: h.counters.unmatched,
        emitted: h.counters.emitted,
        import_folders: this.folders.size,
      },
    };
  }
}
