/** Episode references from *arr payloads and file names. */
import type { EpisodeRef } from '../../domain/events.js';
import { compact } from './normalise.js';

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
    const extras = [...tail.matchAll(/\d{1,4}/g)].map((n) => Number(n[0])).filter((n) => n > first && n - first <= 50);
    const episodes = new Set<number>([first, ...extras]);
    if (tail.includes('-')) {
      for (let ep = first; ep <= Math.max(first, ...extras); ep++) episodes.add(ep);
    }
    for (const episode of episodes) found.set(`${season}x${episode}`, { season, episode });
  }
  return [...found.values()].sort((a, b) => a.season - b.season || a.episode - b.episode);
}
