/**
 * One reconciler per Sonarr/Radarr instance: every `intervals.arr_s` it reads a snapshot of
 * the instance and sends what the webhooks did not say (see `map.ts` for the rules).
 *
 * Cost per cycle is bounded and does not grow with the number of tracked requests:
 *   queue (≤ QUEUE_MAX_PAGES pages) + the whole movie/series list (1) + history since the last
 *   cycle (1) [+ Sonarr: `GET /episode?seriesId=` for at most MAX_EPISODE_FETCHES series, and
 *   only for series whose file counts or requests changed since they were last read, or every
 *   ROSTER_REFRESH_MS while a request still waits for episodes — the wanted roster (roster.ts)].
 * A cycle with no open request for the instance reads nothing, except, at most every
 * FINISHED_CHECK_MS, the movie/series list alone when finished requests of the instance are
 * followed for deletion (finished.ts). A 4K instance only looks at 4K requests (kind.ts).
 *
 * Downloads no download-client watcher follows (`DownloadClients.covers`) get their progress from
 * the queue (progress.ts): while one is in flight the loop wakes every `intervals.downloads_s`
 * and reads the queue alone (one request per cycle, whatever the number of downloads); the
 * whole snapshot still runs every `arr_s`, and at once when such a download fails.
 *
 * A cycle is all-or-nothing: every call is made before any event is computed, so an upstream
 * fault (HTTP 5xx, timeout, invalid JSON, 401) fails the cycle with an `UpstreamError`, the
 * poll loop logs it once per outage and backs off, nothing is sent, and the next cycle starts
 * from the same memory (history cursor, "missing" ids, series already read).
 */
import type { PvrKinds } from '../pvr-kinds.js';
import type { ArrInstanceOptions } from './options.js';
import type { MediaRequest } from '../../domain/model.js';
import type { UnstampedEvent } from '../../domain/events.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { ArrClient, type ApiEpisode, type ApiMovie, type ApiSeries, type HistoryRecord, type QueueResult } from './api.js';
import { groupQueue } from './downloads.js';
import { queueProgress, type QueueMemory, type QueueProgress } from './progress.js';
import { finishedGone, libraryIds, type FinishedMemory } from './finished.js';
import { sameKind, stampKind } from './kind.js';
import { ownership, seriesSignature, tvWantsFiles, type ArrInstance, type ArrService } from './map.js';
import { reconcileRadarr, reconcileSonarr } from './snapshot.js';

export type { ArrInstanceOptions } from './options.js';

/** At most this many `GET /episode?seriesId=` per Sonarr cycle. */
export const MAX_EPISODE_FETCHES = 5;
/** Episode lists of series still waited for are read again at least this often (new episodes of airing shows). */
export const ROSTER_REFRESH_MS = 6 * 3600_000;
/** The first history read (and the first after an idle spell) looks back this far. */
export const HISTORY_LOOKBACK_MS = 24 * 3600_000;
/** With no open request, the library list is read for finished requests' deletions at most this often. */
export const FINISHED_CHECK_MS = 15 * 60_000;

export interface ArrReconcilerOptions extends PollOptions {
  /** Which instances serve 4K requests. */
  kinds?: PvrKinds;
  /** Seconds between queue reads while a download only the queue reports is in flight (default: `intervalS`). */
  downloadsS?: number;
  /** A download-client watcher follows this download (lower-case id) itself (default: none does). */
  covers?: (downloadId: string) => boolean;
}

/** One reconciler per configured instance of a service (`label`: how texts name it). */
export function createArrReconcilers(service: ArrService, label: string, list: readonly ArrInstanceOptions[], opts: ArrReconcilerOptions): ArrReconciler[] {
  return list.map((inst) => new ArrReconciler(service, label, inst, list.length === 1, opts));
}

export class ArrReconciler extends PolledWatcher {
  readonly name: string;
  readonly client: ArrClient;
  readonly instance: ArrInstance;
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  /** `history/since` cursor: the newest record date seen (the *arr's clock), or null. */
  private cursor: string | null = null;
  /** Linked ids absent from the last snapshot. */
  private missing = new Set<number>();
  /** Sonarr: what a series looked like (file counts + requests) when its episodes were last read. */
  private readonly seriesRead = new Map<number, { stamp: string; cycle: number }>();
  private cycleNo = 0;
  private finished: FinishedMemory = { seen: new Map(), missing: new Set() };
  private finishedAt = Number.NEGATIVE_INFINITY;
  private last: { requests: number; events: number; calls: number } = { requests: 0, events: 0, calls: 0 };
  /** Queue-only downloads: what was seen and sent of each. */
  private queueMemory: QueueMemory = new Map();
  /** Downloads this reconciler has seen in the queue. */
  private seen = new Set<string>();
  /** Downloads seen in the queue, then missing from a complete one: not waited for at the download interval. */
  private vanished = new Set<string>();
  private lastFullMs = Number.NEGATIVE_INFINITY;
  /** What a poke asked for; otherwise the clock decides. */
  private next: 'full' | 'queue' | null = null;
  private readonly arrMs: number;
  private readonly downloadsMs: number;

  constructor(
    readonly service: ArrService,
    label: string,
    inst: ArrInstanceOptions,
    sole: boolean,
    private readonly opts: ArrReconcilerOptions,
  ) {
    super();
    this.name = `${service}/${inst.name}/reconcile`;
    this.instance = { service, label, name: inst.name, sole };
    this.clock = opts.clock ?? (() => new Date());
    this.client = new ArrClient({ service, name: inst.name, url: inst.url, apiKey: inst.api_key, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    this.arrMs = Math.max(1, opts.intervalS * 1000);
    this.downloadsMs = Math.max(1, (opts.downloadsS ?? opts.intervalS) * 1000);
    this.loop = new PollLoop(
      this.name,
      () => this.delayMs(),
      () => this.tick(),
      opts.log,
      this.clock,
    );
  }

  protected override detail(): Record<string, unknown> {
    return { requests: this.last.requests, events: this.last.events, calls: this.last.calls, queue_only: this.queueOnly().length };
  }

  /** The whole snapshot now (after a cycle in flight, if that one only read the queue). */
  override async poke(): Promise<void> {
    this.next = 'full';
    await this.loop.run();
    if (this.next === 'full') await this.loop.run();
  }

  /** The queue alone now, as the loop does at the download interval (the whole snapshot if a download failed). */
  pokeDownloads(): Promise<void> {
    this.next ??= 'queue';
    return this.loop.run();
  }

  private covers(id: string): boolean {
    return this.opts.covers?.(id) ?? false;
  }

  /** Downloads of this instance's open requests in flight that only the queue reports. */
  private queueOnly(): string[] {
    const out: string[] = [];
    for (const r of this.relevant()) {
      for (const d of Object.values(r.downloads)) {
        if (!d.superseded && !d.complete && !d.removed && !this.vanished.has(d.hash) && !this.covers(d.hash)) out.push(d.hash);
      }
    }
    return out;
  }

  /**
   * Every `downloads_s` (a wake-up without a queue-only download in flight reads nothing), and
   * the whole snapshot when `arr_s` has passed.
   */
  private delayMs(): number {
    const untilFull = this.arrMs - (this.clock().getTime() - this.lastFullMs);
    return Math.max(1, Math.min(this.downloadsMs, Math.max(1000, untilFull)));
  }

  private async tick(): Promise<void> {
    const asked = this.next;
    this.next = null;
    const due = this.clock().getTime() - this.lastFullMs >= this.arrMs - 1000;
    if (asked === 'full' || (asked === null && due)) return this.cycle(null);
    if (asked === 'queue' || this.queueOnly().length > 0) return this.queueCycle();
  }

  /** Only the queue: progress of the downloads no watcher follows; the whole snapshot if one failed. */
  private async queueCycle(): Promise<void> {
    const requests = this.relevant();
    if (requests.length === 0) return;
    const before = this.client.requests;
    const queue = await this.client.queue();
    const progress = this.progressOf(requests, queue, []);
    if (progress.escalate) return this.cycle(queue);
    const events = stampKind(progress.events, this.is4k);
    if (events.length) await this.opts.sink.ingest(events);
    this.remember(requests, queue, progress);
    this.last = { requests: requests.length, events: events.length, calls: this.client.requests - before };
  }

  /** Queue progress for the downloads the requests follow (and those `extra` events just grabbed). */
  private progressOf(requests: readonly MediaRequest[], queue: QueueResult, extra: readonly UnstampedEvent[]): QueueProgress {
    const tracked = new Set<string>();
    const owner = new Map<string, MediaRequest>();
    for (const r of requests) {
      for (const d of Object.values(r.downloads)) {
        if (d.superseded) continue;
        tracked.add(d.hash);
        owner.set(d.hash, r);
      }
    }
    for (const e of extra) if (e.kind === 'grabbed' && e.hash) tracked.add(e.hash);
    return queueProgress({
      inst: this.instance,
      groups: groupQueue(queue.records),
      tracked,
      covers: (id) => this.covers(id),
      stuckOf: (id) => owner.get(id)?.stuck ?? null,
      memory: this.queueMemory,
      nowMs: this.clock().getTime(),
    });
  }

  /** Once the events are stored: what was sent, and which queue-only downloads left the queue. */
  private remember(requests: readonly MediaRequest[], queue: QueueResult, progress: QueueProgress): void {
    this.queueMemory = progress.memory;
    const present = new Set(groupQueue(queue.records).map((g) => g.hash));
    const seen = new Set<string>();
    const vanished = new Set<string>();
    // A fresh grab may not be listed yet (the *arr refreshes its queue after it): only a download
    // seen there before and missing now has left it.
    for (const r of requests) {
      for (const h of Object.keys(r.downloads)) {
        if (present.has(h)) seen.add(h);
        else if (this.seen.has(h) && queue.complete) vanished.add(h);
        else if (this.seen.has(h)) seen.add(h);
        if (this.vanished.has(h) && !present.has(h)) vanished.add(h);
      }
    }
    this.seen = seen;
    this.vanished = vanished;
  }

  private get is4k(): boolean | undefined {
    return this.opts.kinds?.of(this.service, this.instance.name);
  }

  private relevant(): MediaRequest[] {
    const out: MediaRequest[] = [];
    for (const r of this.opts.view.openRequests()) if (ownership(r, this.instance) && sameKind(r, this.is4k)) out.push(r);
    return out;
  }

  /** Finished requests of this instance whose media is followed for deletion. */
  private finishedRequests(): MediaRequest[] {
    const out: MediaRequest[] = [];
    for (const r of this.opts.view.allRequests?.() ?? []) {
      if ((r.state === 'AVAILABLE' || r.state === 'PARTIALLY_AVAILABLE') && !r.upgrade && ownership(r, this.instance) && sameKind(r, this.is4k)) out.push(r);
    }
    return out;
  }

  /** The whole snapshot (`read`: the queue a queue-only cycle has just read). */
  private async cycle(read: QueueResult | null): Promise<void> {
    this.cycleNo++;
    const requests = this.relevant();
    const finished = this.finishedRequests();
    const before = this.client.requests;
    if (requests.length === 0) {
      // Nothing to reconcile: no calls but, now and then, the list for finished media. The next
      // busy cycle starts a fresh history window.
      this.cursor = null;
      this.missing.clear();
      this.last = { requests: 0, events: 0, calls: 0 };
      this.queueMemory = new Map();
      this.seen.clear();
      this.vanished.clear();
      this.lastFullMs = this.clock().getTime();
      if (finished.length && this.clock().getTime() - this.finishedAt >= FINISHED_CHECK_MS) await this.checkFinished(finished);
      return;
    }
    const now = this.clock();
    const fetchedAt = now.toISOString();
    const since = this.cursor ?? new Date(now.getTime() - HISTORY_LOOKBACK_MS).toISOString();

    const queue = read ?? (await this.client.queue());
    let result: ReturnType<typeof reconcileRadarr>;
    let history: HistoryRecord[];
    let stamps = new Map<number, string>();
    let movies: ApiMovie[] = [];
    let series: ApiSeries[] = [];
    if (this.service === 'radarr') {
      movies = await this.client.movies();
      history = await this.client.historySince(since);
      result = reconcileRadarr(this.instance, requests, { queue: queue.records, queueComplete: queue.complete, history, fetchedAt, movies }, this.missing);
    } else {
      series = await this.client.series();
      history = await this.client.historySince(since);
      const pick = this.pickSeries(series, requests);
      stamps = pick.stamps;
      const episodes = new Map<number, ApiEpisode[]>();
      for (const id of pick.ids) episodes.set(id, await this.client.episodes(id));
      result = reconcileSonarr(this.instance, requests, { queue: queue.records, queueComplete: queue.complete, history, fetchedAt, series, episodes }, this.missing);
    }

    const gone = this.checkGone(finished, this.service === 'radarr' ? movies : series);
    const progress = this.progressOf(requests, queue, result.events);
    const events = stampKind([...result.events, ...gone.events, ...progress.events], this.is4k);
    if (events.length) await this.opts.sink.ingest(events);
    this.finished = gone.memory;
    this.finishedAt = now.getTime();
    this.lastFullMs = now.getTime();
    this.remember(requests, queue, progress);

    // Only now that the events are stored does the memory move on.
    this.missing = result.missing;
    for (const h of history) if (!this.cursor || Date.parse(h.date) > Date.parse(this.cursor)) this.cursor = h.date;
    if (!this.cursor) this.cursor = since;
    for (const [id, stamp] of stamps) this.seriesRead.set(id, { stamp, cycle: this.cycleNo });
    this.last = { requests: requests.length, events: events.length, calls: this.client.requests - before };
    if (events.length) this.opts.log.debug(`${this.name}: ${events.length} event(s) for ${requests.length} open request(s)`);
  }

  private checkGone(finished: readonly MediaRequest[], library: ReadonlyArray<{ id: number; tmdbId?: number | null; tvdbId?: number | null }>) {
    return finishedGone(this.instance, finished, libraryIds(library), this.finished);
  }

  /** Only the library list, for finished requests' deletions (no open request needs more). */
  private async checkFinished(finished: readonly MediaRequest[]): Promise<void> {
    const before = this.client.requests;
    const library = this.service === 'radarr' ? await this.client.movies() : await this.client.series();
    const gone = this.checkGone(finished, library);
    if (gone.events.length) await this.opts.sink.ingest(gone.events);
    this.finished = gone.memory;
    this.finishedAt = this.clock().getTime();
    this.last = { requests: 0, events: gone.events.length, calls: this.client.requests - before };
  }

  /**
   * Sonarr: the series whose episodes are worth reading this cycle — a request there still
   * waits for files, and the series' file counts (or its requests) changed since it was last
   * read; least recently read first, at most MAX_EPISODE_FETCHES.
   */
  private pickSeries(series: readonly ApiSeries[], requests: readonly MediaRequest[]): { ids: number[]; stamps: Map<number, string> } {
    const byId = new Map(series.map((s) => [s.id, s]));
    const byTvdb = new Map<number, ApiSeries>();
    const byTmdb = new Map<number, ApiSeries>();
    for (const s of series) {
      if (s.tvdbId && !byTvdb.has(s.tvdbId)) byTvdb.set(s.tvdbId, s);
      if (s.tmdbId && !byTmdb.has(s.tmdbId)) byTmdb.set(s.tmdbId, s);
    }
    const wanting = new Map<number, string[]>();
    const rosterless = new Set<number>();
    for (const r of requests) {
      // A request without its episode list reads it once; one still waiting for files re-reads it
      // when the series' files change, and (airing shows) every few hours for new episodes.
      if (r.roster && !tvWantsFiles(r)) continue;
      const s = r.arr ? byId.get(r.arr.id) : ((r.tvdb_id ? byTvdb.get(r.tvdb_id) : undefined) ?? (r.tmdb_id ? byTmdb.get(r.tmdb_id) : undefined));
      if (!s) continue;
      wanting.set(s.id, [...(wanting.get(s.id) ?? []), `${r.id}:${r.requested_seasons.join('.')}`]);
      if (!r.roster) rosterless.add(s.id);
    }
    const candidates: Array<{ id: number; stamp: string; lastCycle: number }> = [];
    for (const [id, reqs] of wanting) {
      const sig = seriesSignature(byId.get(id)!);
      // Without statistics there is nothing to compare: the stamp changes every cycle.
      const airing = Math.floor(this.clock().getTime() / ROSTER_REFRESH_MS);
      const stamp = `${sig ?? `cycle ${this.cycleNo}`}|${reqs.sort().join(',')}|${airing}`;
      const read = this.seriesRead.get(id);
      if (read?.stamp === stamp && !rosterless.has(id)) continue;
      candidates.push({ id, stamp, lastCycle: read?.cycle ?? 0 });
    }
    for (const id of this.seriesRead.keys()) if (!wanting.has(id)) this.seriesRead.delete(id);
    candidates.sort((a, b) => a.lastCycle - b.lastCycle || a.id - b.id);
    const chosen = candidates.slice(0, MAX_EPISODE_FETCHES);
    return { ids: chosen.map((c) => c.id), stamps: new Map(chosen.map((c) => [c.id, c.stamp])) };
  }
}
