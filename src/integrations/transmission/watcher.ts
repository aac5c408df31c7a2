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
import type { UnstampedEvent } from '../../domain/events.js';
import { registerSecret } from '../../log.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { TrClient, type TorrentGet, type TrTorrent } from './client.js';
import { failure, progressFields, REMOVED_REASON, stuckReason, type ProgressFields } from './map.js';
import type { TrInstance } from './options.js';

export type { TrInstance } from './options.js';

export interface TransmissionWatcherOptions extends PollOptions {
  instances: readonly TrInstance[];
}

/** Minimum progress change worth an event. */
export const PROGRESS_STEP = 0.001;
/** While downloading, resend at least this often so speed and ETA stay fresh. */
export const REFRESH_MS = 60_000;
/** A read further than this from the last one may have missed part of the 60 s "recently active" window. */
export const RECENT_WINDOW_MS = 45_000;
/** A full read now and then, whatever happened. */
export const FULL_EVERY_MS = 10 * 60_000;

interface Sent {
  progress: number;
  complete: boolean;
  state: string;
  atMs: number;
  stuck: string | null;
  failed: string | null;
  removed: boolean;
}

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
  private readonly sent = new Map<string, Sent>();
  /** Torrents gone whose events the sink has not taken yet (it failed): told again on the next cycle. */
  private pendingGone: TrTorrent[] = [];
  private lastReadMs: number | null = null;
  private lastFullMs: number | null = null;
  private fullNext = true;
  private trackedPresent = 0;
  private announced = false;
  readonly reads = { full: 0, recent: 0 };

  constructor(
    private readonly inst: TrInstance,
    private readonly opts: TransmissionWatcherOptions,
  ) {
    super();
    registerSecret(inst.password);
    this.name = `transmission/${inst.name}`;
    this.clock = opts.clock ?? (() => new Date());
    this.client = new TrClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: opts.timeoutMs });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
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
    const events: UnstampedEvent[] = [];
    const updates = new Map<string, Sent>();
    const base = `transmission:${this.inst.name}`;

    for (const t of gone) {
      const hash = t.hashString;
      if (!tracked.has(hash) || this.cache.has(hash)) continue;
      const f = progressFields(t);
      const last = this.sent.get(hash);
      if (f.complete || last?.complete || last?.removed) continue;
      events.push({
        kind: 'download_progress',
        key: `${base}:${hash}:${f.progress.toFixed(3)}:removed`,
        source: 'transmission',
        match: { hash, scope: 'active' },
        hash,
        ...f,
        speed_bps: null,
        eta_s: null,
        removed: true,
      });
      events.push(this.stuckEvent(hash, REMOVED_REASON));
      updates.set(hash, { progress: f.progress, complete: false, state: 'removed', atMs: nowMs, stuck: REMOVED_REASON, failed: null, removed: true });
    }

    let present = 0;
    for (const hash of tracked) {
      const t = this.cache.get(hash);
      if (!t) continue;
      present++;
      const f = progressFields(t);
      const last = this.sent.get(hash);
      const state = f.client_state ?? 'unknown';
      const failed = failure(t);
      let next: Sent | undefined;
      if (failed !== null) {
        // A local error: the download stopped for good until someone acts. Progress events would
        // reopen the request, so only the failure is sent, once per error text.
        if (failed !== (last?.failed ?? null)) {
          events.push({
            kind: 'download_failed',
            key: `${base}:${hash}:failed:${f.progress.toFixed(3)}:${failed}`,
            source: 'transmission',
            match: { hash, scope: 'active' },
            hash,
            message: failed,
            episodes: [],
          });
          next = { progress: f.progress, complete: false, state, atMs: nowMs, stuck: last?.stuck ?? null, failed, removed: false };
        }
      } else if (shouldEmit(last, f, state, nowMs)) {
        events.push({ kind: 'download_progress', key: `${base}:${hash}:${f.progress.toFixed(3)}:${state}`, source: 'transmission', match: { hash, scope: 'active' }, hash, ...f });
        next = { progress: f.progress, complete: f.complete, state, atMs: nowMs, stuck: last?.stuck ?? null, failed: null, removed: false };
      }
      const reason = stuckReason(t);
      if (reason !== (last?.stuck ?? null)) {
        events.push(this.stuckEvent(hash, reason));
        next = { ...(next ?? (last as Sent)), stuck: reason };
      }
      if (next) updates.set(hash, next);
    }
    this.trackedPresent = present;

    if (events.length) await this.opts.sink.ingest(events);
    for (const [hash, s] of updates) this.sent.set(hash, s);
    // Forget what is no longer tracked (closed requests) or no longer known at all.
    for (const hash of this.sent.keys()) {
      if (!tracked.has(hash) || (!this.cache.has(hash) && !this.sent.get(hash)?.removed)) this.sent.delete(hash);
    }
  }

  private stuckEvent(hash: string, reason: string | null): UnstampedEvent {
    return {
      kind: 'stuck',
      key: `transmission:${this.inst.name}:${hash}:stuck:${reason ?? 'cleared'}`,
      source: 'transmission',
      match: { hash, scope: 'active' },
      reason,
    };
  }
}

function shouldEmit(last: Sent | undefined, f: ProgressFields, state: string, nowMs: number): boolean {
  if (!last || last.removed || last.failed !== null) return true;
  if (Math.abs(f.progress - last.progress) >= PROGRESS_STEP - 1e-9) return true;
  if (f.complete !== last.complete) return true;
  if (state !== last.state) return true;
  return !f.complete && state === 'downloading' && nowMs - last.atMs >= REFRESH_MS;
}
