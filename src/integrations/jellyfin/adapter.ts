/**
 * Jellyfin's webhook plugin (docs/upstreams.md §5.3): `ItemAdded` / `ItemDeleted`, either the
 * "Send All Properties" JSON or a user template, often posted as text/plain. Keys are
 * matched case-insensitively (templates may spell them differently); `ItemId` comes
 * hyphenated from templates and plain from JSON. The result is a hint the Jellyfin watcher
 * verifies against the API; it carries no state of its own.
 */
import * as z from 'zod';
import { isRecord, validate } from '../../adapters/validation.js';
import type { FieldError } from '../../adapters/types.js';

export interface JellyfinHint {
  notification: 'ItemAdded' | 'ItemDeleted';
  /** 32 lower-case hex digits, no hyphens (the API's N format). */
  item_id: string;
  item_type: string;
  name: string | null;
  year: number | null;
  /** Episodes/seasons: the Jellyfin series id (N format). */
  series_id: string | null;
  season: number | null;
  episode: number | null;
  episode_end: number | null;
  /** Provider ids with lower-case keys: `tmdb`, `tvdb`, `imdb`, `shoko episode`, `anidb` ... */
  provider_ids: Record<string, string>;
}

export type JellyfinParse = { ok: true; hint: JellyfinHint | null; note: string } | { ok: false; errors: FieldError[] };

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function normaliseItemId(id: string): string {
  return id.replace(/-/g, '').toLowerCase();
}

const optionalInt = z
  .union([z.number().int(), z.string().regex(/^\d*$/, 'expected digits')])
  .nullish()
  .transform((v) => (v === '' || v === null || v === undefined ? null : Number(v)));

const optionalId = z
  .string()
  .nullish()
  .refine((v) => !v || GUID.test(v), 'expected a Jellyfin item id (32 hex digits, hyphens optional)')
  .transform((v) => (v ? normaliseItemId(v) : null));

const HintSchema = z.looseObject({
  notificationtype: z.string({ error: 'required: the plugin sends NotificationType' }),
  itemid: z.string({ error: 'required' }).refine((v) => GUID.test(v), 'expected a Jellyfin item id (32 hex digits, hyphens optional)'),
  itemtype: z.string().nullish(),
  name: z.string().nullish(),
  year: optionalInt,
  seriesid: optionalId,
  seasonnumber: optionalInt,
  episodenumber: optionalInt,
  episodenumberend: optionalInt,
});

const CANONICAL: Record<string, string> = {
  notificationtype: 'NotificationType',
  itemid: 'ItemId',
  itemtype: 'ItemType',
  year: 'Year',
  seriesid: 'SeriesId',
  seasonnumber: 'SeasonNumber',
  episodenumber: 'EpisodeNumber',
  episodenumberend: 'EpisodeNumberEnd',
};

export function parseJellyfin(body: unknown): JellyfinParse {
  if (!isRecord(body)) return { ok: false, errors: [{ path: '(body)', message: 'expected a JSON object (the webhook plugin’s item data)' }] };
  const lower: Record<string, unknown> = {};
  const providers: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    const key = k.toLowerCase();
    lower[key] = v;
    if (key.startsWith('provider_') && typeof v === 'string' && v.trim() !== '') providers[key.slice('provider_'.length)] = v.trim();
  }
  const type = typeof lower.notificationtype === 'string' ? lower.notificationtype : undefined;
  if (type !== undefined && type !== 'ItemAdded' && type !== 'ItemDeleted') {
    return { ok: true, hint: null, note: `Jellyfin ${type}: nothing to track` };
  }
  const v = validate(HintSchema, lower);
  if (!v.ok) {
    return { ok: false, errors: v.errors.map((e) => ({ ...e, path: CANONICAL[e.path] ?? e.path })) };
  }
  const d = v.data;
  const hint: JellyfinHint = {
    notification: d.notificationtype as JellyfinHint['notification'],
    item_id: normaliseItemId(d.itemid),
    item_type: d.itemtype ?? 'Unknown',
    name: d.name ?? null,
    year: d.year,
    series_id: d.seriesid,
    season: d.seasonnumber,
    episode: d.episodenumber,
    episode_end: d.episodenumberend,
    provider_ids: providers,
  };
  return { ok: true, hint, note: `Jellyfin ${hint.notification} ${hint.item_type} ${hint.name ?? hint.item_id}` };
}
