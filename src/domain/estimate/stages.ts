/**
 * The stages of the way to "watchable" and the finished durations a request's history shows.
 *
 * A sample is only taken from two states entered one right after the other: when stages were
 * skipped (the tracker missed one), the time between spans several stages and cannot be
 * attributed to any of them, so it teaches nothing.
 *
 * TV learns from its episodes' histories, not from the request's timeline: a TV request's state
 * is the most advanced of its episodes, so its timeline mixes episodes (episode 1 downloading
 * while episode 2 is still being grabbed). Episodes moving together (a season pack: grabbed,
 * downloaded and imported in one go) are one observation, not ten, or one pack would fill the
 * learner's window on its own.
 */
import type { MediaRequest } from '../model.js';
import type { State } from '../states.js';

export type Stage = 'grab' | 'start' | 'download' | 'import' | 'library' | 'match' | 'anime_library';
export type MediaKind = 'movie' | 'tv' | 'anime_movie' | 'anime_tv';

export const STAGES: readonly Stage[] = ['grab', 'start', 'download', 'import', 'library', 'match', 'anime_library'];
export const KINDS: readonly MediaKind[] = ['movie', 'tv', 'anime_movie', 'anime_tv'];

/**
 * Where each stage starts and ends. `grab` starts at approval (or at the search when the
 * approval was not seen) and ends with the grab. `download` is learned for clients that give no
 * ETA. `library` (Jellyfin finding the imported file) is learned for anime too: a home without
 * Shoko sees anime go straight from IMPORTING to AVAILABLE.
 */
export const STAGE_BOUNDS: Readonly<Record<Stage, { from: readonly State[]; to: State }>> = {
  grab: { from: ['APPROVED', 'SEARCHING'], to: 'GRABBING' },
  start: { from: ['GRABBING'], to: 'DOWNLOADING' },
  download: { from: ['DOWNLOADING'], to: 'DOWNLOADED' },
  import: { from: ['DOWNLOADED'], to: 'IMPORTING' },
  library: { from: ['IMPORTING'], to: 'AVAILABLE' },
  match: { from: ['IMPORTING'], to: 'ANIME_MATCHING' },
  anime_library: { from: ['ANIME_MATCHING'], to: 'AVAILABLE' },
};

export interface StageSample {
  stage: Stage;
  kind: MediaKind;
  /** The *arr instance that handled the request; null before one did. */
  instance: string | null;
  seconds: number;
  /** When the stage ended (ISO). */
  finishedAt: string;
  /** The request it came from: a rebuild from the stored requests adds nothing twice. */
  request: string;
}

export function kindOf(r: Pick<MediaRequest, 'media_type' | 'is_anime'>): MediaKind {
  if (r.media_type === 'movie') return r.is_anime ? 'anime_movie' : 'movie';
  return r.is_anime ? 'anime_tv' : 'tv';
}

/** A state entered at a time. */
interface Point {
  at: string;
  state: State;
}

/** The stage a pair of consecutive states closes, if any. */
function stageOf(from: State, to: State): Stage | null {
  for (const stage of STAGES) {
    const b = STAGE_BOUNDS[stage];
    if (b.to === to && b.from.includes(from)) return stage;
  }
  return null;
}

/**
 * Durations of the stages a list of entered states shows. `grab` runs from the first of a run of
 * APPROVED/SEARCHING entries; `notBefore` (an episode's air date) moves its start, since an
 * episode cannot be grabbed before it airs and the wait for the air date is not the grab's.
 */
function durations(points: readonly Point[], notBefore: string | null): { stage: Stage; start: string; end: string }[] {
  const out: { stage: Stage; start: string; end: string }[] = [];
  for (let i = 1; i < points.length; i++) {
    const prev = points[i - 1]!;
    const cur = points[i]!;
    const stage = stageOf(prev.state, cur.state);
    if (!stage) continue;
    let start = prev.at;
    if (stage === 'grab') {
      for (let j = i - 1; j >= 0 && STAGE_BOUNDS.grab.from.includes(points[j]!.state); j--) start = points[j]!.at;
      if (notBefore && notBefore > start) start = notBefore;
    }
    out.push({ stage, start, end: cur.at });
  }
  return out;
}

/**
 * Imported history (the back-fill) dates the first AVAILABLE at Jellyseerr's date, earlier than
 * the entry recording it: the stages before it were never watched, so nothing up to it counts.
 */
function backfilledUntil(r: MediaRequest): string | null {
  if (!r.available_at) return null;
  const first = r.timeline.find((e) => e.to === 'AVAILABLE');
  return first && r.available_at < first.at ? first.at : null;
}

/**
 * Every finished stage duration the request's history shows (see the module comment for TV);
 * with `since`, only those that ended then or later (what one change of the request finished).
 */
export function stageSamples(r: MediaRequest, since: string | null = null): StageSample[] {
  const kind = kindOf(r);
  const instance = r.arr?.instance ?? null;
  const skipUntil = backfilledUntil(r);
  const spans: { stage: Stage; start: string; end: string }[] = [];
  if (r.media_type === 'tv') {
    for (const ep of Object.values(r.episodes)) {
      // An episode whose history did not move since then finished nothing new.
      const last = ep.history[ep.history.length - 1]?.at ?? '';
      if (since !== null && last < since) continue;
      spans.push(...durations(ep.history, ep.air_date_utc));
    }
  } else {
    const points = r.timeline.flatMap((e) => (e.to ? [{ at: e.at, state: e.to }] : []));
    spans.push(...durations(points, null));
  }
  const seen = new Set<string>();
  const samples: StageSample[] = [];
  for (const s of spans) {
    if (skipUntil && s.end <= skipUntil) continue;
    if (since !== null && s.end < since) continue;
    const key = `${s.stage}|${s.start}|${s.end}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const seconds = (Date.parse(s.end) - Date.parse(s.start)) / 1000;
    // A bad date or a clock step backwards is no duration.
    if (!Number.isFinite(seconds) || seconds < 0) continue;
    samples.push({ stage: s.stage, kind, instance, seconds, finishedAt: s.end, request: r.id });
  }
  return samples.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
}
