/**
 * One poll-driven watcher per qBittorrent instance. Each cycle is exactly one
 * `sync/maindata` request (plus a login when the session is missing or expired), whatever the
 * number of torrents or tracked requests: the delta is merged into a local cache and the
 * tracked hashes are looked up there.
 *
 * For a tracked hash, a `download_progress` event is sent when something meaningful changed
 * since the last one sent for it (progress by ≥ 0.001, completion, state, or 60 s passed while
 * downloading so speed/ETA stay fresh), and a `stuck` event when its plain-words problem
 * changes (`reason: null` when it clears). A tracked torrent removed before it finished gets a
 * `download_progress` with `removed: true` and a stuck reason. All events of a cycle go to the
 * sink in one `ingest` call; the "last sent" memory only moves once that call succeeded.
 */
import { registerSecret } from '../../log.js';
import { DownloadReports } from '../../watchers/download-reports.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { emptyCache, mergeMaindata, type SyncCache, type Torrent } from './cache.js';
import { QbClient } from './client.js';
import type { QbInstance } from './options.js';
import { DOWNLOADING_STATES, progressFields, REMOVED_REASON, stuckReason } from './map.js';

export type { QbInstance } from './options.js';

export interface QbittorrentWatcherOptions extends PollOptions {
  instances: readonly QbInstance[];
}

/** A v1 (SHA-1) or v2 (truncated SHA-256) info-hash as the *arrs send it, lower-cased. */
const INFO_HASH = /^[0-9a-f]{40}$/;

export function createQbittorrentWatchers(opts: QbittorrentWatcherOptions): QbittorrentWatcher[] {
  return opts.instances.map((inst) => new QbittorrentWatcher(inst, opts));
}

export class QbittorrentWatcher extends PolledWatcher {
  readonly name: string;
  readonly client: QbClient;
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  private cache: SyncCache = emptyCache();
  private readonly reports: DownloadReports;
  private trackedPresent = 0;
  /** The tracked hashes its last successful poll looked for. */
  private lookedFor: ReadonlySet<string> = new Set();
  private announced = false;

  constructor(
    inst: QbInstance,
    private readonly opts: QbittorrentWatcherOptions,
  ) {
    super();
    registerSecret(inst.password);
    this.name = `qbittorrent/${inst.name}`;
    this.clock = opts.clock ?? (() => new Date());
    this.client = new QbClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: opts.timeoutMs });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
    this.reports = new DownloadReports({
      source: 'qbittorrent',
      instance: inst.name,
      protocol: 'torrent',
      removedReason: REMOVED_REASON,
      downloading: (_f, state) => DOWNLOADING_STATES.has(state),
    });
  }

  /** The merged torrent list (read-only view of the cache). */
  get torrents(): ReadonlyMap<string, Torrent> {
    return this.cache.torrents;
  }

  /**
   * It follows this download itself: a torrent of this instance (or one it reported removed), or
   * an info-hash it has not looked for yet while it answers (a grab since its last poll: left to
   * it for one poll). A download it looked for and did not find, or any while it is failing, is
   * left to the PVR's queue.
   */
  covers(downloadId: string): boolean {
    const hash = downloadId.toLowerCase();
    if (this.cache.torrents.has(hash) || this.reports.wasRemoved(hash)) return true;
    return this.loop.healthy && INFO_HASH.test(hash) && !this.lookedFor.has(hash);
  }

  protected override detail(): Record<string, unknown> {
    return { torrents: this.cache.torrents.size, tracked: this.trackedPresent, api_version: this.client.apiVersion };
  }

  private async cycle(): Promise<void> {
    const data = await this.client.maindata(this.cache.rid);
    const merged = mergeMaindata(this.cache, data);
    this.cache = merged.cache;
    if (!this.announced) {
      this.announced = true;
      this.opts.log.info(`${this.name}: connected (Web API ${this.client.apiVersion ?? 'unknown'}, ${this.cache.torrents.size} torrents)`);
    }

    const tracked = new Set<string>();
    for (const h of this.opts.view.trackedHashes()) tracked.add(h.toLowerCase());
    const cycle = this.reports.cycle(this.clock().getTime());
    for (const t of merged.removed) if (tracked.has(t.hash)) cycle.removed(t.hash, progressFields(t));
    let present = 0;
    for (const hash of tracked) {
      const t = this.cache.torrents.get(hash);
      if (!t) continue;
      present++;
      cycle.present(hash, { fields: progressFields(t), stuck: stuckReason(t) });
    }
    this.trackedPresent = present;
    // Forget what is no longer tracked (closed requests) or no longer known at all.
    await cycle.commit(this.opts.sink, (hash, removed) => tracked.has(hash) && (removed || this.cache.torrents.has(hash)));
    this.lookedFor = tracked;
  }
}
