/**
 * The Jellyfin watcher: the only source that may prove a request playable (E1). It keeps an
 * in-memory library index (library.ts) and matches every open request against it (match.ts).
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
 *
 * Webhook hints (`onHint`) are verified against the API (ItemAdded) and matched at once;
 * `ItemDeleted` produces `deleted` events for the requests holding the item. The watcher
 * never scans the library by itself (D7): `refreshLibrary` is an explicit, rate-limited action.
 */
import type { JellyfinHint } from './adapter.js';
import { errorMessage, registerSecret, type Logger } from '../../log.js';
import { PolledWatcher, PollLoop, type Watcher } from '../../watchers/loop.js';
import type { EventSink, TrackedView } from '../../watchers/types.js';
import { JellyfinClient } from './client.js';
import { episodeNumbers, isPlayable, LibraryIndex, toLibItem, type ItemKind, type LibItem } from './library.js';
import { deletionEvents, matchRequests, type MatchReport, type RequestMatch } from './match.js';

export interface JellyfinWatcherOptions {
  url: string;
  apiKey: string;
  intervalS: number;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** HTTP timeout per API request (default 15 s). */
  timeoutMs?: number;
  /** Extra attempts inside one call on network errors/5xx (default 0: the poll loop backs off). */
  retries?: number;
  minRetryDelayMs?: number;
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
  /** At most one library scan per this long (default 10 min). */
  refreshMinIntervalMs?: number;
  /** Timeout of `POST /Library/Refresh`, which answers when the scan ends (default 2 h). */
  refreshTimeoutMs?: number;
  /** Inventory page size (default 2000). */
  inventoryPageSize?: number;
}

export interface HintOutcome {
  note: string;
  results: unknown[];
}

export interface LibraryRefreshOutcome {
  started: boolean;
  note: string;
  /** Jellyfin's answer to the scan this call started: it settles when the scan has finished, and rejects when Jellyfin refused or failed it. */
  done?: Promise<void>;
}

export type JellyfinWatcherApi = Watcher & {
  onHint(hint: JellyfinHint): Promise<HintOutcome>;
  refreshLibrary(reason: string): Promise<LibraryRefreshOutcome>;
};

export function createJellyfinWatcher(opts: JellyfinWatcherOptions): JellyfinWatcher {
  return new JellyfinWatcher(opts);
}

const MINUTE = 60_000;
/** The sweep reads from a little before the previous one's server time (clock resolution, saves in flight). */
const SWEEP_OVERLAP_MS = 2 * MINUTE;
const SWEEP_MAX_PAGES = 5;

export class JellyfinWatcher extends PolledWatcher implements JellyfinWatcherApi {
  readonly name = 'jellyfin';
  readonly client: JellyfinClient;
  readonly library = new LibraryIndex();
  protected readonly loop: PollLoop;
  private readonly clock: () => Date;
  private readonly log: Logger;
  private serverVersion: string | null = null;
  private inventoryAt: number | null = null;
  /** Ids of the previous recently-added page, to notice a gap (more new items than `Limit`). */
  private previousRecent = new Set<string>();
  /** When an unplayable candidate was last re-checked by id. */
  private readonly checkedAt = new Map<string, number>();
  /** Series an episode pointed at that the by-id query did not return (not asked again for a while). */
  private readonly missingSeries = new Map<string, number>();
  /** Jellyfin item id → requests known to point at it (for deletes of closed requests). */
  private readonly holders = new Map<string, Set<string>>();
  private scan: Promise<void> | null = null;
  private scanStartedAt: number | null = null;
  private scanResult: string | null = null;
  private announced = false;
  /** Server time the next "changed since" sweep reads from (null: no inventory yet). */
  private sweepFrom: number | null = null;
  /** When (watcher clock) the last sweep ran or the inventory was loaded. */
  private sweptAt = 0;
  /** Upstream requests made by the last completed cycle. */
  lastCycleRequests = 0;

  constructor(private readonly opts: JellyfinWatcherOptions) {
    super();
    registerSecret(opts.apiKey);
    this.clock = opts.clock ?? (() => new Date());
    this.log = opts.log;
    this.client = new JellyfinClient({
      url: opts.url,
      apiKey: opts.apiKey,
      timeoutMs: opts.timeoutMs,
      retries: opts.retries,
      minRetryDelayMs: opts.minRetryDelayMs,
      refreshTimeoutMs: opts.refreshTimeoutMs,
    });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, this.clock);
  }

  /** The library scan started by `refreshLibrary`, while it runs (tests await it). */
  get libraryScan(): Promise<void> | null {
    return this.scan;
  }

  protected override detail(): Record<string, unknown> {
    return {
        server_version: this.serverVersion,
        ...this.library.stats(),
        library_scan: {
          running: this.scan !== null,
          last_started: this.scanStartedAt === null ? null : new Date(this.scanStartedAt).toISOString(),
          last_result: this.scanResult,
        },
      };
  }

  // -------------------------------------------------------------------------------------
  // Poll cycle

  private get recentLimit(): number {
    return this.opts.recentLimit ?? 100;
  }

  private get recheckMs(): number {
    return this.opts.recheckMs ?? 15 * MINUTE;
  }

  private async cycle(): Promise<void> {
    const before = this.client.requests;
    const now = this.clock().getTime();
    const inventoryEvery = this.opts.inventoryRefreshMs ?? 6 * 60 * MINUTE;
    if (this.inventoryAt === null || now - this.inventoryAt >= inventoryEvery) await this.loadInventory(now);

    // One "recently added" query: new movies and episodes (and their ids, paths, sources).
    const recent = (await this.client.recentlyAdded(this.recentLimit)).map(toLibItem);
    const ids = new Set(recent.map((i) => i.id));
    if (recent.length >= this.recentLimit && this.previousRecent.size > 0 && ![...ids].some((id) => this.previousRecent.has(id))) {
      // More items arrived than one page holds: episode lists may miss some; reload what is tracked.
      this.log.info(`${this.name}: more than ${this.recentLimit} items were added since the last poll; reloading tracked series and the inventory`);
      this.gap();
    }
    this.previousRecent = ids;
    for (const item of recent) this.library.upsert(item, now);

    // Now and then, one query for everything saved since the last one.
    if (this.sweepFrom !== null && now - this.sweptAt >= this.recheckMs) await this.sweepChanged(now);

    // At most one by-id query: series the feed mentions but the index lacks, and stale unplayable candidates.
    let report = matchRequests(this.opts.view.openRequests(), this.library);
    const byId = this.idsToCheck(recent, report, now);
    if (byId.length) {
      const got = (await this.client.itemsById(byId)).map(toLibItem);
      const returned = new Set(got.map((i) => i.id));
      for (const item of got) this.library.upsert(item, now);
      for (const id of byId) {
        this.checkedAt.set(id, now);
        if (returned.has(id)) this.missingSeries.delete(id);
        else if (this.library.has(id)) this.library.remove(id);
        else this.missingSeries.set(id, now);
      }
      report = matchRequests(this.opts.view.openRequests(), this.library);
    }

    // Episode lists of the series open TV requests wait on, the first time only (bounded per cycle).
    const loads = this.seriesToLoad(report);
    for (const seriesId of loads) {
      const episodes = await this.client.seriesEpisodes(seriesId);
      if (episodes === null) this.library.remove(seriesId);
      else this.library.replaceSeriesEpisodes(seriesId, episodes.map(toLibItem), now);
    }
    if (loads.length) report = matchRequests(this.opts.view.openRequests(), this.library);

    // An item not seen for a while may be gone: verify it before it proves anything.
    const stale = this.staleProofs(report, now);
    if (stale.length) {
      const got = (await this.client.itemsById(stale)).map(toLibItem);
      const returned = new Set(got.map((i) => i.id));
      for (const item of got) this.library.upsert(item, now);
      for (const id of stale) if (!returned.has(id)) this.library.remove(id);
      report = matchRequests(this.opts.view.openRequests(), this.library);
    }

    // Proofs beyond this cycle's verification budget wait for the next cycle.
    const fresh = (id: string) => now - (this.library.seenAt(id) ?? -Infinity) < this.recheckMs;
    const matches = report.matches.filter((m) => m.item_ids.every(fresh));
    this.rememberHolders(matches);
    const unplayable = new Set(report.unplayable);
    for (const id of this.checkedAt.keys()) if (!unplayable.has(id)) this.checkedAt.delete(id);
    if (matches.length) await this.opts.sink.ingest(matches.map((m) => m.event));
    this.lastCycleRequests = this.client.requests - before;
  }

  /** The feed skipped items: every episode list is reloaded (bounded per cycle) and the inventory too. */
  private gap(): void {
    this.library.invalidateSeriesLoads();
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
      const { items, total } = await this.client.changedSince(since, size, page * size);
      serverAt ??= this.client.serverTime;
      for (const dto of items) this.library.upsert(toLibItem(dto), now);
      const read = page * size + items.length;
      if (items.length < size || (total !== null && read >= total)) {
        this.sweepFrom = serverAt ?? this.sweepFrom;
        this.sweptAt = now;
        return;
      }
    }
    this.log.info(`${this.name}: more than ${SWEEP_MAX_PAGES * size} items changed since the last check; reloading tracked series and the inventory`);
    this.sweptAt = now;
    this.gap();
  }

  private async loadInventory(now: number): Promise<void> {
    const info = await this.client.systemInfo();
    this.serverVersion = info.Version ?? null;
    // Changes from here on are the sweep's; what was there before, the inventory's and the series loads'.
    const serverAt = this.client.serverTime;
    const items = await this.client.inventory(this.opts.inventoryPageSize);
    this.library.replaceInventory(items.map(toLibItem), now);
    this.inventoryAt = now;
    if (serverAt !== null) {
      this.sweepFrom = serverAt;
      this.sweptAt = now;
    }
    if (!this.announced) {
      this.announced = true;
      const s = this.library.stats();
      this.log.info(`${this.name}: connected (Jellyfin ${this.serverVersion ?? 'unknown version'}, ${s.movies} movies, ${s.series} series)`);
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
      if (item.type === 'Episode' && sid && !this.library.has(sid) && !this.missingSeries.has(sid)) out.add(sid);
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
      .filter((id) => this.library.get(id)?.type === 'Series' && this.library.loadedAt(id) === undefined)
      .sort()
      .slice(0, this.opts.maxSeriesLoads ?? 3);
  }

  /** Items that prove a match but were last returned by the server more than `recheckMs` ago. */
  private staleProofs(report: MatchReport, now: number): string[] {
    const out = new Set<string>();
    for (const m of report.matches) {
      for (const id of m.item_ids) {
        const at = this.library.seenAt(id);
        if (at === undefined || now - at >= this.recheckMs) out.add(id);
      }
    }
    return [...out].slice(0, this.opts.maxIdsPerCycle ?? 50);
  }

  /** Which requests point at which items: open requests as they are now, plus what was just matched. */
  private rememberHolders(matches: RequestMatch[]): void {
    const hold = (itemId: string | null | undefined, requestId: string) => {
      if (!itemId) return;
      let set = this.holders.get(itemId);
      if (!set) this.holders.set(itemId, (set = new Set()));
      set.add(requestId);
    };
    for (const r of this.opts.view.openRequests()) {
      hold(r.jellyfin_id, r.id);
      for (const ep of Object.values(r.episodes)) hold(ep.jellyfin_id, r.id);
    }
    for (const m of matches) for (const id of m.item_ids) hold(id, m.request_id);
  }

  // -------------------------------------------------------------------------------------
  // Webhook hints

  async onHint(hint: JellyfinHint): Promise<HintOutcome> {
    return hint.notification === 'ItemAdded' ? this.onItemAdded(hint) : this.onItemDeleted(hint);
  }

  private async onItemAdded(hint: JellyfinHint): Promise<HintOutcome> {
    const label = `${hint.item_type} "${hint.name ?? hint.item_id}"`;
    if (hint.item_type !== 'Movie' && hint.item_type !== 'Episode' && hint.item_type !== 'Series') {
      return { note: `Jellyfin ItemAdded ${label}: nothing to verify`, results: [] };
    }
    let item: LibItem;
    try {
      const dto = await this.client.item(hint.item_id);
      if (!dto) return { note: `Jellyfin ItemAdded ${label}: the API does not know this item (already removed?)`, results: [] };
      item = toLibItem(dto);
      if (item.type === 'Episode' && item.series_id && !this.library.has(item.series_id)) {
        const series = await this.client.item(item.series_id);
        if (series) this.library.upsert(toLibItem(series), this.clock().getTime());
      }
    } catch (err) {
      return { note: `Jellyfin ItemAdded ${label}: could not verify it (${errorMessage(err)}); the next poll checks again`, results: [] };
    }
    this.library.upsert(item, this.clock().getTime());
    const report = matchRequests(this.opts.view.openRequests(), this.library);
    const relevant = report.matches.filter((m) => m.item_ids.includes(item.id) || (item.type === 'Series' && m.series_ids.includes(item.id)));
    if (relevant.length === 0) {
      const why = item.type === 'Series' ? 'a series alone proves no episode' : isPlayable(item) ? 'no open request waits for it' : 'not playable yet (no file)';
      return { note: `Jellyfin ItemAdded ${label}: ${why}`, results: [] };
    }
    this.rememberHolders(relevant);
    const results = await this.opts.sink.ingest(relevant.map((m) => m.event));
    return {
      note: `Jellyfin ItemAdded ${label}: playable; ${relevant.map((m) => m.request_id).join(', ')}`,
      results: Array.isArray(results) ? results : [],
    };
  }

  private async onItemDeleted(hint: JellyfinHint): Promise<HintOutcome> {
    const label = `${hint.item_type} "${hint.name ?? hint.item_id}"`;
    const id = hint.item_id;
    // The webhook is a hint: an item that is still there (a re-scan, Shokofin's VFS) was not deleted.
    let verified = 'verified';
    try {
      const still = await this.client.item(id);
      if (still) {
        this.library.upsert(toLibItem(still), this.clock().getTime());
        return { note: `Jellyfin ItemDeleted ${label}: the item is still in the library; ignored`, results: [] };
      }
    } catch (err) {
      verified = `not verified: ${errorMessage(err)}`;
    }
    const known = this.library.get(id);
    const type: ItemKind = known?.type ?? kindOfHint(hint.item_type);
    const episodes = known ? episodeNumbers(known) : hintEpisodes(hint);
    const episodeIds = type === 'Series' ? this.library.episodesOf(id).map((e) => e.id) : [];
    const holderIds = new Set<string>();
    for (const itemId of [id, ...episodeIds]) for (const rid of this.holders.get(itemId) ?? []) holderIds.add(rid);
    const holders = [...holderIds].map((rid) => this.opts.view.request(rid)).filter((r) => r !== undefined);
    const events = deletionEvents({ id, type, episodes, episode_ids: episodeIds }, holders, this.clock().toISOString());
    this.library.remove(id);
    for (const itemId of [id, ...episodeIds]) this.holders.delete(itemId);
    if (events.length === 0) return { note: `Jellyfin ItemDeleted ${label}: no tracked request holds it (${verified})`, results: [] };
    const results = await this.opts.sink.ingest(events);
    return { note: `Jellyfin ItemDeleted ${label} (${verified})`, results: Array.isArray(results) ? results : [] };
  }

  // -------------------------------------------------------------------------------------
  // Library scan (explicit, rate-limited; never periodic: D7)

  async refreshLibrary(reason: string): Promise<LibraryRefreshOutcome> {
    const now = this.clock().getTime();
    if (this.scan) return { started: false, note: 'a library scan started by Media Tracker is still running' };
    const minGap = this.opts.refreshMinIntervalMs ?? 10 * MINUTE;
    if (this.scanStartedAt !== null && now - this.scanStartedAt < minGap) {
      const ago = Math.floor((now - this.scanStartedAt) / MINUTE);
      return { started: false, note: `rate-limited: the last library scan started ${ago} min ago (at most one every ${Math.round(minGap / MINUTE)} min)` };
    }
    this.scanStartedAt = now;
    this.scanResult = null;
    this.log.info(`${this.name}: starting a library scan (${reason})`);
    const done = this.client.refreshLibrary();
    this.scan = done
      .then(() => {
        this.scanResult = 'finished';
        this.log.info(`${this.name}: library scan finished`);
      })
      .catch((err: unknown) => {
        this.scanResult = `failed: ${errorMessage(err)}`;
        this.log.warning(`${this.name}: library scan failed: ${errorMessage(err)}`);
      })
      .finally(() => {
        this.scan = null;
      });
    return { started: true, note: `library scan started (${reason})`, done };
  }
}

function kindOfHint(type: string): ItemKind {
  return type === 'Movie' || type === 'Series' || type === 'Episode' || type === 'Season' ? type : 'Other';
}

function hintEpisodes(hint: JellyfinHint): Array<{ season: number; episode: number }> {
  if (hint.item_type !== 'Episode' || hint.season === null || hint.episode === null) return [];
  const end = hint.episode_end !== null && hint.episode_end > hint.episode && hint.episode_end - hint.episode <= 50 ? hint.episode_end : hint.episode;
  const out: Array<{ season: number; episode: number }> = [];
  for (let e = hint.episode; e <= end; e++) out.push({ season: hint.season, episode: e });
  return out;
}
