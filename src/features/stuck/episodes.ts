/**
 * Stuck rules per episode, for TV requests whose episodes are known: each wanted episode is
 * judged on its own stage and clock, and the reason names the episodes in plain words
 * ("S01E03–E04: no release grabbed after 6 h"). An episode that has not aired, or that only
 * waits for its season to air, is never stuck. Pure: time comes from `now`.
 */
import type { Episode, MediaRequest } from '../../domain/model.js';
import { isPipeline, rank, type EpisodeState } from '../../domain/states.js';
import { formatDuration, fetchingMetadata, PHRASES, type Stage, type StuckContext, type StuckThresholds } from './phrases.js';

interface Stall {
  season: number;
  episode: number;
  stage: Stage;
  /** How long the episode has been in this stage (or, downloading, without progress). */
  waitedMs: number;
}

/** When the episode entered its current state: its last history entry for that state. */
function enteredAt(ep: Episode, r: MediaRequest): number {
  for (let i = ep.history.length - 1; i >= 0; i--) {
    const h = ep.history[i]!;
    if (h.state === ep.state) return Date.parse(h.at);
  }
  return Date.parse(r.state_since);
}

function airTime(ep: Episode): number | null {
  if (!ep.air_date_utc) return null;
  const t = Date.parse(ep.air_date_utc);
  return Number.isNaN(t) ? null : t;
}

/**
 * Seasons none of whose dated episodes has aired yet. Their undated episodes (Sonarr lists the
 * announced ones as "TBA") only wait for the season; a season with no dates at all counts as
 * aired, like an undated episode does (`isAired`).
 */
function unairedSeasons(eps: readonly Episode[], nowMs: number): Set<number> {
  const dated = new Set<number>();
  const aired = new Set<number>();
  for (const ep of eps) {
    const t = airTime(ep);
    if (t === null) continue;
    dated.add(ep.season);
    if (t <= nowMs) aired.add(ep.season);
  }
  return new Set([...dated].filter((s) => !aired.has(s)));
}

const THRESHOLD: Partial<Record<EpisodeState, keyof StuckThresholds>> = {
  APPROVED: 'approved_min',
  SEARCHING: 'searching_min',
  GRABBING: 'grabbing_min',
  DOWNLOADING: 'downloading_min',
  DOWNLOADED: 'downloaded_min',
  IMPORTING: 'importing_min',
  ANIME_MATCHING: 'anime_matching_min',
};

function stall(r: MediaRequest, ep: Episode, nowMs: number, t: StuckThresholds, waitingSeasons: ReadonlySet<number>): Stall | null {
  const key = THRESHOLD[ep.state];
  if (!key || ep.upgrade) return null;
  const air = airTime(ep);
  if (air !== null ? air > nowMs : waitingSeasons.has(ep.season)) return null;
  let since = enteredAt(ep, r);
  // A wanted episode starts waiting for a release when it airs, not when the roster listed it.
  if (air !== null && (ep.state === 'SEARCHING' || ep.state === 'APPROVED')) since = Math.max(since, air);
  const dl = ep.hash ? r.downloads[ep.hash] : undefined;
  if (ep.state === 'DOWNLOADING' && dl?.progress_at) since = Math.max(since, Date.parse(dl.progress_at));
  const waitedMs = nowMs - since;
  if (waitedMs < t[key] * 60_000) return null;
  const stage: Stage = ep.state === 'GRABBING' && dl && fetchingMetadata(dl) ? 'metadata' : (ep.state as Stage);
  return { season: ep.season, episode: ep.episode, stage, waitedMs };
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `S01E03–E04, S01E07, S02E01` (runs of consecutive episodes); a long list is summarised. */
export function episodeRuns(eps: ReadonlyArray<{ season: number; episode: number }>): string {
  const sorted = [...eps].sort((a, b) => a.season - b.season || a.episode - b.episode);
  const runs: Array<{ season: number; from: number; to: number }> = [];
  for (const e of sorted) {
    const last = runs[runs.length - 1];
    if (last && last.season === e.season && last.to + 1 === e.episode) last.to = e.episode;
    else runs.push({ season: e.season, from: e.episode, to: e.episode });
  }
  const text = (r: { season: number; from: number; to: number }): string => `S${pad(r.season)}E${pad(r.from)}${r.to !== r.from ? `–E${pad(r.to)}` : ''}`;
  if (runs.length <= 3) return runs.map(text).join(', ');
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  return `S${pad(first.season)}E${pad(first.episode)}–S${pad(last.season)}E${pad(last.episode)} (${sorted.length} episodes)`;
}

const STAGE_ORDER: readonly Stage[] = ['APPROVED', 'SEARCHING', 'GRABBING', 'metadata', 'DOWNLOADING', 'DOWNLOADED', 'IMPORTING', 'ANIME_MATCHING'];

/**
 * The reason some wanted episodes are stuck, one clause per stage ("S01E03–E04: no release
 * grabbed after 6 h; S01E01: Jellyfin: not in library 45 min after import"), or null.
 * The duration is the shortest wait of the episodes named: each of them has waited at least that.
 */
export function episodesStuckReason(r: MediaRequest, now: Date, t: StuckThresholds, ctx: StuckContext): string | null {
  const eps = Object.values(r.episodes).filter((e) => isPipeline(e.state) && rank(e.state) < rank('AVAILABLE'));
  if (eps.length === 0) return null;
  const nowMs = now.getTime();
  const waitingSeasons = unairedSeasons(Object.values(r.episodes), nowMs);
  const byStage = new Map<Stage, Stall[]>();
  for (const ep of eps) {
    const s = stall(r, ep, nowMs, t, waitingSeasons);
    if (!s) continue;
    // Appended in place: a series with a thousand stalled episodes must not copy its list a thousand times.
    const list = byStage.get(s.stage);
    if (list) list.push(s);
    else byStage.set(s.stage, [s]);
  }
  const clauses: string[] = [];
  for (const stage of STAGE_ORDER) {
    const stalls = byStage.get(stage);
    if (!stalls) continue;
    const waited = formatDuration(Math.min(...stalls.map((s) => s.waitedMs)));
    clauses.push(`${episodeRuns(stalls)}: ${PHRASES[stage](waited, { ...ctx, arr: ctx.pvrLabel('tv', r.arr?.service ?? null), anime: r.is_anime })}`);
  }
  return clauses.length ? clauses.join('; ') : null;
}
