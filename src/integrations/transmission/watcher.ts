/**
 * One poll-driven watcher per Transmission instance. Each cycle is one `torrent-get` (plus the
 * 409 session handshake when the id is missing or stale), whatever the number of torrents or
 * tracked requests:
 *
 * - the first read, and a read after a gap longer than Transmission's 60 s "recently active"
 *   window (failures, a slow loop), after a daemon restart (ids are per run) and every
 *   `FULL_EVERY_MS`, asks for every torrent: torrents the cache had and the answer lacks are gone;
 * - otherwise `ids: "recently-active"`: the torrents changed in the last 60 s, and `removed`,
 *   the ids deleted then (mapped back to hashes through the cache).
 *
 * For a tracked hash, a `download_progress` event is sent when something meaningful changed
 * (progress by ≥ 0.001, completion, state, or 60 s passed while downloading so speed/ETA stay
 * fresh), a `stuck` event when its plain-words problem changes, and a `download_failed` when a
 * local error (`error 3`) appears. A tracked torrent removed before it finished gets a
 * `download_progress` with `removed: true` and a stuck reason. All events of a cycle go to the
 * sink in one `ingest` call; the "last sent" memory only moves once that call succeeded.
 */
import { registerSecret } from '../../log.js';
import { DownloadReports } from '../../watchers/download-reports.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { TrClient, type TorrentGet, type TrTorrent } from './client.js';
import { failure, progressFields, REMOVED_REASON, stuckReason } from './map.js';
import type { TrInstance } from './options.js';

export type { TrInstance } from './options.js';

export interface TransmissionWatcherOptions extends PollOptions {
  instances: readonly TrInstance[];
}

/** A read further than this from the last one may have missed part of the 60 s "recently active" window. */
export const RECENT_WINDOW_MS = 45_000;
/** A full read now and then, whatever happened. */
export const FULL_EVERY_MS = 10 * 60_000;

export function createTransmissionWatchers(opts: TransmissionWatcherOptions): TransmissionWatcher[] {
  return opts.instances.map((inst) => new TransmissionWatcher(inst, opts));
}

export class TransmissionWatcher extends PolledWatcher {
  readonly name: string;
  readonly client: TrClient;
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  private readonly cache = new Map<string, TrTorrent>();
  private readonly idToHash = new Map<number, string>();
  private readonly reports: DownloadReports;
  /** Torrents gone whose events the sink has not taken yet (it failed): told again on the next cycle. */
  private pendingGone: TrTorrent[] = [];
  private lastReadMs: number | null = null;
  private lastFullMs: number | null = null;
  private fullNext = true;
  private trackedPresent = 0;
  private announced = false;
  readonly reads = { full: 0, recent: 0 };

  constructor(
    inst: TrInstance,
    private readonly opts: TransmissionWatcherOptions,
  ) {
    super();
    registerSecret(inst.password);
    this.name = `transmission/${inst.name}`;
    this.clock = opts.clock ?? (() => new Date());
    this.client = new TrClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: opts.timeoutMs });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
    this.reports = new DownloadReports({
      source: 'transmission',
      instance: inst.name,
      protocol: 'torrent',
      removedReason: REMOVED_REASON,
      downloading: (_f, state) => state === 'downloading',
    });
  }

  /** The torrents known, by lower-case hash (read-only view of the cache). */
  get torrents(): ReadonlyMap<string, TrTorrent> {
    return this.cache;
  }

  /** Whether `downloadId` (an *arr's upper-case hash) is a torrent of this instance. */
  covers(downloadId: string): boolean {
    return this.cache.has(downloadId.toLowerCase());
  }

  protected override detail(): Record<string, unknown> {
    return { torrents: this.cache.size, tracked: this.trackedPresent, version: this.client.version };
  }

  private async cycle(): Promise<void> {
    const nowMs = this.clock().getTime();
    if (!this.announced && this.client.version === null) {
      // The version is only informative: a failure here is not one of the cycle.
      await this.client.session().catch(() => undefined);
    }
    const full = this.fullNext || this.lastReadMs === null || this.lastFullMs === null || nowMs - this.lastReadMs > RECENT_WINDOW_MS || nowMs - this.lastFullMs >= FULL_EVERY_MS;
    const renewals = this.client.renewals;
    const data = await this.client.torrents(full ? 'full' : 'recent');
    // A new session id mid-run means the daemon restarted: its ids were reassigned, so `removed`
    // cannot be mapped; the next read is a full one.
    const restarted = this.client.renewals !== renewals;
    const removed = [...this.pendingGone, ...this.merge(data, full, restarted)];
    this.reads[full ? 'full' : 'recent']++;
    this.lastReadMs = nowMs;
    if (full) this.lastFullMs = nowMs;
    this.fullNext = restarted && !full;
    if (!this.announced) {
      this.announced = true;
      this.opts.log.info(`${this.name}: connected (Transmission ${this.client.version ?? 'version unknown'}, ${this.cache.size} torrents)`);
    }
    this.pendingGone = removed;
    await this.emit(removed, nowMs);
    this.pendingGone = [];
  }

  /** Folds an answer into the cache; returns the torrents gone. */
  private merge(data: TorrentGet, full: boolean, restarted: boolean): TrTorrent[] {
    const seen = new Set<string>();
    for (const t of data.torrents) {
      const hash = t.hashString.toLowerCase();
      seen.add(hash);
      const before = this.cache.get(hash);
      if (before?.id !== undefined && before.id !== t.id) this.idToHash.delete(before.id);
      this.cache.set(hash, { ...t, hashString: hash });
      if (t.id !== undefined) this.idToHash.set(t.id, hash);
    }
    const gone: TrTorrent[] = [];
    if (full) {
      for (const [hash, t] of this.cache) if (!seen.has(hash)) gone.push(t);
    } else if (!restarted) {
      for (const id of data.removed ?? []) {
        const hash = typeof id === 'number' ? this.idToHash.get(id) : id.toLowerCase();
        const t = hash === undefined ? undefined : this.cache.get(hash);
        if (t && !seen.has(t.hashString)) gone.push(t);
      }
    }
    for (const t of gone) {
      this.cache.delete(t.hashString);
      if (t.id !== undefined && this.idToHash.get(t.id) === t.hashString) this.idToHash.delete(t.id);
    }
    if (full) {
      this.idToHash.clear();
      for (const [hash, t] of this.cache) if (t.id !== undefined) this.idToHash.set(t.id, hash);
    }
    return gone;
  }

  private async emit(gone: TrTorrent[], nowMs: number): Promise<void> {
    const tracked = new Set<string>();
    for (const h of this.opts.view.trackedHashes()) tracked.add(h.toLowerCase());
    const cycle = this.reports.cycle(nowMs);
    for (const t of gone) if (tracked.has(t.hashString) && !this.cache.has(t.hashString)) cycle.removed(t.hashString, progressFields(t));
    let present = 0;
    for (const hash of tracked) {
      const t = this.cache.get(hash);
      if (!t) continue;
      present++;
      // A local error stopped the download for good until someone acts: sent once per error text.
      cycle.present(hash, { fields: progressFields(t), stuck: stuckReason(t), failed: failure(t) });
    }
    this.trackedPresent = present;
    // Forget what is no longer tracked (closed requests) or no longer known at all.
    await cycle.commit(this.opts.sink, (hash, removed) => tracked.has(hash) && (removed || this.cache.has(hash)));
  }
}
