/** The small normalisations every *arr adapter needs: instance names, hashes, posters, ids, anime rules. */
import type { AnimeVerdict } from '../../domain/events.js';
import type { AdapterContext } from '../types.js';
import type { ArrImage } from './arr-schemas.js';

const INSTANCE_NAME_LIMIT = 64;

/**
 * Instance name: the route's name, else the payload's `instanceName`, else the service name;
 * lower-cased, every character outside `[a-z0-9_-]` replaced by `-`.
 */
export function instanceName(ctx: AdapterContext, payloadName: string | null | undefined, fallback: 'sonarr' | 'radarr'): string {
  for (const candidate of [ctx.instance, payloadName]) {
    if (typeof candidate === 'string' && candidate.trim() !== '') {
      // Part of request ids and MQTT topics: a slug, and a short one.
      const name = candidate
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, '-')
        .slice(0, INSTANCE_NAME_LIMIT)
        .replace(/^-+|-+$/g, '');
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
export function animeByRules(service: 'sonarr' | 'radarr', tags: readonly string[] | null | undefined, folder: string | null | undefined, ctx: AdapterContext): AnimeVerdict | null {
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
