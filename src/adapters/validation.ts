/**
 * Helpers shared by the webhook adapters: zod error formatting with dotted paths, envelope
 * checks, and the small normalisations every *arr adapter needs (instance names, hashes,
 * posters, anime rules, episode refs). Pure functions only: no I/O, no clock.
 */
import * as z from 'zod';
import type { AnimeVerdict, EpisodeRef } from '../domain/events.js';
import type { AdapterContext, FieldError, ParseResult } from './types.js';

// ---------------------------------------------------------------------------------------------
// Error formatting
// ---------------------------------------------------------------------------------------------

/** Path used for errors about the body itself (not an object, not JSON...). */
export const BODY_PATH = '(body)';

/** `['episodes', 0, 'seasonNumber']` → `episodes.0.seasonNumber`; `[]` → `(body)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return BODY_PATH;
  return path.map((p) => (typeof p === 'symbol' ? (p.description ?? '?') : String(p))).join('.');
}

/** Plain-words name of a JSON value's type: `string`, `number`, `null`, `array`, `object`... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

const EXPECTED_WORDS: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
  bigint: 'an integer',
};

function expectedWords(expected: string): string {
  return EXPECTED_WORDS[expected] ?? expected;
}

const EMAIL_LIKE = /[^\s"@]+@[^\s"@]+/g;

/** Replaces anything that looks like an e-mail address: error messages end up in logs. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL_LIKE, '<e-mail>');
}

/**
 * Short rendering of a bad value for error messages (never more than ~40 chars, e-mail
 * addresses redacted).
 */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = redactEmails(text);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Per-parse zod error map: turns raw issues into short messages such as
 * `expected a number, got string`, `required (expected a string)` or
 * `expected one of "movie", "tv", got "film"`.
 */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectedWords(String(issue.expected));
      if (issue.input === undefined) return `required (expected ${expected})`;
      if (issue.expected === 'int' && typeof issue.input === 'number') {
        return `expected an integer, got ${showValue(issue.input)}`;
      }
      return `expected ${expected}, got ${describeType(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => showValue(v)).join(', ');
      if (issue.input === undefined) return `required (expected one of ${values})`;
      return `expected one of ${values}, got ${showValue(issue.input)}`;
    }
    case 'invalid_union': {
      // Unions of scalar types (`string | number`): list what each branch expected.
      const expected = [
        ...new Set(
          issue.errors.flatMap((branch) =>
            branch.filter((i) => i.code === 'invalid_type').map((i) => expectedWords(String(i.expected))),
          ),
        ),
      ];
      if (expected.length === 0) return undefined;
      const words =
        expected.length === 1 ? expected.join('') : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1) ?? ''}`;
      if (issue.input === undefined) return `required (expected ${words})`;
      return `expected ${words}, got ${describeType(issue.input)}`;
    }
    case 'too_small':
      return `must be at least ${String(issue.minimum)}, got ${showValue(issue.input)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, got ${showValue(issue.input)}`;
    default:
      return undefined;
  }
};

/** zod issues → `FieldError`s, one per issue, with dotted paths. */
export function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export type Validated<T> = { ok: true; data: T } | { ok: false; errors: FieldError[] };

/** `schema.safeParse` with our error map and `FieldError` output. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, errors: zodErrors(result.error) };
}

/** A failed `ParseResult`. */
export function fail(errors: FieldError[]): ParseResult {
  return { ok: false, errors };
}

/** A successful `ParseResult` with no events (known but irrelevant input). */
export function ignored(note: string): ParseResult {
  return { ok: true, events: [], note };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the discriminator of a webhook body. Returns the body as a record and the value of
 * `field`, or the errors: a non-object body, a missing/non-string discriminator, or an
 * unknown value (the message lists the accepted values).
 */
export function readDiscriminator<K extends string>(
  body: unknown,
  field: string,
  accepted: readonly K[],
): { ok: true; body: Record<string, unknown>; value: K } | { ok: false; errors: FieldError[] } {
  if (!isRecord(body)) {
    return {
      ok: false,
      errors: [{ path: BODY_PATH, message: `expected a JSON object, got ${describeType(body)}` }],
    };
  }
  const raw = body[field];
  const list = accepted.join(', ');
  if (raw === undefined || raw === null || raw === '') {
    return { ok: false, errors: [{ path: field, message: `required (expected one of ${list})` }] };
  }
  if (typeof raw !== 'string') {
    return {
      ok: false,
      errors: [{ path: field, message: `expected a string (one of ${list}), got ${describeType(raw)}` }],
    };
  }
  if (!(accepted as readonly string[]).includes(raw)) {
    return {
      ok: false,
      errors: [{ path: field, message: `unknown value ${showValue(raw)}; accepted values: ${list}` }],
    };
  }
  return { ok: true, body, value: raw as K };
}

// ---------------------------------------------------------------------------------------------
// Strict where the tracker relies on a value, lenient everywhere else
// ---------------------------------------------------------------------------------------------

/**
 * An id that becomes part of a request id, an MQTT topic or a dedup key (*arr record, file and
 * episode ids, tmdb/tvdb ids): a positive safe integer, nothing else.
 */
export const PositiveId = z.int().min(1);

/** An id the *arrs send as 0 when unknown: 0, null or missing mean unknown; a negative id is refused. */
export const OptionalId = z.int().min(0).nullish();

/**
 * A descriptive field the tracker can do without: kept when it parses with `schema`, dropped
 * (undefined) otherwise. Older versions and other forks send other types here (Sonarr 3 sends
 * `quality` as an object), which is never a reason to refuse an event.
 */
export function lenient<T>(schema: z.ZodType<T>) {
  return z
    .unknown()
    .transform((value): T | undefined => {
      const r = schema.safeParse(value);
      return r.success ? r.data : undefined;
    })
    .optional();
}

// ---------------------------------------------------------------------------------------------
// Shared zod building blocks for Sonarr/Radarr (camelCase, nulls omitted, extra keys allowed)
// ---------------------------------------------------------------------------------------------

/** `{ coverType, url, remoteUrl }`; everything but `coverType` may be missing. */
export const ArrImageSchema = z.looseObject({
  coverType: z.string(),
  url: lenient(z.string()),
  remoteUrl: lenient(z.string()),
});
/** Wider than the schema's output: the API watchers pass their own (nullable) images too. */
export interface ArrImage {
  coverType: string;
  url?: string | null | undefined;
  remoteUrl?: string | null | undefined;
}

/** `{ title, messages[] }` on ManualInteractionRequired. */
export const StatusMessageSchema = z.looseObject({
  title: lenient(z.string()),
  messages: lenient(z.array(z.string())),
});
export type StatusMessage = z.output<typeof StatusMessageSchema>;

const MESSAGE_LIMIT = 500;

/** `Sonarr: import blocked — <title>: <messages>; ...` from `downloadStatusMessages`. */
export function blockedMessage(
  service: 'Sonarr' | 'Radarr',
  messages: readonly StatusMessage[] | null | undefined,
  status: string | null | undefined,
): string {
  const parts: string[] = [];
  for (const m of messages ?? []) {
    const title = m.title?.trim() ?? '';
    const lines = (m.messages ?? []).map((s) => s.trim()).filter((s) => s !== '');
    if (lines.length > 0) parts.push(title ? `${title}: ${lines.join('; ')}` : lines.join('; '));
    else if (title) parts.push(title);
  }
  const detail = parts.length > 0 ? parts.join('; ') : `download status ${status ?? 'unknown'}`;
  const text = `${service}: import blocked — ${detail}`;
  return text.length > MESSAGE_LIMIT ? `${text.slice(0, MESSAGE_LIMIT - 1)}…` : text;
}

/** Envelope of every Sonarr/Radarr event; used alone for events we do not track. */
export const ArrEnvelopeSchema = z.looseObject({
  eventType: z.string(),
  instanceName: lenient(z.string()),
  applicationUrl: lenient(z.string()),
});

// ---------------------------------------------------------------------------------------------
// Normalisations
// ---------------------------------------------------------------------------------------------

const INSTANCE_NAME_LIMIT = 64;

/**
 * Instance name: the route's name, else the payload's `instanceName`, else the service name;
 * lower-cased, every character outside `[a-z0-9_-]` replaced by `-`.
 */
export function instanceName(
  ctx: AdapterContext,
  payloadName: string | null | undefined,
  fallback: 'sonarr' | 'radarr',
): string {
  for (const candidate of [ctx.instance, payloadName]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') {
      // Part of request ids and MQTT topics: a slug, and a short one.
      const name = candidate.trim().toLowerCase().replace(/[^a-z0-9_-]+/g, '-').slice(0, INSTANCE_NAME_LIMIT).replace(/^-+|-+$/g, '');
      if (name) return name;
    }
  }
  return fallback;
}

/** Upper-case `downloadId` → lower-case hash; absent/empty → null. */
export function normaliseHash(downloadId: string | null | undefined): string | null {
  if (typeof downloadId !== 'string') return null;
  const trimmed = downloadId.trim();
  return trimmed === '' ? null : trimmed.toLowerCase();
}

/** Poster URL from an *arr `images[]` (remote URL preferred); null when there is none. */
export function posterUrl(images: readonly ArrImage[] | null | undefined): string | null {
  const poster = images?.find((i) => i.coverType.toLowerCase() === 'poster');
  if (!poster) return null;
  return poster.remoteUrl || poster.url || null;
}

/** `0`/absent → null (the *arrs send 0 for unknown ids). */
export function idOrNull(id: number | null | undefined): number | null {
  return typeof id === 'number' && id > 0 ? id : null;
}

/** Absent/empty string → null. */
export function stringOrNull(value: string | null | undefined): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** Copy of `obj` without the keys whose value is `undefined` (keeps events JSON-clean). */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * Anime by the configured rules: a tag label listed in `rules.tags` (case-insensitive), else
 * a folder path containing one of `rules.path_patterns` (case-insensitive). Null when neither.
 */
export function animeByRules(
  service: 'sonarr' | 'radarr',
  tags: readonly string[] | null | undefined,
  folder: string | null | undefined,
  ctx: AdapterContext,
): AnimeVerdict | null {
  const wanted = new Set(ctx.anime.tags.map((t) => t.trim().toLowerCase()).filter((t) => t !== ''));
  for (const tag of tags ?? []) {
    if (wanted.has(tag.trim().toLowerCase())) {
      return { is_anime: true, source: `${service} tag "${tag}"` };
    }
  }
  if (folder) {
    const haystack = folder.toLowerCase();
    for (const pattern of ctx.anime.path_patterns) {
      if (pattern !== '' && haystack.includes(pattern.toLowerCase())) {
        return { is_anime: true, source: `${service} folder "${pattern}"` };
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Episodes
// ---------------------------------------------------------------------------------------------

/** The fields of a Sonarr webhook episode that an `EpisodeRef` needs. */
export interface ArrEpisodeLike {
  id: number;
  seasonNumber: number;
  episodeNumber: number;
  title?: string | null | undefined;
  airDateUtc?: string | null | undefined;
}

export function episodeRef(e: ArrEpisodeLike): EpisodeRef {
  return compact({
    season: e.seasonNumber,
    episode: e.episodeNumber,
    title: e.title ?? undefined,
    air_date_utc: e.airDateUtc ?? null,
    sonarr_episode_id: e.id,
  });
}

/** Sorted by season then episode, duplicates (same season and episode) removed. */
export function sortEpisodes(episodes: readonly EpisodeRef[]): EpisodeRef[] {
  const seen = new Set<string>();
  const out: EpisodeRef[] = [];
  for (const e of episodes) {
    const k = `${e.season}x${e.episode}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out.sort((a, b) => a.season - b.season || a.episode - b.episode);
}

/** Sorted, comma-joined numeric ids: the stable part of a dedup key. */
export function idList(ids: readonly number[]): string {
  return [...new Set(ids)].sort((a, b) => a - b).join(',');
}

/**
 * Season/episode numbers in a file name, covering Sonarr's multi-episode styles: `S01E05`,
 * repeat `S01E01E02`, scene `S01E01-E02`, range `S01E01-03` / prefixed range `S01E01-E03`
 * (a hyphen means "through": `S01E01-E03` covers 1, 2 and 3), extend `S01E01-02-03` and
 * duplicate `S01E01.S01E02`. Only the file name (last path segment) is read so that a
 * `Season 01` folder cannot confuse it. Returns `[]` when no SxxEyy token is found.
 */
export function parseEpisodeNumbers(path: string): Array<{ season: number; episode: number }> {
  const name = path.split(/[\\/]/).pop() ?? path;
  const token = /(?<![a-z0-9])s(\d{1,4})[ ._]?e(\d{1,4})((?:(?:[ ._-]?e|-)\d{1,4}(?![\dp]))*)/gi;
  const found = new Map<string, { season: number; episode: number }>();
  for (const m of name.matchAll(token)) {
    const season = Number(m[1]);
    const first = Number(m[2]);
    const tail = m[3] ?? '';
    // Extra numbers must follow the first one closely (`S01E05-2024` is not 5..2024).
    const extras = [...tail.matchAll(/\d{1,4}/g)]
      .map((n) => Number(n[0]))
      .filter((n) => n > first && n - first <= 50);
    const episodes = new Set<number>([first, ...extras]);
    if (tail.includes('-')) {
      for (let ep = first; ep <= Math.max(first, ...extras); ep++) episodes.add(ep);
    }
    for (const episode of episodes) found.set(`${season}x${episode}`, { season, episode });
  }
  return [...found.values()].sort((a, b) => a.season - b.season || a.episode - b.episode);
}
