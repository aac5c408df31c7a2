/**
 * Jellyseerr reconciler: the first cycle (right after start) back-fills the open requests the
 * tracker never saw; every `intervals.jellyseerr_s` after that it does the same again (missed
 * approvals, declines, failures) and checks that the tracked open requests still exist.
 *
 * Cost per cycle is bounded and does not grow with the number of tracked requests:
 *   `GET /api/v1/request?take=100&skip=…&filter=all&sort=modified` — at most MAX_PAGES pages,
 *     fewer when the list ends;
 *   `GET /api/v1/request/{id}` — only for tracked requests the pages did not show, at most
 *     MAX_CHECKS per cycle, least recently checked first (404 `Request not found.` ⇒ DELETED);
 *   `GET /api/v1/{movie|tv}/{tmdbId}` — the title of a request about to be created (the request
 *     entity has none), at most MAX_TITLE_LOOKUPS per cycle; the rest are created by catch-up
 *     cycles CATCH_UP_MS apart (each one bounded the same way) until the backlog is done.
 *
 * All calls are made before anything is sent: an upstream fault fails the whole cycle
 * (`UpstreamError`, logged once per outage by the poll loop), nothing is sent, memory is kept.
 */
import type { MediaRequest } from '../../domain/model.js';
import type { UnstampedEvent } from '../../domain/events.js';
import type { Logger } from '../../log.js';
import { PolledWatcher, PollLoop, type Watcher } from '../loop.js';
import type { EventSink, TrackedView } from '../types.js';
import { UpstreamError } from '../../net/service.js';
import { JellyseerrClient, type ApiDetails, type ApiRequest } from './api.js';
import { backfillDecision, backfillKey, deletedEvent, detailsOf, mediaTypeOf, requestEvent, type Details } from './map.js';

export const PAGE_SIZE = 100;
export const MAX_PAGES = 5;
export const MAX_CHECKS = 10;
export const MAX_TITLE_LOOKUPS = 20;
/** Pause before a catch-up cycle when titles were left for later. */
export const CATCH_UP_MS = 2_000;

export interface JellyseerrReconcilerOptions {
  url: string;
  apiKey: string;
  intervalS: number;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** HTTP timeout per request (default 15 s). */
  timeoutMs?: number;
}

export function createJellyseerrReconciler(opts: JellyseerrReconcilerOptions): Watcher {
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
    return { ...this.last };
  }

  private async cycle(): Promise<void> {
    this.cycleNo++;
    const before = this.client.requests;
    const tracked = new Map<number, MediaRequest>();
    for (const r of this.opts.view.openRequests()) if (r.jellyseerr_request_id !== null) tracked.set(r.jellyseerr_request_id, r);

    // 1. The list, most recently modified first.
    const listed: ApiRequest[] = [];
    let complete = false;
    for (let page = 0; page < MAX_PAGES; page++) {
      const res = await this.client.list(page * PAGE_SIZE, PAGE_SIZE);
      listed.push(...res.results);
      const total = res.pageInfo?.results;
      if (res.results.length < PAGE_SIZE || (typeof total === 'number' && listed.length >= total)) {
        complete = true;
        break;
      }
    }
    const seen = new Set(listed.map((r) => r.id));

    // 2. Tracked requests the list did not show: one by one, a few per cycle.
    const unseen = [...tracked.keys()].filter((id) => !seen.has(id));
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
      const decision = backfillDecision(req, tracked.get(req.id), this.closed(req.id));
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
    for (const id of gone) events.push(deletedEvent(tracked.get(id)!, id));

    if (events.length) await this.opts.sink.ingest(events);

    for (const [id, key] of keys) this.sent.set(id, key);
    for (const id of checkedNow) this.checked.set(id, this.cycleNo);
    for (const id of this.checked.keys()) if (!tracked.has(id)) this.checked.delete(id);
    this.last = { requests: listed.length, events: events.length, calls: this.client.requests - before, complete };
    if (deferred && this.started && !this.catchUp) {
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

  /**
   * TMDB details through Jellyseerr. Jellyseerr answers 500 when TMDB fails: the request is
   * then tracked without its title rather than not at all. A network error (Jellyseerr itself
   * is down) still fails the cycle.
   */
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
