/**
 * One poll-driven watcher per NZBGet instance. A cycle, whatever the number of tracked downloads:
 * - one `listgroups` (the whole queue, post-processing included);
 * - one `history`, only when a tracked download is not in the queue and the history may say
 *   something new of it: it was in the queue last cycle, it is newly tracked, or the last full
 *   read is older than `HISTORY_REFRESH_MS`. NZBGet has no history filter or change counter
 *   (docs/download-clients.md §5.2), so a finished download stays cached instead of costing the
 *   whole history every cycle;
 * - `status` (global pause, DownloadRate) at most every `STATUS_REFRESH_MS`, while a tracked
 *   download is in the queue;
 * - with nothing tracked, one `version` (reachable, login accepted).
 *
 * Ids: the *arr's downloadId is the `drone` parameter (§1.6); the per-download samples are kept
 * by NZBID, NZBGet's own key. NZBGet gives no per-item speed: it is measured from two readings of
 * a group's remaining size (else the `status` DownloadRate, shared by ActiveDownloads).
 *
 * Per tracked download:
 * - in the queue: a `download_progress` (DOWNLOADING) when something meaningful changed, and a
 *   `stuck` event when its plain-words problem changes (paused, queue paused, health below
 *   critical, no data arriving for `NO_DATA_MS`);
 * - in the history: SUCCESS/WARNING → `download_progress` complete (DOWNLOADED); FAILURE/DELETED →
 *   one `download_failed` in NZBGet's words (FAILED);
 * - gone from both after this instance saw it: `removed: true` and a stuck reason.
 * All events of a cycle go to the sink in one `ingest` call; the memory only moves once it succeeded.
 */
import { registerSecret } from '../../log.js';
import { DownloadReports } from '../../watchers/download-reports.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { type NzbGroup, type NzbHistoryItem, type NzbStatus, NzbClient } from './client.js';
import { ACTIVE_STATUSES, bytesLeft, downloadIdOf, failureMessage, groupFields, historyFields, historyWarning, isFailed, isNzbgetId, REMOVED_REASON, stuckReason } from './map.js';
import type { NzbInstance } from './options.js';

export type { NzbInstance } from './options.js';

export interface NzbgetWatcherOptions extends PollOptions {
  instances: readonly NzbInstance[];
}

/** The history is read again at least this often while a tracked download is in neither list. */
export const HISTORY_REFRESH_MS = 300_000;
/** `status` is read at most this often. */
export const STATUS_REFRESH_MS = 60_000;
/** A downloading group whose remaining size has not moved for this long gets a stuck reason. */
export const NO_DATA_MS = 180_000;

interface Sample {
  left: number;
  atMs: number;
  /** When the remaining size last moved (or the group last was not downloading). */
  movedAtMs: number;
  speed: number | null;
  flowing: boolean;
}

export function createNzbgetWatchers(opts: NzbgetWatcherOptions): NzbgetWatcher[] {
  return opts.instances.map((inst) => new NzbgetWatcher(inst, opts));
}

export class NzbgetWatcher extends PolledWatcher {
  readonly name: string;
  readonly client: NzbClient;
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  private readonly reports: DownloadReports;
  /** Per NZBID: the last remaining size, for the measured speed and the "no data" finding. */
  private samples = new Map<number, Sample>();
  /** The last history answer for tracked downloads (download id → item). */
  private history = new Map<string, NzbHistoryItem>();
  /** Tracked ids the last history read covered, and when that read was. */
  private historyIds = new Set<string>();
  private historyAtMs = 0;
  /** Tracked ids that were in the queue last cycle. */
  private inQueue = new Set<string>();
  private status_: { at: number; value: NzbStatus } | null = null;
  /** Tracked ids its last successful cycle looked for in the queue and the history. */
  private lookedFor = new Set<string>();
  private trackedPresent = 0;
  private version: string | null = null;
  private announced = false;

  constructor(
    inst: NzbInstance,
    private readonly opts: NzbgetWatcherOptions,
  ) {
    super();
    registerSecret(inst.password);
    this.name = `nzbget/${inst.name}`;
    this.clock = opts.clock ?? (() => new Date());
    this.client = new NzbClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
    this.reports = new DownloadReports({
      source: 'nzbget',
      instance: inst.name,
      protocol: 'usenet',
      removedReason: REMOVED_REASON,
      // NZBGet's speed is measured only for a group that is downloading.
      downloading: (f) => f.speed_bps !== null,
    });
  }

  /**
   * It follows this download itself: an id it found in its queue or history, or an NZBGet-shaped
   * id (a `drone` value) it has not looked for yet while it answers (a grab since its last poll),
   * so the PVR's queue does not report what this watcher is about to. An id it looked for and did
   * not find (another instance's), or any while it is failing, is left to the PVR's queue.
   */
  covers(downloadId: string): boolean {
    const id = downloadId.trim().toLowerCase();
    if (this.reports.has(id)) return true;
    return this.loop.healthy && isNzbgetId(id) && !this.lookedFor.has(id);
  }

  protected override detail(): Record<string, unknown> {
    return { tracked: this.trackedPresent, version: this.version };
  }

  private async cycle(): Promise<void> {
    const tracked = new Set<string>();
    for (const h of this.opts.view.trackedHashes()) {
      const id = h.trim().toLowerCase();
      if (isNzbgetId(id)) tracked.add(id);
    }
    if (!tracked.size) {
      this.version = await this.client.version();
      this.announce();
      this.history.clear();
      this.historyIds.clear();
      this.samples.clear();
      this.inQueue.clear();
      this.lookedFor.clear();
      this.reports.clear();
      this.trackedPresent = 0;
      return;
    }
    const groups = await this.client.listgroups();
    this.announce();
    const queue = new Map<string, NzbGroup>();
    for (const g of groups) {
      const id = downloadIdOf(g);
      if (tracked.has(id)) queue.set(id, g);
    }
    const nowMs = this.clock().getTime();
    const missing = [...tracked].filter((id) => !queue.has(id));
    const stale = nowMs - this.historyAtMs >= HISTORY_REFRESH_MS;
    if (missing.length && (stale || missing.some((id) => this.inQueue.has(id) || !this.historyIds.has(id)))) {
      const items = await this.client.history();
      this.history = new Map();
      for (const item of items) {
        const id = downloadIdOf(item);
        // The newest entry wins (a download sent back to the queue and finished again).
        if (tracked.has(id) && !this.history.has(id)) this.history.set(id, item);
      }
      this.historyIds = new Set(tracked);
      this.historyAtMs = nowMs;
    }
    if (queue.size && (!this.status_ || nowMs - this.status_.at >= STATUS_REFRESH_MS)) this.status_ = { at: nowMs, value: await this.client.status() };
    const status = queue.size ? (this.status_?.value ?? null) : null;

    const { speeds, samples, noData } = this.measure(queue, status, nowMs);
    const cycle = this.reports.cycle(nowMs);
    let present = 0;
    for (const id of tracked) {
      const group = queue.get(id);
      const done = group ? undefined : this.history.get(id);
      if (group) {
        present++;
        cycle.present(id, { fields: groupFields(group, speeds.get(group.NZBID) ?? null, status), stuck: stuckReason(group, status, noData.has(group.NZBID)) });
      } else if (done) {
        present++;
        if (isFailed(done)) cycle.present(id, { fields: historyFields(done), failed: failureMessage(done) });
        else cycle.present(id, { fields: historyFields(done), stuck: historyWarning(done) });
      } else {
        // Gone from both after this instance saw it, before it finished: removed.
        cycle.removed(id);
      }
    }
    this.trackedPresent = present;

    await cycle.commit(this.opts.sink, (id) => tracked.has(id));
    this.samples = samples;
    this.inQueue = new Set(queue.keys());
    this.lookedFor = new Set([...tracked].filter((id) => queue.has(id) || this.historyIds.has(id)));
  }

  /** Speeds from the remaining size two cycles apart (else DownloadRate shared by ActiveDownloads), and groups without data for `NO_DATA_MS`. */
  private measure(queue: ReadonlyMap<string, NzbGroup>, status: NzbStatus | null, nowMs: number) {
    const speeds = new Map<number, number>();
    const samples = new Map<number, Sample>();
    const noData = new Set<number>();
    const active = [...queue.values()].filter((g) => ACTIVE_STATUSES.has(g.Status));
    const connections = active.reduce((n, g) => n + Math.max(1, g.ActiveDownloads ?? 1), 0);
    const rate = status ? rateOf(status) : null;
    const fresh = this.status_ !== null && this.status_.at === nowMs;
    for (const g of queue.values()) {
      const left = bytesLeft(g);
      const prev = this.samples.get(g.NZBID);
      const flowing = ACTIVE_STATUSES.has(g.Status);
      // The clock for "no data" starts when the group starts downloading (again).
      const moved = !prev || prev.left !== left || !flowing || !prev.flowing;
      const dt = prev ? (nowMs - prev.atMs) / 1000 : 0;
      let speed: number | null = prev && dt > 0 ? Math.max(0, (prev.left - left) / dt) : (prev?.speed ?? null);
      if (speed === null && fresh && rate !== null && flowing && connections > 0) speed = (rate * Math.max(1, g.ActiveDownloads ?? 1)) / connections;
      if (speed !== null) speeds.set(g.NZBID, speed);
      const sample: Sample = { left, atMs: nowMs, movedAtMs: moved ? nowMs : (prev?.movedAtMs ?? nowMs), speed, flowing };
      if (flowing && nowMs - sample.movedAtMs >= NO_DATA_MS) noData.add(g.NZBID);
      samples.set(g.NZBID, sample);
    }
    return { speeds, samples, noData };
  }

  private announce(): void {
    if (this.announced) return;
    this.announced = true;
    this.opts.log.info(`${this.name}: connected${this.version ? ` (NZBGet ${this.version})` : ''}`);
  }
}

/** `DownloadRate` in B/s (`DownloadRateLo/Hi` from 24.2 on). */
function rateOf(status: NzbStatus): number | null {
  if (typeof status.DownloadRateLo === 'number' && typeof status.DownloadRateHi === 'number') return (status.DownloadRateHi >>> 0) * 2 ** 32 + (status.DownloadRateLo >>> 0);
  return typeof status.DownloadRate === 'number' ? status.DownloadRate : null;
}
