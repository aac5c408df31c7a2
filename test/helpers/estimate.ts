/** Synthetic histories for the estimator's tests: requests whose timelines are built from (state, seconds) steps. */
import { episodeKey, type Download, type Episode, type MediaRequest, type TimelineEntry } from '../../src/domain/model.js';
import type { EpisodeState, State } from '../../src/domain/states.js';
import { blankRequest } from './requests.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');
export const at = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

/** A state entered `seconds` after `start` (seconds from T0). */
export type Step = [State, number];

export interface Shape {
  anime?: boolean;
  instance?: string | null;
  /** Seconds from T0 the first step counts from. */
  start?: number;
}

function arrOf(service: 'radarr' | 'sonarr', instance: string | null | undefined): MediaRequest['arr'] {
  return instance === null ? null : { service, instance: instance ?? service, id: 1 };
}

/** A movie that went through `steps`; it is in the last step's state. */
export function movie(id: string, steps: Step[], shape: Shape = {}, extra: Partial<MediaRequest> = {}): MediaRequest {
  const start = shape.start ?? 0;
  const timeline: TimelineEntry[] = [];
  let from: State | undefined;
  for (const [to, s] of steps) {
    timeline.push({ at: at(start + s), source: 'test', reason: to, ...(from ? { from } : {}), to });
    from = to;
  }
  const last = steps[steps.length - 1]!;
  return blankRequest({
    id,
    media_type: 'movie',
    is_anime: shape.anime ?? false,
    arr: arrOf('radarr', shape.instance),
    state: last[0],
    phase: last[0],
    state_since: at(start + last[1]),
    timeline,
    ...(last[0] === 'AVAILABLE' ? { available_at: at(start + last[1]) } : {}),
    ...extra,
  });
}

/** An episode that went through `steps` (seconds from T0). */
export function episode(season: number, number: number, steps: [EpisodeState, number][], extra: Partial<Episode> = {}): Episode {
  const last = steps[steps.length - 1]!;
  return {
    season,
    episode: number,
    title: null,
    state: last[0],
    progress: null,
    hash: null,
    file_path: null,
    release: null,
    air_date_utc: null,
    sonarr_episode_id: null,
    history: steps.map(([state, s]) => ({ at: at(s), state, source: 'test' })),
    ...extra,
  };
}

/** A series request with these episodes; its state is given (the tests read episodes, not the derivation). */
export function show(id: string, episodes: Episode[], state: State, shape: Shape = {}, extra: Partial<MediaRequest> = {}): MediaRequest {
  return blankRequest({
    id,
    media_type: 'tv',
    is_anime: shape.anime ?? false,
    arr: arrOf('sonarr', shape.instance),
    state,
    phase: 'APPROVED',
    roster: { from: 'sonarr', at: at(0) },
    episodes: Object.fromEntries(episodes.map((e) => [episodeKey(e.season, e.episode), e])),
    ...extra,
  });
}

/** A download in flight. */
export function download(hash: string, o: Partial<Download> = {}): Record<string, Download> {
  return { [hash]: { hash, progress: 0.5, speed_bps: 1_000_000, eta_s: null, size: 1_000_000_000, complete: false, release: 'R', ...o } };
}

/** A finished movie lifecycle with these stage durations (seconds), starting at `start`. */
export function finishedMovie(id: string, d: { grab?: number; start?: number; download?: number; import?: number; library?: number }, shape: Shape = {}): MediaRequest {
  const steps: Step[] = [['APPROVED', 0]];
  let t = 0;
  for (const [state, s] of [
    ['GRABBING', d.grab ?? 30],
    ['DOWNLOADING', d.start ?? 20],
    ['DOWNLOADED', d.download ?? 1200],
    ['IMPORTING', d.import ?? 60],
  ] as const) {
    t += s;
    steps.push([state, t]);
  }
  if (shape.anime) {
    steps.push(['ANIME_MATCHING', (t += 90)], ['AVAILABLE', (t += d.library ?? 240)]);
  } else {
    steps.push(['AVAILABLE', (t += d.library ?? 180)]);
  }
  return movie(id, steps, shape);
}
