/**
 * Jellyseerr reconciler. The very first cycle (no back-fill recorded in settings.json) imports
 * the `backfill_limit` most recently modified requests in every status, AVAILABLE included; every
 * `intervals.jellyseerr_s` after that it imports every request modified since the previous cycle
 * (known or not, any status), still creates open requests the tracker never saw, updates tracked
 * ones (missed approvals, declines, failures, availability), and checks that tracked requests
 * (finished ones too) still exist. It also reads Jellyseerr's Radarr/Sonarr settings for the
 * instances' 4K-ness (servers.ts) and gives TV requests Sonarr cannot list their roster from
 * Jellyseerr's episode counts (roster.ts).
 *
 * Cost per cycle is bounded and does not grow with the number of tracked requests:
 *   `GET /api/v1/request?take=100&skip=…&filter=all&sort=modified` — at most MAX_PAGES pages
 *     (the first back-fill: enough for `backfill_limit`), fewer when the list ends;
 *   `GET /api/v1/request/{id}` — only for tracked requests the pages did not show, at most
 *     MAX_CHECKS per cycle, least recently checked first (404 `Request not found.` ⇒ DELETED);
 *   `GET /api/v1/settings/radarr|sonarr` — only while an instance has no `is_4k` option;
 *   `GET /api/v1/tv/{tmdbId}` — a roster lookup, at most MAX_ROSTER_LOOKUPS per cycle;
 *   `GET /api/v1/{movie|tv}/{tmdbId}` — the title of a request about to be created (the request
 *     entity has none), at most MAX_TITLE_LOOKUPS per cycle; the rest are created by catch-up
 *     cycles CATCH_UP_MS apart (each one bounded the same way) until the backlog is done.
 *
 * All calls are made before anything is sent: an upstream fault fails the whole cycle
 * (`UpstreamError`, logged once per outage by the poll loop), nothing is sent, memory is kept.
 */
import type { PvrKinds } from '../pvr-kinds.js';
import type { MediaRequest } from '../../domain/model.js';
import type { UnstampedEvent } from '../../domain/events.js';
import { errorMessage } from '../../log.js';
import { PolledWatcher, PollLoop, type PollOptions } from '../../watchers/loop.js';
import { UpstreamError } from '../../net/service.js';
import { JellyseerrClient, type ApiDetails, type ApiRequest, type ApiTvSeasons } from './api.js';
import { backfillDecision, backfillKey, deletedEvent, detailsOf, MEDIA_STATUS, mediaStatusOf, mediaTypeOf, modifiedAt, requestEvent, type Details } from './map.js';
import { jellyseerrRoster, wantsRoster } from './roster.js';
import { learnKinds, SERVERS_REFRESH_MS } from './servers.js';

export const PAGE_SIZE = 100;
export const MAX_PAGES = 5;
export const MAX_CHECKS = 10;
export const MAX_TITLE_LOOKUPS = 20;
export const MAX_ROSTER_LOOKUPS = 10;
/** Pause before a catch-up cycle when titles were left for later. */
export const CATCH_UP_MS = 2_000;

export interface JellyseerrReconcilerOptions extends PollOptions {
  url: string;
  apiKey: string;
  /** How many requests the first back-fill imports (the `backfill_limit` option; default 250). */
  backfillLimit?: number;
  /** Where the back-fill's progress is kept between runs (settings.json); without it, only in memory. */
  marker?: BackfillMarker;
  /** The Sonarr/Radarr instances' 4K-ness, completed from Jellyseerr's settings. */
  kinds?: PvrKinds;
  /** Sonarr instances are configured: Jellyseerr's counts only stand in after `rosterGraceMs`. */
  sonarr?: boolean;
  rosterGraceMs?: number;
}

export interface BackfillMarker {
  /** The newest Jellyseerr change already imported (ISO); null before the first back-fill. */
  readonly jellyseerrCursor: string | null;
  saveJellyseerrCursor(at: string): Promise<void>;
}

export function createJellyseerrReconciler(opts: JellyseerrReconcilerOptions): JellyseerrReconciler {
  return new JellyseerrReconciler(opts);
}

export class JellyseerrReconciler extends PolledWatcher {
  readonly name = 'jellyseerr/reconcile';
  readonly client: JellyseerrClient;
  protected readonly loop: PollLoop;
  /** The last key sent per Jellyseerr request id: the same status pair is not sent again. */
  private readonly sent = new Map<number, string>();
  /** Cycle in which a tracked request was last checked one by one. */
  private readonly checked = new Map<number, number>();
  private cycleNo = 0;
  /** The newest Jellyseerr change imported (memory copy of the marker). */
  private cursor: string | null = null;
  /** Requests (with their seasons) whose roster was looked up in this run. */
  private readonly rostered = new Set<string>();
  /** When Jellyseerr's Radarr/Sonarr settings were last read. */
  private serversAt = Number.NEGATIVE_INFINITY;
  private last = { requests: 0, events: 0, calls: 0, complete: false };
  private started = false;
  private catchUp: NodeJS.Timeout | null = null;

  constructor(private readonly opts: JellyseerrReconcilerOptions) {
    super();
    this.client = new JellyseerrClient({ url: opts.url, apiKey: opts.apiKey, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
    this.loop = new PollLoop(this.name, Math.max(1, opts.intervalS * 1000), () => this.cycle(), opts.log, opts.clock);
  }

  override start(): void {
    this.started = true;
    super.start();
  }

  override stop(): Promise<void> {
    this.started = false;
    if (this.catchUp) clearTimeout(this.catchUp);
    this.catchUp = null;
    return super.stop();
  }

  protected override detail(): Record<string, unknown> {
    return { ...this.last, ...(this.opts.kinds ? { instances: this.opts.kinds.summary() } : {}) };
  }

  private async cycle(): Promise<void> {
    this.cycleNo++;
    const before = this.client.requests;
    const now = (this.opts.clock ?? (() => new Date()))().getTime();
    if (this.opts.kinds && now - this.serversAt >= SERVERS_REFRESH_MS && (await learnKinds(this.client, this.opts.kinds, this.opts.log))) this.serversAt = now;
    const tracked = new Map<number, MediaRequest>();
    for (const r of this.opts.view.openRequests()) if (r.jellyseerr_request_id !== null) tracked.set(r.jellyseerr_request_id, r);
    // Finished requests are checked for removal too (an AVAILABLE movie deleted in Jellyseerr).
    const finished = new Map<number, MediaRequest>();
    for (const r of this.opts.view.allRequests?.() ?? []) {
      if (r.jellyseerr_request_id !== null && !tracked.has(r.jellyseerr_request_id) && r.state !== 'DELETED' && r.state !== 'DECLINED') finished.set(r.jellyseerr_request_id, r);
    }

    // 1. The list, most recently modified first; the first back-fill reads as far as its limit.
    const cursor = this.cursor ?? this.opts.marker?.jellyseerrCursor ?? null;
    const limit = this.opts.backfillLimit ?? 250;
    const pages = cursor === null ? Math.max(MAX_PAGES, Math.ceil(limit / PAGE_SIZE)) : MAX_PAGES;
    const listed: ApiRequest[] = [];
    let complete = false;
    for (let page = 0; page < pages; page++) {
      const res = await this.client.list(page * PAGE_SIZE, PAGE_SIZE);
      listed.push(...res.results);
      const total = res.pageInfo?.results;
      if (res.results.length < PAGE_SIZE || (typeof total === 'number' && listed.length >= total)) {
        complete = true;
        break;
      }
    }
    const seen = new Set(listed.map((r) => r.id));
    const since = cursor === null ? null : Date.parse(cursor);
    const importing = new Set(listed.filter((r, i) => (since === null ? i < limit : modifiedAt(r) > since)).map((r) => r.id));

    // 2. Tracked requests the list did not show: one by one, a few per cycle.
    const unseen = [...tracked.keys(), ...finished.keys()].filter((id) => !seen.has(id));
    unseen.sort((a, b) => (this.checked.get(a) ?? 0) - (this.checked.get(b) ?? 0) || a - b);
    const gone: number[] = [];
    const fetched: ApiRequest[] = [];
    const checkedNow: number[] = [];
    for (const id of unseen.slice(0, MAX_CHECKS)) {
      const req = await this.client.request(id);
      checkedNow.push(id);
      if (req === null) gone.push(id);
      else fetched.push(req);
    }

    // 3. Decisions; titles for what will be created.
    const planned: Array<{ req: ApiRequest; key: string; create: boolean }> = [];
    for (const req of [...listed, ...fetched]) {
      const key = backfillKey(req);
      if (this.sent.get(req.id) === key) continue;
      const own = tracked.get(req.id) ?? finished.get(req.id);
      // Seerr marks media whose files are gone DELETED: the request follows it.
      if (own && mediaStatusOf(req) === MEDIA_STATUS.DELETED && !gone.includes(req.id)) {
        gone.push(req.id);
        continue;
      }
      const decision = backfillDecision(req, tracked.get(req.id), finished.get(req.id) ?? this.closed(req.id), importing.has(req.id));
      if (decision) planned.push({ req, key, create: decision === 'create' });
    }
    const events: UnstampedEvent[] = [];
    const keys = new Map<number, string>();
    let lookups = 0;
    let deferred = 0;
    for (const p of planned) {
      let details: Details = {};
      const type = mediaTypeOf(p.req);
      const tmdb = p.req.media?.tmdbId;
      if (p.create && type && tmdb) {
        if (lookups >= MAX_TITLE_LOOKUPS) {
          deferred++;
          continue;
        }
        lookups++;
        details = detailsOf(await this.details(type, tmdb));
      }
      const event = requestEvent(p.req, details);
      if (!event) continue;
      events.push(event);
      keys.set(p.req.id, p.key);
    }
    for (const id of gone) {
      const r = tracked.get(id) ?? finished.get(id);
      if (r) events.push(deletedEvent(r, id));
    }
    const rosters = await this.rosters();

    if (events.length) await this.opts.sink.ingest(events);
    // After the requests: a request created just now gets its roster in the next cycle.
    if (rosters.events.length) await this.opts.sink.ingest(rosters.events);
    for (const k of rosters.looked) this.rostered.add(k);

    for (const [id, key] of keys) this.sent.set(id, key);
    for (const id of checkedNow) this.checked.set(id, this.cycleNo);
    for (const id of this.checked.keys()) if (!tracked.has(id) && !finished.has(id)) this.checked.delete(id);
    // The back-fill moves on only when nothing was left for a catch-up cycle.
    if (!deferred) await this.advance(cursor, listed);
    this.last = { requests: listed.length, events: events.length + rosters.events.length, calls: this.client.requests - before, complete };
    if ((deferred || rosters.deferred) && this.started && !this.catchUp) {
      this.catchUp = setTimeout(() => {
        this.catchUp = null;
        if (this.started) void this.loop.run();
      }, CATCH_UP_MS);
      this.catchUp.unref();
    }
    if (events.length || deferred) {
      this.opts.log.info(
        `${this.name}: ${events.length} event(s) from ${listed.length} Jellyseerr request(s)` +
          (gone.length ? `, ${gone.length} removed in Jellyseerr` : '') +
          (deferred ? `, ${deferred} more next cycle` : ''),
      );
    }
  }

  /** Records how far the import has come: the newest change seen (the epoch for an empty Jellyseerr). */
  private async advance(cursor: string | null, listed: readonly ApiRequest[]): Promise<void> {
    const newest = Math.max(cursor === null ? 0 : Date.parse(cursor), ...listed.map(modifiedAt));
    const next = new Date(newest).toISOString();
    if (next === this.cursor) return;
    this.cursor = next;
    try {
      await this.opts.marker?.saveJellyseerrCursor(next);
    } catch (err) {
      this.opts.log.warning(`${this.name}: could not record the back-fill: ${errorMessage(err)}`);
    }
  }

  /** Rosters from Jellyseerr's episode counts for the TV requests Sonarr does not list. */
  private async rosters(): Promise<{ events: UnstampedEvent[]; looked: string[]; deferred: number }> {
    const now = (this.opts.clock ?? (() => new Date()))().getTime();
    const opts = { sonarr: this.opts.sonarr ?? false, graceMs: this.opts.rosterGraceMs ?? 0, now };
    const events: UnstampedEvent[] = [];
    const looked: string[] = [];
    let deferred = 0;
    for (const r of this.opts.view.openRequests()) {
      if (!wantsRoster(r, opts) || this.rostered.has(rosterKey(r))) continue;
      if (looked.length >= MAX_ROSTER_LOOKUPS) {
        deferred++;
        continue;
      }
      const details = await this.tvSeasons(r.tmdb_id!);
      looked.push(rosterKey(r));
      const event = details ? jellyseerrRoster(r, details) : null;
      if (event) events.push(event);
    }
    return { events, looked, deferred };
  }

  /**
   * TMDB details through Jellyseerr. Jellyseerr answers 500 when TMDB fails: the request is
   * then tracked without its title rather than not at all. A network error (Jellyseerr itself
   * is down) still fails the cycle.
   */
  private async tvSeasons(tmdbId: number): Promise<ApiTvSeasons | null> {
    try {
      return await this.client.seasons(tmdbId);
    } catch (err) {
      if (err instanceof UpstreamError && err.status !== null) {
        this.opts.log.debug(`${this.name}: no seasons for tv ${tmdbId}: ${err.message}`);
        return null;
      }
      throw err;
    }
  }

  private async details(type: 'movie' | 'tv', tmdbId: number): Promise<ApiDetails | null> {
    try {
      return await this.client.details(type, tmdbId);
    } catch (err) {
      if (err instanceof UpstreamError && err.status !== null) {
        this.opts.log.debug(`${this.name}: no title for ${type} ${tmdbId}: ${err.message}`);
        return null;
      }
      throw err;
    }
  }

  /** The tracker's closed request for a Jellyseerr id, when it has the usual id. */
  private closed(jellyseerrId: number): MediaRequest | undefined {
    const r = this.opts.view.request(`jellyseerr-${jellyseerrId}`);
    return r && r.jellyseerr_request_id === jellyseerrId ? r : undefined;
  }
}

const rosterKey = (r: MediaRequest): string => `${r.id}:${r.requested_seasons.join('.')}`;
