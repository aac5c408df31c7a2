/**
 * The Jellyfin poll cycle: keeps the in-memory library index (library.ts) current and matches
 * every open request against it (match.ts).
 *
 * Upstream requests per poll cycle do not depend on the number of tracked requests:
 * - first cycle (and every `inventoryRefreshMs`, or after a gap in the feed below):
 *   `GET /System/Info` + the movie/series inventory (paged by library size);
 * - every cycle: ONE "recently added" query (movies and episodes, newest first, `Limit`);
 * - every `recheckMs`: ONE library-wide "changed since" query (`MinDateLastSaved`, paged by
 *   what changed): items the feed above cannot show — a file added to an existing item, an
 *   import whose `DateCreated` is the file's old date. It replaces re-reading the episode
 *   list of every tracked series, which grew with the number of series;
 * - at most one `GET /Items?Ids=…` for series the feed mentioned but the index lacks, and for
 *   matching-but-unplayable items due for a re-check (at most `maxIdsPerCycle` ids);
 * - `GET /Shows/{id}/Episodes` only for a series whose episode list was never loaded (a new
 *   tracked series, or all of them after a gap in the feed), at most `maxSeriesLoads` per
 *   cycle: a one-time cost per series, spread over cycles;
 * - before an `available` event rests on an item last returned more than `recheckMs` ago
 *   (deleted since?), one `GET /Items?Ids=…` to verify it.
 * All `available` events of a cycle go to the sink in one `ingest` call.
 */
import type { Logger } from '../../log.js';
import type { EventSink, TrackedView } from '../../watchers/types.js';
import type { JellyfinClient } from './client.js';
import type { RequestHolders } from './holders.js';
import { toLibItem, type LibItem, type LibraryIndex } from './library.js';
import { matchRequests, type MatchReport } from './match.js';

/** Knobs of the poll cycle; tests shrink them, a real server needs none. */
export interface PollTuning {
  /** `Limit` of the recently-added query (default 100). */
  recentLimit?: number;
  /** First `/Shows/{id}/Episodes` loads per cycle at most (default 3). */
  maxSeriesLoads?: number;
  /** Ids per `GET /Items?Ids=` re-check (default 50). */
  maxIdsPerCycle?: number;
  /**
   * The "changed since" sweep runs this often; an unplayable candidate is re-checked, and an
   * item is verified before it proves something, once it is older than this (default 15 min).
   */
  recheckMs?: number;
  /** Page size of the "changed since" sweep (default 500); more than 5 pages counts as a gap. */
  sweepPageSize?: number;
  /** Reload the movie/series inventory after this long (default 6 h). */
  inventoryRefreshMs?: number;
  /** Inventory page size (default 2000). */
  inventoryPageSize?: number;
}

/** What the cycle works with, shared with the rest of the watcher. */
export interface PollContext {
  name: string;
  client: JellyfinClient;
  library: LibraryIndex;
  holders: RequestHolders;
  view: TrackedView;
  sink: EventSink;
  log: Logger;
  clock: () => Date;
}

const MINUTE = 60_000;
/** The sweep reads from a little before the previous one's server time (clock resolution, saves in flight). */
const SWEEP_OVERLAP_MS = 2 * MINUTE;
const SWEEP_MAX_PAGES = 5;

export class JellyfinPoller {
  serverVersion: string | null = null;
  /** Upstream requests made by the last completed cycle. */
  lastCycleRequests = 0;
  private inventoryAt: number | null = null;
  /** Ids of the previous recently-added page, to notice a gap (more new items than `Limit`). */
  private previousRecent = new Set<string>();
  /** When an unplayable candidate was last re-checked by id. */
  private readonly checkedAt = new Map<string, number>();
  /** Series an episode pointed at that the by-id query did not return (not asked again for a while). */
  private readonly missingSeries = new Map<string, number>();
  private announced = false;
  /** Server time the next "changed since" sweep reads from (null: no inventory yet). */
  private sweepFrom: number | null = null;
  /** When (watcher clock) the last sweep ran or the inventory was loaded. */
  private sweptAt = 0;

  constructor(
    private readonly ctx: PollContext,
    private readonly opts: PollTuning,
  ) {}

  private get recentLimit(): number {
    return this.opts.recentLimit ?? 100;
  }

  private get recheckMs(): number {
    return this.opts.recheckMs ?? 15 * MINUTE;
  }

  async cycle(): Promise<void> {
    const { client, library, holders, view, sink, log, name, clock } = this.ctx;
    const before = client.requests;
    const now = clock().getTime();
    const inventoryEvery = this.opts.inventoryRefreshMs ?? 6 * 60 * MINUTE;
    if (this.inventoryAt === null || now - this.inventoryAt >= inventoryEvery) await this.loadInventory(now);

    // One "recently added" query: new movies and episodes (and their ids, paths, sources).
    const recent = (await client.recentlyAdded(this.recentLimit)).map(toLibItem);
    const ids = new Set(recent.map((i) => i.id));
    if (recent.length >= this.recentLimit && this.previousRecent.size > 0 && ![...ids].some((id) => this.previousRecent.has(id))) {
      // More items arrived than one page holds: episode lists may miss some; reload what is tracked.
      log.info(`${name}: more than ${this.recentLimit} items were added since the last poll; reloading tracked series and the inventory`);
      this.gap();
    }
    this.previousRecent = ids;
    for (const item of recent) library.upsert(item, now);

    // Now and then, one query for everything saved since the last one.
    if (this.sweepFrom !== null && now - this.sweptAt >= this.recheckMs) await this.sweepChanged(now);

    // At most one by-id query: series the feed mentions but the index lacks, and stale unplayable candidates.
    let report = matchRequests(view.openRequests(), library);
    const byId = this.idsToCheck(recent, report, now);
    if (byId.length) {
      const got = (await client.itemsById(byId)).map(toLibItem);
      const returned = new Set(got.map((i) => i.id));
      for (const item of got) library.upsert(item, now);
      for (const id of byId) {
        this.checkedAt.set(id, now);
        if (returned.has(id)) this.missingSeries.delete(id);
        else if (library.has(id)) library.remove(id);
        else this.missingSeries.set(id, now);
      }
      report = matchRequests(view.openRequests(), library);
    }

    // Episode lists of the series open TV requests wait on, the first time only (bounded per cycle).
    const loads = this.seriesToLoad(report);
    for (const seriesId of loads) {
      const episodes = await client.seriesEpisodes(seriesId);
      if (episodes === null) library.remove(seriesId);
      else library.replaceSeriesEpisodes(seriesId, episodes.map(toLibItem), now);
    }
    if (loads.length) report = matchRequests(view.openRequests(), library);

    // An item not seen for a while may be gone: verify it before it proves anything.
    const stale = this.staleProofs(report, now);
    if (stale.length) {
      const got = (await client.itemsById(stale)).map(toLibItem);
      const returned = new Set(got.map((i) => i.id));
      for (const item of got) library.upsert(item, now);
      for (const id of stale) if (!returned.has(id)) library.remove(id);
      report = matchRequests(view.openRequests(), library);
    }

    // Proofs beyond this cycle's verification budget wait for the next cycle.
    const fresh = (id: string) => now - (library.seenAt(id) ?? -Infinity) < this.recheckMs;
    const matches = report.matches.filter((m) => m.item_ids.every(fresh));
    holders.remember(matches);
    const unplayable = new Set(report.unplayable);
    for (const id of this.checkedAt.keys()) if (!unplayable.has(id)) this.checkedAt.delete(id);
    if (matches.length) await sink.ingest(matches.map((m) => m.event));
    this.lastCycleRequests = client.requests - before;
  }

  /** The feed skipped items: every episode list is reloaded (bounded per cycle) and the inventory too. */
  private gap(): void {
    this.ctx.library.invalidateSeriesLoads();
    this.inventoryAt = null;
  }

  /**
   * Everything saved since the previous sweep, in pages. Reading from the server's own clock
   * (its `Date` header) keeps the window right whatever this machine's clock says.
   */
  private async sweepChanged(now: number): Promise<void> {
    const size = this.opts.sweepPageSize ?? 500;
    const since = new Date(this.sweepFrom! - SWEEP_OVERLAP_MS);
    let serverAt: number | null = null;
    for (let page = 0; page < SWEEP_MAX_PAGES; page++) {
      const { items, total } = await this.ctx.client.changedSince(since, size, page * size);
      serverAt ??= this.ctx.client.serverTime;
      for (const dto of items) this.ctx.library.upsert(toLibItem(dto), now);
      const read = page * size + items.length;
      if (items.length < size || (total !== null && read >= total)) {
        this.sweepFrom = serverAt ?? this.sweepFrom;
        this.sweptAt = now;
        return;
      }
    }
    this.ctx.log.info(`${this.ctx.name}: more than ${SWEEP_MAX_PAGES * size} items changed since the last check; reloading tracked series and the inventory`);
    this.sweptAt = now;
    this.gap();
  }

  private async loadInventory(now: number): Promise<void> {
    const info = await this.ctx.client.systemInfo();
    this.serverVersion = info.Version ?? null;
    // Changes from here on are the sweep's; what was there before, the inventory's and the series loads'.
    const serverAt = this.ctx.client.serverTime;
    const items = await this.ctx.client.inventory(this.opts.inventoryPageSize);
    this.ctx.library.replaceInventory(items.map(toLibItem), now);
    this.inventoryAt = now;
    if (serverAt !== null) {
      this.sweepFrom = serverAt;
      this.sweptAt = now;
    }
    if (!this.announced) {
      this.announced = true;
      const s = this.ctx.library.stats();
      this.ctx.log.info(`${this.ctx.name}: connected (Jellyfin ${this.serverVersion ?? 'unknown version'}, ${s.movies} movies, ${s.series} series)`);
    }
  }

  private idsToCheck(recent: LibItem[], report: MatchReport, now: number): string[] {
    const max = this.opts.maxIdsPerCycle ?? 50;
    const every = this.recheckMs;
    const out = new Set<string>();
    for (const [id, at] of this.missingSeries) if (now - at >= every) this.missingSeries.delete(id);
    for (const item of recent) {
      if (out.size >= max) break;
      const sid = item.series_id;
      if (item.type === 'Episode' && sid && !this.ctx.library.has(sid) && !this.missingSeries.has(sid)) out.add(sid);
    }
    const due = report.unplayable
      .filter((id) => !out.has(id))
      .map((id) => ({ id, at: this.checkedAt.get(id) ?? this.inventoryAt ?? 0 }))
      .filter((c) => now - c.at >= every)
      .sort((a, b) => a.at - b.at);
    for (const c of due) {
      if (out.size >= max) break;
      out.add(c.id);
    }
    return [...out];
  }

  /** Wanted series whose episode list was never loaded (or not since a gap), in id order. */
  private seriesToLoad(report: MatchReport): string[] {
    return report.wanted_series
      .filter((id) => this.ctx.library.get(id)?.type === 'Series' && this.ctx.library.loadedAt(id) === undefined)
      .sort()
      .slice(0, this.opts.maxSeriesLoads ?? 3);
  }

  /** Items that prove a match but were last returned by the server more than `recheckMs` ago. */
  private staleProofs(report: MatchReport, now: number): string[] {
    const out = new Set<string>();
    for (const m of report.matches) {
      for (const id of m.item_ids) {
        const at = this.ctx.library.seenAt(id);
        if (at === undefined || now - at >= this.recheckMs) out.add(id);
      }
    }
    return [...out].slice(0, this.opts.maxIdsPerCycle ?? 50);
  }
}
