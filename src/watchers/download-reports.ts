/**
 * What every download-client watcher tells the engine about the downloads it follows, and
 * when: one reading per tracked download per cycle goes in, the events worth sending come out.
 * The clients differ in how they are read (qBittorrent's deltas, Transmission's recently-active
 * list, SABnzbd's queue and history); what is worth an event is the same for all of them:
 *
 * - `download_progress` when something meaningful changed since the last one sent for that
 *   download: progress by ≥ PROGRESS_STEP, completion, the client's state, or REFRESH_MS passed
 *   while it is downloading (so speed and ETA stay fresh);
 * - `stuck` when its plain-words problem changes (`reason: null` when it clears);
 * - `download_failed` once per failure text (the download stopped for good until someone acts;
 *   progress events would reopen the request, so only the failure is sent);
 * - a download gone from the client before it finished: `download_progress` with
 *   `removed: true` and the client's "removed" reason as a stuck flag.
 *
 * All events of a cycle go to the sink in one `ingest` call, and the "last sent" memory only
 * moves once that call succeeded: a cycle whose events were refused is told again in full.
 */
import type { UnstampedEvent } from '../domain/events.js';
import type { EventSink } from '../engine/ports.js';

/** Minimum progress change worth an event. */
export const PROGRESS_STEP = 0.001;
/** While downloading, resend at least this often so speed and ETA stay fresh. */
export const REFRESH_MS = 60_000;

/** The download's figures as a `download_progress` event carries them. */
export interface DownloadFields {
  progress: number;
  speed_bps: number | null;
  eta_s: number | null;
  size: number | null;
  complete: boolean;
  client_state?: string | null;
  seeds?: number | null;
  size_left?: number | null;
}

export interface DownloadReading {
  fields: DownloadFields;
  /** The plain-words problem while it lasts, null when there is none, undefined to leave the flag as it is. */
  stuck?: string | null;
  /** A failure that stopped the download for good, in the client's words, else null. */
  failed?: string | null;
}

interface Sent {
  progress: number;
  complete: boolean;
  state: string;
  atMs: number;
  stuck: string | null;
  failed: string | null;
  removed: boolean;
}

export interface DownloadReportsOptions {
  /** The integration id, as the events' `source`. */
  source: string;
  /** The instance's name: event keys are per instance. */
  instance: string;
  /** Said on every progress event when the client has one protocol. */
  protocol?: 'torrent' | 'usenet';
  /** The client's words for a download removed before it finished. */
  removedReason: string;
  /** Whether the download is moving, so its speed and ETA are worth refreshing. */
  downloading(fields: DownloadFields, state: string): boolean;
}

export class DownloadReports {
  private readonly sent = new Map<string, Sent>();
  private readonly base: string;

  constructor(private readonly opts: DownloadReportsOptions) {
    this.base = `${opts.source}:${opts.instance}`;
  }

  /** Whether the download was last reported removed from this client (it is still this client's). */
  wasRemoved(id: string): boolean {
    return this.sent.get(id)?.removed === true;
  }

  /** Whether anything was reported about the download. */
  has(id: string): boolean {
    return this.sent.has(id);
  }

  /** Forgets every download (nothing is tracked any more). */
  clear(): void {
    this.sent.clear();
  }

  /** A cycle at `nowMs`: add readings and removals, then `commit`. */
  cycle(nowMs: number): DownloadCycle {
    return new DownloadCycle(this, nowMs);
  }

  /** @internal */
  last(id: string): Sent | undefined {
    return this.sent.get(id);
  }

  /** @internal */
  apply(updates: ReadonlyMap<string, Sent>, keep: (id: string, removed: boolean) => boolean): void {
    for (const [id, s] of updates) this.sent.set(id, s);
    for (const [id, s] of this.sent) if (!keep(id, s.removed)) this.sent.delete(id);
  }

  /** @internal */
  progressEvent(id: string, f: DownloadFields, state: string, extra: Partial<UnstampedEvent & { kind: 'download_progress' }> = {}): UnstampedEvent {
    const { protocol } = this.opts;
    return {
      kind: 'download_progress',
      key: `${this.base}:${id}:${f.progress.toFixed(3)}:${state}`,
      source: this.opts.source,
      match: { hash: id, scope: 'active' },
      hash: id,
      ...f,
      ...(protocol ? { protocol } : {}),
      ...extra,
    } as UnstampedEvent;
  }

  /** @internal */
  failedEvent(id: string, progress: number, message: string): UnstampedEvent {
    return {
      kind: 'download_failed',
      key: `${this.base}:${id}:failed:${progress.toFixed(3)}:${message}`,
      source: this.opts.source,
      match: { hash: id, scope: 'active' },
      hash: id,
      message,
      episodes: [],
    };
  }

  /** @internal */
  stuckEvent(id: string, reason: string | null): UnstampedEvent {
    return { kind: 'stuck', key: `${this.base}:${id}:stuck:${reason ?? 'cleared'}`, source: this.opts.source, match: { hash: id, scope: 'active' }, reason };
  }

  /** @internal */
  get options(): DownloadReportsOptions {
    return this.opts;
  }
}

export class DownloadCycle {
  private readonly events: UnstampedEvent[] = [];
  private readonly updates = new Map<string, Sent>();

  constructor(
    private readonly reports: DownloadReports,
    private readonly nowMs: number,
  ) {}

  /** The download as the client shows it now. */
  present(id: string, reading: DownloadReading): void {
    const r = this.reports;
    const last = r.last(id);
    const f = reading.fields;
    const state = f.client_state ?? 'unknown';
    const failed = reading.failed ?? null;
    let next: Sent | undefined;
    if (failed !== null) {
      if (failed !== (last?.failed ?? null)) {
        this.events.push(r.failedEvent(id, f.progress, failed));
        next = { progress: f.progress, complete: false, state, atMs: this.nowMs, stuck: last?.stuck ?? null, failed, removed: false };
      }
    } else if (this.worthSending(last, f, state)) {
      this.events.push(r.progressEvent(id, f, state));
      next = { progress: f.progress, complete: f.complete, state, atMs: this.nowMs, stuck: last?.stuck ?? null, failed: null, removed: false };
    }
    const reason = reading.stuck === undefined ? (last?.stuck ?? null) : reading.stuck;
    const base = next ?? last;
    if (reason !== (last?.stuck ?? null) && base) {
      this.events.push(r.stuckEvent(id, reason));
      next = { ...base, stuck: reason };
    }
    if (next) this.updates.set(id, next);
  }

  /**
   * The download left the client. Unless it had finished, failed or was already reported gone,
   * it is reported removed, at its last known figures (`fields`, else what was last sent).
   */
  removed(id: string, fields?: DownloadFields): void {
    const r = this.reports;
    const last = r.last(id);
    if (fields?.complete || last?.complete || last?.removed || last?.failed) return;
    if (!fields && !last) return;
    const f: DownloadFields = fields ?? { progress: last!.progress, speed_bps: null, eta_s: null, size: null, complete: false, client_state: 'removed' };
    const reason = r.options.removedReason;
    this.events.push(r.progressEvent(id, { ...f, speed_bps: null, eta_s: null }, 'removed', { removed: true }));
    this.events.push(r.stuckEvent(id, reason));
    this.updates.set(id, { progress: f.progress, complete: false, state: 'removed', atMs: this.nowMs, stuck: reason, failed: null, removed: true });
  }

  /**
   * Sends the cycle's events in one call; only then does the memory move. `keep` says which
   * downloads to remember (the others are forgotten: no longer tracked, or gone from the client).
   */
  async commit(sink: EventSink, keep: (id: string, removed: boolean) => boolean): Promise<void> {
    if (this.events.length) await sink.ingest(this.events);
    this.reports.apply(this.updates, keep);
  }

  private worthSending(last: Sent | undefined, f: DownloadFields, state: string): boolean {
    if (!last || last.removed || last.failed !== null) return true;
    if (Math.abs(f.progress - last.progress) >= PROGRESS_STEP - 1e-9) return true;
    if (f.complete !== last.complete) return true;
    if (state !== last.state) return true;
    return !f.complete && this.reports.options.downloading(f, state) && this.nowMs - last.atMs >= REFRESH_MS;
  }
}
