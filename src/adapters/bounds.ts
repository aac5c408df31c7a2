/**
 * Length bounds for every text an event carries, applied where events enter the tracker (the
 * webhook routes and the watchers' sink). Free text ends up in the journal, the snapshot and
 * several retained MQTT topics, so one oversized title would be stored and published five
 * times over.
 *
 * A text over its bound is cut and marked with a trailing `…` (the event is still accepted: a
 * long title is no reason to lose a webhook). Dedup keys are not free text: a long key keeps a
 * prefix and gets a hash of the whole key, so two different long keys never become equal.
 * See docs/configuration.md ("Free-text bounds").
 */
import { createHash } from 'node:crypto';
import type { UnstampedEvent } from '../domain/events.js';
import type { EventSink } from '../watchers/types.js';

export const FREE_TEXT_LIMITS = {
  /** Titles of movies, series, episodes and releases. */
  title: 512,
  /** User names, indexers, download clients, qualities, torrent states. */
  name: 256,
  /** Reasons and messages (import blocked, failed, stuck...). */
  message: 2048,
  /** File paths and URLs. */
  path: 4096,
  /** Any other text field. */
  other: 2048,
  /** Dedup keys (beyond this: a prefix and a hash). */
  key: 512,
} as const;

const MARK = '…';

/** Field name → bound; a field not listed gets `other`. */
const FIELD_LIMIT = new Map<string, number>([
  ['title', FREE_TEXT_LIMITS.title],
  ['requested_by', FREE_TEXT_LIMITS.name],
  ['reported_by', FREE_TEXT_LIMITS.name],
  ['by', FREE_TEXT_LIMITS.name],
  ['issue_type', FREE_TEXT_LIMITS.name],
  ['quality', FREE_TEXT_LIMITS.name],
  ['indexer', FREE_TEXT_LIMITS.name],
  ['download_client', FREE_TEXT_LIMITS.name],
  ['client_state', FREE_TEXT_LIMITS.name],
  ['imdb_id', FREE_TEXT_LIMITS.name],
  ['hash', FREE_TEXT_LIMITS.name],
  ['reason', FREE_TEXT_LIMITS.message],
  ['message', FREE_TEXT_LIMITS.message],
  ['path', FREE_TEXT_LIMITS.path],
  ['file_path', FREE_TEXT_LIMITS.path],
  ['poster_url', FREE_TEXT_LIMITS.path],
]);

/** `text` cut to `limit` characters including the mark; a surrogate pair is never split. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let end = limit - MARK.length;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${MARK}`;
}

/** A dedup key of bounded length that stays unique: a prefix and the SHA-256 of the whole key. */
export function boundKey(key: string): string {
  if (key.length <= FREE_TEXT_LIMITS.key) return key;
  const digest = createHash('sha256').update(key).digest('hex').slice(0, 32);
  return `${key.slice(0, FREE_TEXT_LIMITS.key - digest.length - 1)}#${digest}`;
}

function bound(value: unknown, field: string): unknown {
  if (typeof value === 'string') return truncate(value, FIELD_LIMIT.get(field) ?? FREE_TEXT_LIMITS.other);
  if (Array.isArray(value)) return value.map((v) => bound(v, field));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = bound(v, k);
  return out;
}

/** The event with every text within its bound (a new object; the input is not changed). */
export function boundEvent(event: UnstampedEvent): UnstampedEvent {
  const bounded = bound(event, '') as UnstampedEvent;
  return { ...bounded, key: boundKey(event.key) };
}

/** A sink that bounds what it is given before passing it on (for the watchers). */
export function boundedSink(sink: EventSink): EventSink {
  return { ingest: (events) => sink.ingest(events.map(boundEvent)) };
}
