/**
 * Jellyseerr REST requests → normalised events (docs/upstreams.md §3.3–3.6, docs/lessons.md A10, B13,
 * J9). Pure: no I/O, no clock.
 *
 * - `request` events back-fill what the webhooks missed: open requests the tracker never saw
 *   (it was down during MEDIA_PENDING/AUTO_APPROVED), and the outcomes of tracked ones
 *   (declined, failed, available, a missed approval).
 * - `deleted` when `GET /api/v1/request/{id}` answers 404 `Request not found.`: the nightly
 *   availability sync deletes requests whose media disappeared, silently (§3.4).
 *
 * Keys: `jellyseerr:backfill:<id>:<request status>:<media status>` (a new status pair is a new
 * fact) and `jellyseerr:deleted:<id>`.
 *
 * Personal data: the requester is `displayName` (or another user name); an e-mail address is
 * never copied into an event (a display name that is one is cut to its local part, like the
 * webhook adapter does).
 */
import { requesterName } from './adapter.js';
import { compact } from '../../adapters/validation.js';
import type { MediaInfo, MediaType, RequestEvent, UnstampedEvent } from '../../domain/events.js';
import type { MediaRequest } from '../../domain/model.js';
import type { ApiDetails, ApiRequest, ApiUser } from './api.js';

export const JELLYSEERR_DELETED_REASON = 'Jellyseerr: request removed (its availability sync deletes requests whose media disappeared)';

/** `MediaRequestStatus` / `MediaStatus` numbers (§3.3). */
export const REQUEST_STATUS = { PENDING: 1, APPROVED: 2, DECLINED: 3, FAILED: 4, COMPLETED: 5 } as const;
export const MEDIA_STATUS = { UNKNOWN: 1, PENDING: 2, PROCESSING: 3, PARTIALLY_AVAILABLE: 4, AVAILABLE: 5, BLOCKLISTED: 6, DELETED: 7 } as const;

const REQUEST_STATUS_NAMES: Record<number, string> = { 1: 'PENDING', 2: 'APPROVED', 3: 'DECLINED', 4: 'FAILED', 5: 'COMPLETED' };

/** The media status of the request's own copy: a 4K request follows `status4k`. */
export function mediaStatusOf(req: ApiRequest): number | null | undefined {
  return req.is4k ? req.media?.status4k : req.media?.status;
}

/**
 * The status a request proves: declined/failed from the request; else available when its copy
 * of the media (or, in Seerr, the request) is AVAILABLE/COMPLETED; else pending/approved. Null
 * for unknown values.
 */
export function requestStatus(req: ApiRequest): RequestEvent['status'] | null {
  if (req.status === REQUEST_STATUS.DECLINED) return 'declined';
  if (req.status === REQUEST_STATUS.FAILED) return 'failed';
  if (req.status === REQUEST_STATUS.COMPLETED || mediaStatusOf(req) === MEDIA_STATUS.AVAILABLE) return 'available';
  if (req.status === REQUEST_STATUS.PENDING) return 'pending';
  if (req.status === REQUEST_STATUS.APPROVED) return 'approved';
  return null;
}

/** Still on its way in Jellyseerr: pending or approved, and the media is not available/blocklisted/deleted. */
export function isOpenInJellyseerr(req: ApiRequest): boolean {
  if (req.status !== REQUEST_STATUS.PENDING && req.status !== REQUEST_STATUS.APPROVED) return false;
  const media = mediaStatusOf(req);
  return media !== MEDIA_STATUS.AVAILABLE && media !== MEDIA_STATUS.BLOCKLISTED && media !== MEDIA_STATUS.DELETED;
}

export function mediaTypeOf(req: ApiRequest): MediaType | null {
  const type = (req.type ?? req.media?.mediaType ?? '').toLowerCase();
  return type === 'movie' || type === 'tv' ? type : null;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The requester's name: `displayName`, else another user name — never an e-mail address. */
export function requesterOf(user: ApiUser | null | undefined): string | null {
  if (!user) return null;
  for (const candidate of [user.displayName, user.username, user.jellyfinUsername, user.plexUsername]) {
    const name = candidate?.trim();
    if (name && !EMAIL.test(name)) return name;
  }
  return requesterName(user.displayName ?? null, user.email ?? null);
}

export function backfillKey(req: ApiRequest): string {
  return `jellyseerr:backfill:${req.id}:${req.status}:${mediaStatusOf(req) ?? 0}`;
}

/** When Jellyseerr last changed the request or its media: what "modified since" compares. */
export function modifiedAt(req: ApiRequest): number {
  const times = [req.updatedAt, req.media?.updatedAt].map((t) => (t ? Date.parse(t) : Number.NaN)).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : 0;
}

/** What the TMDB details add to a created request. */
export interface Details {
  title?: string;
  year?: number | null;
  poster_url?: string | null;
}

export function detailsOf(d: ApiDetails | null | undefined): Details {
  if (!d) return {};
  const title = (d.title ?? d.name ?? '').trim();
  const date = d.releaseDate ?? d.firstAirDate ?? '';
  const year = /^\d{4}/.test(date) ? Number(date.slice(0, 4)) : null;
  return compact<Details>({
    title: title || undefined,
    year,
    poster_url: d.posterPath ? `https://image.tmdb.org/t/p/w600_and_h900_bestv2${d.posterPath}` : null,
  });
}

/**
 * A Jellyseerr request → one `request` event; null when its type or status is unknown.
 * `since` (its last change) dates an outcome the tracker learns late: a request that finished
 * long ago counts its Home Assistant retention from then.
 */
export function requestEvent(req: ApiRequest, details: Details = {}): UnstampedEvent | null {
  const status = requestStatus(req);
  const media_type = mediaTypeOf(req);
  if (!status || !media_type) return null;
  const tmdb = req.media?.tmdbId || undefined;
  const tvdb = (media_type === 'tv' ? req.media?.tvdbId : undefined) || undefined;
  const media = compact<MediaInfo>({
    media_type,
    title: details.title,
    year: details.year ?? undefined,
    tmdb_id: tmdb ?? null,
    tvdb_id: tvdb ?? null,
    imdb_id: req.media?.imdbId || null,
    poster_url: details.poster_url ?? undefined,
  });
  const seasons = media_type === 'tv' ? [...new Set((req.seasons ?? []).map((s) => s.seasonNumber))].sort((a, b) => a - b) : undefined;
  return compact<UnstampedEvent>({
    kind: 'request',
    key: backfillKey(req),
    source: 'jellyseerr',
    match: compact({ jellyseerr_request_id: req.id, media_type, tmdb_id: tmdb, tvdb_id: tvdb, scope: 'any' as const }),
    jellyseerr_request_id: req.id,
    status,
    notification_type: `API_${REQUEST_STATUS_NAMES[req.status] ?? req.status}`,
    media,
    requested_by: requesterOf(req.requestedBy),
    requested_seasons: seasons?.length ? seasons : undefined,
    is_4k: typeof req.is4k === 'boolean' ? req.is4k : undefined,
    since: modifiedAt(req) > 0 ? new Date(modifiedAt(req)).toISOString() : undefined,
  });
}

export type Decision = 'create' | 'update' | null;

/**
 * Whether a Jellyseerr request is worth an event.
 * @param open   the tracker's open request with this Jellyseerr id, if any
 * @param closed the tracker's closed request with this Jellyseerr id, if known
 * @param importing the request is part of the first start's back-fill or was modified since the
 *   previous cycle: an unknown one is imported whatever its status (history included)
 *
 * - Not tracked: imported when `importing`, else only when still open in Jellyseerr; a
 *   closed one only when Jellyseerr re-approved a request the tracker holds as declined.
 * - Tracked and open: outcomes (declined, failed, available), and an approval the tracker
 *   missed (it still says REQUESTED). An "approved" must not reopen a request the tracker
 *   marked FAILED because its download failed: Jellyseerr still says approved then.
 */
export function backfillDecision(req: ApiRequest, open: MediaRequest | undefined, closed?: MediaRequest, importing = false): Decision {
  const status = requestStatus(req);
  if (!status || !mediaTypeOf(req)) return null;
  if (open) {
    if (status === 'declined' || status === 'failed' || status === 'available') return 'update';
    if (status === 'approved' && open.state === 'REQUESTED') return 'update';
    return null;
  }
  if (closed) return status === 'approved' && closed.state === 'DECLINED' ? 'update' : null;
  return importing || isOpenInJellyseerr(req) ? 'create' : null;
}

/** The tracked request's Jellyseerr request is gone (404): DELETED, with the reason. */
export function deletedEvent(r: MediaRequest, jellyseerrId: number): UnstampedEvent {
  return {
    kind: 'deleted',
    key: `jellyseerr:deleted:${jellyseerrId}`,
    source: 'jellyseerr',
    match: { request_id: r.id, jellyseerr_request_id: jellyseerrId, media_type: r.media_type, scope: 'any' },
    scope: 'media',
    episodes: [],
    reason: JELLYSEERR_DELETED_REASON,
  };
}
