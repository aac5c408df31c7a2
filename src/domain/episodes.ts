/** Per-episode bookkeeping and the rule that derives a TV request's state from its episodes. */
import type { EpisodeRef, Source } from './events.js';
import { EPISODE_HISTORY_LIMIT, episodeKey, type Episode, type MediaRequest } from './model.js';
import { judge } from './advance.js';
import { isPipeline, rank, type EpisodeState, type State } from './states.js';

export function newEpisode(ref: EpisodeRef, state: EpisodeState): Episode {
  return {
    season: ref.season,
    episode: ref.episode,
    title: ref.title ?? null,
    state,
    progress: null,
    hash: null,
    file_path: null,
    release: null,
    air_date_utc: ref.air_date_utc ?? null,
    sonarr_episode_id: ref.sonarr_episode_id ?? null,
    history: [],
  };
}

/** Requested seasons filter: an empty list means "every season" (requests created from Sonarr). */
export function isRequested(req: MediaRequest, ref: { season: number }): boolean {
  return req.requested_seasons.length === 0 || req.requested_seasons.includes(ref.season);
}

/**
 * Moves one episode towards `to` by the shared rule; returns the new episode, or the
 * same object when nothing changed.
 */
export function moveEpisode(ep: Episode, to: EpisodeState, at: string, source: Source, explicit = false): Episode {
  const verdict = judge(ep.state, to, explicit);
  if (!verdict.move) return ep;
  const history = [...ep.history, { at, state: to, source }].slice(-EPISODE_HISTORY_LIMIT);
  return { ...ep, state: to, history, progress: to === 'DOWNLOADING' ? ep.progress : progressFor(to, ep.progress) };
}

function progressFor(state: EpisodeState, previous: number | null): number | null {
  if (state === 'DOWNLOADED' || (isPipeline(state) && rank(state) > rank('DOWNLOADED'))) return 1;
  return previous;
}

export function summarise(eps: Episode[]): { total: number; available: number; by_state: Partial<Record<EpisodeState, number>> } {
  const by_state: Partial<Record<EpisodeState, number>> = {};
  let available = 0;
  for (const ep of eps) {
    by_state[ep.state] = (by_state[ep.state] ?? 0) + 1;
    if (ep.state === 'AVAILABLE') available++;
  }
  return { total: eps.length, available, by_state };
}

/** An episode whose air date is unknown counts as aired: only a known future date says otherwise. */
export function isAired(ep: { air_date_utc: string | null }, at: string): boolean {
  if (!ep.air_date_utc) return true;
  const t = Date.parse(ep.air_date_utc);
  return Number.isNaN(t) || t <= Date.parse(at);
}

/**
 * All wanted episodes available → AVAILABLE; some → PARTIALLY_AVAILABLE; all deleted → DELETED;
 * all failed → FAILED; else the most advanced stage any episode reached.
 * Only a roster (Sonarr's episode list, Jellyseerr's season counts) says what "all" is: without
 * one the episodes are just those seen so far, and only Jellyseerr declaring the whole request
 * available (`phase`) vouches for the rest.
 */
export function deriveTvState(req: MediaRequest): State {
  const eps = Object.values(req.episodes);
  if (eps.length === 0) return req.phase;
  const live = eps.filter((e) => e.state !== 'DELETED');
  if (live.length === 0) return 'DELETED';
  const available = live.filter((e) => e.state === 'AVAILABLE').length;
  const complete = Boolean(req.roster) || req.phase === 'AVAILABLE';
  if (available === eps.length && complete) return 'AVAILABLE';
  if (available > 0) return 'PARTIALLY_AVAILABLE';
  const working = live.filter((e) => e.state !== 'FAILED' && e.state !== 'DECLINED');
  if (working.length === 0) return live.every((e) => e.state === 'DECLINED') ? 'DECLINED' : 'FAILED';
  let best: State = working[0]!.state;
  for (const ep of working) {
    if (isPipeline(ep.state) && isPipeline(best) && rank(ep.state) > rank(best)) best = ep.state;
  }
  return best;
}

export function keysOf(refs: readonly { season: number; episode: number }[]): string[] {
  return refs.map((r) => episodeKey(r.season, r.episode));
}

/** `S01E01–S01E12` style compact list for timeline text. */
export function describeEpisodes(keys: string[]): string {
  if (keys.length === 0) return '';
  const sorted = [...keys].sort();
  if (sorted.length <= 3) return sorted.join(', ');
  return `${sorted[0]}–${sorted[sorted.length - 1]} (${sorted.length} episodes)`;
}
