/**
 * The wanted roster of a TV request: every episode it covers, known from the moment Sonarr
 * (or Jellyseerr) can list them, not from the grabs. Episodes wait in SEARCHING (unaired ones
 * carry their air date); an episode the user stops monitoring, or Sonarr removes, before
 * anything happened to it leaves the roster so it never blocks AVAILABLE.
 */
import type { Draft } from '../draft.js';
import { describeEpisodes, isAired, newEpisode } from '../episodes.js';
import type { RosterEpisode, RosterEvent } from '../events.js';
import { episodeKey, type Episode } from '../model.js';
import { isPipeline, rank, type EpisodeState } from '../states.js';
import { refreshTv } from './steps.js';

/** Stages in which an episode is only waited for: nothing was grabbed for it yet. */
function waiting(ep: Episode): boolean {
  return ep.state === 'REQUESTED' || ep.state === 'APPROVED' || ep.state === 'SEARCHING';
}

/** The seasons the request covers within this listing; specials only when asked for. */
function coveredSeasons(d: Draft, ev: RosterEvent): Set<number> {
  const requested = d.r.requested_seasons;
  if (requested.length) return new Set(ev.seasons.filter((s) => requested.includes(s)));
  // A request made in Sonarr (no Jellyseerr seasons): the seasons Sonarr monitors.
  const monitored = new Set(ev.episodes.filter((e) => e.monitored && e.season > 0).map((e) => e.season));
  return new Set(ev.seasons.filter((s) => monitored.has(s)));
}

/**
 * A new roster episode searches once the series is in Sonarr; from Jellyseerr's counts it
 * starts at the request's pre-download stage (a pending request's episodes are not searched).
 */
function startState(d: Draft, ev: RosterEvent): EpisodeState {
  if (ev.from === 'sonarr') return 'SEARCHING';
  const phase = d.r.phase;
  if (isPipeline(phase) && rank(phase) < rank('SEARCHING')) return phase as EpisodeState;
  return 'SEARCHING';
}

export function onRoster(d: Draft, ev: RosterEvent): string {
  if (d.r.media_type !== 'tv') return 'not tv';
  // Sonarr's own list wins; Jellyseerr's counts only stand in until Sonarr can be read.
  if (ev.from === 'jellyseerr' && d.r.roster?.from === 'sonarr') return 'sonarr roster kept';
  // A declined, failed or deleted request is not reopened by a listing: only its known episodes are refreshed.
  const closed = d.r.state === 'DECLINED' || d.r.state === 'FAILED' || d.r.state === 'DELETED';
  const seasons = coveredSeasons(d, ev);
  const explicit = new Set(d.r.requested_seasons);
  const listed = new Map<string, RosterEpisode>();
  for (const e of ev.episodes) if (seasons.has(e.season)) listed.set(episodeKey(e.season, e.episode), e);

  const dropped: string[] = [];
  for (const [key, ep] of Object.entries(d.r.episodes)) {
    if (closed || !seasons.has(ep.season) || !waiting(ep)) continue;
    const e = listed.get(key);
    const gone = !e;
    const unmonitored = e !== undefined && !e.monitored && !e.has_file && ep.monitored === true;
    if (gone || unmonitored) {
      d.deleteEpisode(key);
      dropped.push(key);
    }
  }

  const start = startState(d, ev);
  const added: string[] = [];
  const unaired: string[] = [];
  for (const [key, e] of listed) {
    const cur = d.r.episodes[key];
    if (dropped.includes(key)) continue;
    if (cur) {
      const next = refreshed(cur, e);
      if (next !== cur) d.setEpisode(key, next);
      continue;
    }
    if (closed) continue;
    // A requested season Sonarr does not monitor yet (Jellyseerr has not pushed it) is still wanted.
    if (!e.monitored && !e.has_file && !explicit.has(e.season)) continue;
    // Jellyseerr already vouched for the whole request: what Sonarr has a file of is there.
    const state: EpisodeState = d.r.phase === 'AVAILABLE' && e.has_file ? 'AVAILABLE' : start;
    const ep: Episode = { ...newEpisode(e, state), monitored: e.monitored, history: [{ at: d.at, state, source: d.source }] };
    d.setEpisode(key, ep);
    added.push(key);
    if (!isAired(ep, d.at)) unaired.push(key);
  }

  const first = !d.r.roster;
  if (first || d.r.roster?.from !== ev.from) d.set('roster', { from: ev.from, at: d.at });
  // A roster's `from` is its event's source.
  const who = d.sourceLabel;
  if (added.length) {
    const later = unaired.length ? `; ${describeEpisodes(unaired)} not aired yet` : '';
    d.note(`${first ? 'Wanted episodes' : 'New wanted episodes'} from ${who}: ${describeEpisodes(added)}${later}`, { episodes: added });
  }
  if (dropped.length) d.note(`${describeEpisodes(dropped)} no longer monitored in ${who}; not waited for`, { episodes: dropped });
  refreshTv(d, added.length || dropped.length ? `Wanted episodes from ${who}` : `Episode list read from ${who}`);
  return added.length || dropped.length ? 'roster changed' : 'roster';
}

/** Keeps title, air date, Sonarr id and monitoring in step with the listing; same object when unchanged. */
function refreshed(ep: Episode, e: RosterEpisode): Episode {
  const patch: Partial<Episode> = {};
  if (e.title && e.title !== ep.title) patch.title = e.title;
  if (e.air_date_utc !== undefined && e.air_date_utc !== null && e.air_date_utc !== ep.air_date_utc) patch.air_date_utc = e.air_date_utc;
  if (e.sonarr_episode_id && e.sonarr_episode_id !== ep.sonarr_episode_id) patch.sonarr_episode_id = e.sonarr_episode_id;
  if (e.monitored !== ep.monitored) patch.monitored = e.monitored;
  return Object.keys(patch).length ? { ...ep, ...patch } : ep;
}
