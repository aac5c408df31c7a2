/**
 * One poll-driven watcher per SABnzbd instance. Each cycle is at most two requests, whatever the
 * number of tracked downloads: `mode=queue` and `mode=history`, both filtered to the tracked
 * jobs (`nzo_ids`). History goes with `last_history_update`, so an unchanged history costs an
 * answer of `{"history": false}`; it is read in full again when a new job is tracked and at
 * least every `HISTORY_REFRESH_MS` (SABnzbd's counter restarts at 1 when SABnzbd restarts).
 * With no SABnzbd job tracked, a cycle is one `mode=queue&limit=1` (reachable, key accepted).
 *
 * The queue is read first: a job that finishes between the two requests is then found in the
 * history, never in neither. Per tracked job:
 * - in the queue: a `download_progress` (DOWNLOADING) when something meaningful changed, and a
 *   `stuck` event when its plain-words problem changes (paused, queue paused, missing articles);
 * - in the history, Completed: a `download_progress` with `complete: true` (DOWNLOADED);
 *   post-processing: progress 1, not complete; Failed: a `download_failed` with SABnzbd's
 *   `fail_message` in plain words (FAILED), once;
 * - gone from both after this instance saw it in its queue: `removed: true` and a stuck reason.
 * All events of a cycle go to the sink in one `ingest` call; the "last sent" memory only moves
 * once that call succeeded.
 */
import { registerSecret } from '../../log.js';
import { DownloadReports } from '../../watchers/download-reports.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { type HistorySlot, SabClient } from './client.js';
import { failureMessage, historyFields, isFailed, nzoIdOf, queueFields, REMOVED_REASON, stuckReason } from './map.js';
import type { SabInstance } from './options.js';

export type { SabInstance } from './options.js';

export interface SabnzbdWatcherOptions extends PollOptions {
  instances: readonly SabInstance[];
}

/** The history is read in full (without `last_history_update`) at least this often. */
export const HISTORY_REFRESH_MS = 300_000;

export function createSabnzbdWatchers(opts: SabnzbdWatcherOptions): SabnzbdWatcher[] {
  return opts.instances.map((inst) => new SabnzbdWatcher(inst, opts));
}

export class SabnzbdWatcher extends PolledWatcher {
  readonly name: string;
  readonly client: SabClient;
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  private readonly reports: DownloadReports;
  /** The last history answer for the tracked jobs (lower-case id → slot), reused while SABnzbd says "unchanged". */
  private history = new Map<string, HistorySlot>();
  private historyCounter: number | null = null;
  private historyIds = new Set<string>();
  private historyAtMs = 0;
  /** Tracked ids (lower-case) its last successful cycle asked SABnzbd about. */
  private lookedFor = new Set<string>();
  private trackedPresent = 0;
  private version: string | null = null;
  private announced = false;

  constructor(
    inst: SabInstance,
    private readonly opts: SabnzbdWatcherOptions,
  ) {
    super();
    registerSecret(inst.api_key);
    this.name = `sabnzbd/${inst.name}`;
    this.clock = opts.clock ?? (() => new Date());
    this.client = new SabClient({ name: inst.name, url: inst.url, apiKey: inst.api_key, timeoutMs: opts.timeoutMs });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
    this.reports = new DownloadReports({
      source: 'sabnzbd',
      instance: inst.name,
      protocol: 'usenet',
      removedReason: REMOVED_REASON,
      // SABnzbd gives a speed only to the job it is downloading.
      downloading: (f) => f.speed_bps !== null,
    });
  }

  /**
   * It follows this download itself (the *arr's downloadId, compared case-insensitively): a job
   * it found in its queue or history, or a SABnzbd id it has not asked about yet while it answers
   * (a grab since its last poll), so the PVR's queue does not report what this watcher is about
   * to. An id it asked about and did not find (another instance's job), or any while it is
   * failing, is left to the PVR's queue.
   */
  covers(downloadId: string): boolean {
    const id = downloadId.trim().toLowerCase();
    if (this.reports.has(id)) return true;
    return this.loop.healthy && nzoIdOf(id) !== null && !this.lookedFor.has(id);
  }

  protected override detail(): Record<string, unknown> {
    return { tracked: this.trackedPresent, version: this.version };
  }

  private async cycle(): Promise<void> {
    const tracked = new Map<string, string>();
    for (const h of this.opts.view.trackedHashes()) {
      const id = nzoIdOf(h);
      if (id) tracked.set(id.toLowerCase(), id);
    }
    const ids = [...tracked.values()].sort();
    const queue = await this.client.queue(ids);
    this.version = queue.version ?? this.version;
    if (!this.announced) {
      this.announced = true;
      this.opts.log.info(`${this.name}: connected (SABnzbd ${this.version ?? 'unknown'})`);
    }
    const nowMs = this.clock().getTime();
    if (ids.length) await this.readHistory(tracked, nowMs);
    else this.history.clear();

    const slots = new Map(queue.slots.map((s) => [s.nzo_id.toLowerCase(), s]));
    const cycle = this.reports.cycle(nowMs);
    let present = 0;
    for (const id of tracked.keys()) {
      const slot = slots.get(id);
      const done = slot ? undefined : this.history.get(id);
      if (slot) {
        present++;
        cycle.present(id, { fields: queueFields(slot, queue), stuck: stuckReason(slot, queue) });
      } else if (done) {
        present++;
        if (isFailed(done)) cycle.present(id, { fields: historyFields(done), failed: failureMessage(done) });
        else cycle.present(id, { fields: historyFields(done), stuck: null });
      } else {
        // Gone from this instance after it was seen here, before it finished: removed.
        cycle.removed(id);
      }
    }
    this.trackedPresent = present;
    // Forget what is no longer tracked (closed requests).
    await cycle.commit(this.opts.sink, (id) => tracked.has(id));
    this.lookedFor = new Set(tracked.keys());
  }

  /** One `mode=history` for the tracked jobs; incremental while the tracked set only shrinks and the last full read is recent. */
  private async readHistory(tracked: ReadonlyMap<string, string>, nowMs: number): Promise<void> {
    const grown = [...tracked.keys()].some((id) => !this.historyIds.has(id));
    const fresh = nowMs - this.historyAtMs < HISTORY_REFRESH_MS;
    const since = !grown && fresh ? this.historyCounter : null;
    const answer = await this.client.history([...tracked.values()].sort(), since);
    if (answer === null) {
      for (const id of this.history.keys()) if (!tracked.has(id)) this.history.delete(id);
      return;
    }
    this.history = new Map(answer.slots.map((s) => [s.nzo_id.toLowerCase(), s]));
    this.historyCounter = answer.lastUpdate;
    this.historyIds = new Set(tracked.keys());
    if (since === null) this.historyAtMs = nowMs;
  }
}
