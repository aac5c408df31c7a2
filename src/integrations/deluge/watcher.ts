/**
 * One poll-driven watcher per Deluge Web UI. Each cycle is one `core.get_torrents_status`
 * filtered to the tracked info-hashes (`{id: [...]}`, 12 keys), whatever their number (plus a
 * login when the session expired and a `web.connect` when the Web UI lost its daemon). With no
 * hash tracked the list is empty: the same request then only proves the Web UI, the login and
 * the daemon connection.
 *
 * For a tracked hash Deluge holds, a `download_progress` event is sent when something meaningful
 * changed (progress by ≥ 0.001, completion, state, or 60 s passed while downloading so speed/ETA
 * stay fresh), a `stuck` event when its plain-words problem changes, and a `download_failed`
 * when it is in `Error` before finishing (once per message). A torrent downloading with no peer
 * at all is "stalled" after `STALLED_AFTER_MS` of that. A tracked torrent this instance held
 * and no longer holds, before it finished, gets a `download_progress` with `removed: true` and
 * a stuck reason. All events of a cycle go to the sink in one `ingest` call; the "last sent"
 * memory only moves once that call succeeded.
 */
import { registerSecret } from '../../log.js';
import { DownloadReports } from '../../watchers/download-reports.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { DelugeClient, type DelugeTorrent } from './client.js';
import { failure, isPeerless, progressFields, REMOVED_REASON, stuckReason } from './map.js';
import type { DelugeInstance } from './options.js';

export type { DelugeInstance } from './options.js';

export interface DelugeWatcherOptions extends PollOptions {
  instances: readonly DelugeInstance[];
}

/** A v1 info-hash as the tracker keeps download ids (lower-case hex); Deluge's torrent ids are the same. */
const INFO_HASH = /^[0-9a-f]{40}$/;

export function createDelugeWatchers(opts: DelugeWatcherOptions): DelugeWatcher[] {
  return opts.instances.map((inst) => new DelugeWatcher(inst, opts));
}

export class DelugeWatcher extends PolledWatcher {
  readonly name: string;
  readonly client: DelugeClient;
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  /** The tracked torrents this instance holds, by lower-case hash, as last read. */
  private readonly cache = new Map<string, DelugeTorrent>();
  private readonly reports: DownloadReports;
  /** Since when (ms) each torrent has been seen downloading with no peer. */
  private readonly peerlessSince = new Map<string, number>();
  /** Torrents gone whose events the sink has not taken yet (it failed): told again on the next cycle. */
  private pendingGone = new Map<string, DelugeTorrent>();
  /** Tracked hashes its last successful read asked Deluge about. */
  private lookedFor = new Set<string>();
  private announced = false;

  constructor(
    inst: DelugeInstance,
    private readonly opts: DelugeWatcherOptions,
  ) {
    super();
    registerSecret(inst.password);
    this.name = `deluge/${inst.name}`;
    this.clock = opts.clock ?? (() => new Date());
    this.client = new DelugeClient({ name: inst.name, url: inst.url, password: inst.password, timeoutMs: opts.timeoutMs });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
    this.reports = new DownloadReports({
      source: 'deluge',
      instance: inst.name,
      protocol: 'torrent',
      removedReason: REMOVED_REASON,
      downloading: (_f, state) => state === 'Downloading',
    });
  }

  /** The tracked torrents this instance holds, by lower-case hash (read-only view of the cache). */
  get torrents(): ReadonlyMap<string, DelugeTorrent> {
    return this.cache;
  }

  /**
   * It follows this download itself (the *arr's downloadId, an upper-case info-hash, compared
   * case-insensitively): a torrent it holds, or a hash it has not asked about yet while it answers
   * (a grab since its last poll), so the PVR's queue does not report what this watcher is about
   * to. A hash it asked about and did not find (another client's torrent), or any while it is
   * failing, is left to the PVR's queue.
   */
  covers(downloadId: string): boolean {
    const hash = downloadId.trim().toLowerCase();
    if (this.cache.has(hash)) return true;
    return this.loop.healthy && INFO_HASH.test(hash) && !this.lookedFor.has(hash);
  }

  protected override detail(): Record<string, unknown> {
    return { tracked: this.cache.size, version: this.client.version, daemon: this.client.connectedTo };
  }

  private async cycle(): Promise<void> {
    const tracked = new Set<string>();
    for (const h of this.opts.view.trackedHashes()) {
      const hash = h.toLowerCase();
      if (INFO_HASH.test(hash)) tracked.add(hash);
    }
    if (!this.announced && this.client.version === null) {
      // The version is only informative: a failure here is the read's to report, below.
      await this.client.daemonVersion().catch(() => undefined);
    }
    const answer = await this.client.torrents([...tracked].sort());
    const nowMs = this.clock().getTime();
    if (!this.announced) {
      this.announced = true;
      this.opts.log.info(`${this.name}: connected (Deluge ${this.client.version ?? 'version unknown'})`);
    }
    const found = new Map<string, DelugeTorrent>();
    for (const [id, t] of Object.entries(answer)) {
      const hash = (t.hash ?? id).toLowerCase();
      if (tracked.has(hash)) found.set(hash, { ...t, hash });
    }
    // Held before, asked about now, not there: removed from Deluge.
    for (const [hash, t] of this.cache) if (tracked.has(hash) && !found.has(hash)) this.pendingGone.set(hash, t);
    this.cache.clear();
    for (const [hash, t] of found) this.cache.set(hash, t);
    this.lookedFor = tracked;
    await this.emit(tracked, nowMs);
    this.pendingGone.clear();
  }

  private async emit(tracked: ReadonlySet<string>, nowMs: number): Promise<void> {
    const cycle = this.reports.cycle(nowMs);
    for (const [hash, t] of this.pendingGone) {
      if (tracked.has(hash) && !this.cache.has(hash)) cycle.removed(hash, { ...progressFields(t), client_state: 'removed' });
    }
    for (const [hash, t] of this.cache) {
      if (isPeerless(t)) {
        if (!this.peerlessSince.has(hash)) this.peerlessSince.set(hash, nowMs);
      } else this.peerlessSince.delete(hash);
      // `Error` before finishing stopped it for good until someone acts: sent once per message.
      cycle.present(hash, { fields: progressFields(t), stuck: stuckReason(t, nowMs - (this.peerlessSince.get(hash) ?? nowMs)), failed: failure(t) });
    }
    // Forget what is no longer tracked (closed requests) or no longer held (unless its removal was told).
    await cycle.commit(this.opts.sink, (hash, removed) => tracked.has(hash) && (removed || this.cache.has(hash)));
    for (const hash of this.peerlessSince.keys()) if (!this.cache.has(hash)) this.peerlessSince.delete(hash);
  }
}
