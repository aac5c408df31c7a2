/**
 * Jellyseerr / Overseerr / Seerr webhook → normalised events (docs/upstreams.md §3). Pure: no I/O,
 * no clock.
 *
 * The body comes from a user-editable template in which every substituted value is a STRING
 * (`"request_id": "61"`, `"tvdbId": ""`), so ids are parsed defensively: digits → number,
 * `""` → null, anything else → a field error. Numbers are accepted too, for hand-written
 * templates.
 *
 * Dedup key scheme: `jellyseerr:<request_id>:<notification_type>` — Jellyseerr sends each
 * notification type at most once per request (a re-request is a new request id). A body
 * without a request block (Overseerr's 2021 template) is keyed on its media,
 * `jellyseerr:<movie|tv>-<tmdb|tvdb>-<id>:<notification_type>`, and only updates the open
 * request of that media; it never creates one (there is no request id to create it from).
 *
 * Personal data: only `requestedBy_username` is carried (as `requested_by`). E-mail
 * addresses, avatars, Discord/Telegram ids are never copied into events; a display name
 * that is itself an e-mail address (Jellyseerr falls back to the e-mail) is cut to its
 * local part.
 */
import * as z from 'zod';
import type { MediaInfo, RequestEvent, UnstampedEvent } from '../../domain/events.js';
import { requestIs4k } from './adapter-4k.js';
import { parseIssue } from './issue.js';
import { JellyseerrMediaSchema, requesterName, TemplatePositiveInt, TemplateText } from './template-values.js';

export { JellyseerrMediaSchema, requesterName, TemplateOptionalId, TemplatePositiveInt, TemplateText } from './template-values.js';
import type { AdapterContext, ParseResult } from '../../adapters/types.js';
import { compact, fail, ignored, isRecord, lenient, readDiscriminator, validate } from '../../adapters/validation.js';

// ---------------------------------------------------------------------------------------------
// Notification types (§3.3)
// ---------------------------------------------------------------------------------------------

/** Types that carry a request, and the request status each one proves. */
export const JELLYSEERR_REQUEST_STATUS = {
  MEDIA_PENDING: 'pending',
  MEDIA_AUTO_REQUESTED: 'pending',
  MEDIA_APPROVED: 'approved',
  MEDIA_AUTO_APPROVED: 'auto_approved',
  MEDIA_DECLINED: 'declined',
  MEDIA_FAILED: 'failed',
  MEDIA_AVAILABLE: 'available',
} as const satisfies Record<string, RequestEvent['status']>;
export type JellyseerrRequestType = keyof typeof JELLYSEERR_REQUEST_STATUS;

const REQUEST_TYPES = Object.keys(JELLYSEERR_REQUEST_STATUS) as JellyseerrRequestType[];

/** Known types that carry no request: the test, and issues (issue.ts; any other `ISSUE_*` type is accepted too). */
export const JELLYSEERR_IGNORED_TYPES = ['TEST_NOTIFICATION', 'ISSUE_CREATED', 'ISSUE_COMMENT', 'ISSUE_RESOLVED', 'ISSUE_REOPENED'] as const;

export const JELLYSEERR_NOTIFICATION_TYPES = [...REQUEST_TYPES, ...JELLYSEERR_IGNORED_TYPES] as const;
export type JellyseerrNotificationType = (typeof JELLYSEERR_NOTIFICATION_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// Schemas (default template, §3.2)
// ---------------------------------------------------------------------------------------------

/** Envelope only: enough for the test notification and issue events. */
export const JellyseerrEnvelopeSchema = z.looseObject({
  notification_type: z.string(),
});

export const JellyseerrRequestSchema = z.looseObject({
  request_id: TemplatePositiveInt,
  requestedBy_username: lenient(TemplateText),
  requestedBy_email: lenient(TemplateText),
});

export const JellyseerrExtraSchema = z.array(
  z.looseObject({
    name: TemplateText,
    value: TemplateText,
  }),
);

/**
 * A request notification (`MEDIA_*`). `media` must be an object; `request` too when present.
 * Overseerr's default template of early 2021 has no request block (and top-level
 * `email`/`username`/`avatar`, an unfilled `"{{media_imdbid}}"`); installs that kept it still
 * send it. Descriptive fields are lenient: a wrong type drops them.
 */
export const JellyseerrMediaNotificationSchema = z.looseObject({
  notification_type: z.enum(REQUEST_TYPES as [JellyseerrRequestType, ...JellyseerrRequestType[]]),
  event: lenient(TemplateText),
  subject: lenient(TemplateText),
  image: lenient(TemplateText),
  media: JellyseerrMediaSchema,
  request: JellyseerrRequestSchema.nullish(),
  extra: lenient(JellyseerrExtraSchema),
});

// ---------------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------------

/** `"Outer Banks (2020)"` → `{ title: "Outer Banks", year: 2020 }`; no trailing year → year null. */
export function splitSubject(subject: string | null): { title: string | undefined; year: number | null } {
  if (subject === null) return { title: undefined, year: null };
  const trimmed = subject.trim();
  const m = /^(.*\S)\s*\((\d{4})\)$/.exec(trimmed);
  if (m && m[1] !== undefined && m[2] !== undefined) return { title: m[1], year: Number(m[2]) };
  return { title: trimmed, year: null };
}

/**
 * `"1, 2"` / `"1,2"` / `"2 1 1"` → `[1, 2]` (sorted, unique); `"1-3"` → `[1, 2, 3]`.
 * Tokens that are not season numbers are skipped.
 */
export function parseSeasons(value: string | null): number[] {
  if (value === null) return [];
  const out = new Set<number>();
  for (const token of value.split(/[,;\s]+/)) {
    const range = /^(\d{1,3})-(\d{1,3})$/.exec(token);
    if (range) {
      const lo = Number(range[1]);
      const hi = Number(range[2]);
      if (hi >= lo && hi - lo <= 100) for (let s = lo; s <= hi; s++) out.add(s);
    } else if (/^\d{1,3}$/.test(token)) {
      out.add(Number(token));
    }
  }
  return [...out].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

/** Parses one Jellyseerr/Overseerr/Seerr webhook body. */
export function parseJellyseerr(body: unknown, _ctx: AdapterContext): ParseResult {
  // Any ISSUE_* type (including ones added later) is about an issue with the media.
  if (isRecord(body) && typeof body.notification_type === 'string' && body.notification_type.startsWith('ISSUE_')) return parseIssue(body);

  const head = readDiscriminator(body, 'notification_type', JELLYSEERR_NOTIFICATION_TYPES);
  if (!head.ok) return fail(head.errors);
  if (head.value === 'TEST_NOTIFICATION') {
    return ignored('Jellyseerr test notification, nothing to track');
  }

  const v = validate(JellyseerrMediaNotificationSchema, head.body);
  if (!v.ok) return fail(v.errors);
  const p = v.data;
  const type = p.notification_type;
  const requestId = p.request?.request_id ?? null;
  const mediaType = p.media.media_type;
  const { title, year } = splitSubject(p.subject ?? null);
  // Without a request block the media's id is the only key: the event updates the open request of that media.
  const mediaRef = p.media.tmdbId !== null ? `tmdb-${p.media.tmdbId}` : p.media.tvdbId !== null ? `tvdb-${p.media.tvdbId}` : null;
  if (requestId === null && mediaRef === null) {
    return fail([{ path: 'media.tmdbId', message: 'required (a numeric id, or media.tvdbId) when there is no request block' }]);
  }

  const media = compact<MediaInfo>({
    media_type: mediaType,
    title,
    year,
    tmdb_id: p.media.tmdbId,
    tvdb_id: p.media.tvdbId,
    poster_url: p.image ?? null,
  });

  let requestedSeasons: number[] | undefined;
  if (mediaType === 'tv') {
    const entry = (p.extra ?? []).find((e) => e.name?.trim().toLowerCase() === 'requested seasons');
    if (entry) requestedSeasons = parseSeasons(entry.value);
  }

  const event: UnstampedEvent = compact({
    kind: 'request',
    key: requestId !== null ? `jellyseerr:${requestId}:${type}` : `jellyseerr:${mediaType}-${mediaRef}:${type}`,
    source: 'jellyseerr',
    match: compact({
      jellyseerr_request_id: requestId ?? undefined,
      media_type: mediaType,
      tmdb_id: p.media.tmdbId ?? undefined,
      tvdb_id: p.media.tvdbId ?? undefined,
      scope: requestId !== null ? ('any' as const) : ('active' as const),
    }),
    jellyseerr_request_id: requestId,
    status: JELLYSEERR_REQUEST_STATUS[type],
    notification_type: type,
    media,
    requested_by: p.request ? requesterName(p.request.requestedBy_username ?? null, p.request.requestedBy_email ?? null) : null,
    requested_seasons: requestedSeasons,
    is_4k: requestIs4k(JELLYSEERR_REQUEST_STATUS[type], p.event ?? null, p.media.status ?? null, p.media.status4k ?? null),
  });
  return {
    ok: true,
    events: [event],
    note: `Jellyseerr ${type} for ${requestId !== null ? `request ${requestId}` : `the open request of ${mediaType} ${mediaRef}`}${title ? ` (${title})` : ''}`,
  };
}
