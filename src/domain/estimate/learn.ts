/**
 * A bounded, serialisable running estimate of each stage's duration, per stage, media kind and
 * *arr instance. Weighted median and 90th percentile of the last `SAMPLE_LIMIT` samples, each
 * weighing less as it ages: quantiles, not a mean, so one three-hour import among one-minute ones
 * barely moves the estimate; decay, so a home that changed (a faster disk, a new indexer) is
 * followed within weeks.
 */
import type { MediaRequest } from '../model.js';
import { type MediaKind, type Stage, type StageSample, stageSamples } from './stages.js';

/** Samples kept per bucket. */
export const SAMPLE_LIMIT = 50;
/** A sample this old weighs half as much as a fresh one. */
export const HALF_LIFE_S = 30 * 24 * 3600;
/** Fewer samples than this say too little: the next scope (or the default) is used. */
export const MIN_SAMPLES = 3;

export interface StageDuration {
  median_s: number;
  p90_s: number;
}

/**
 * Used until a home has its own history. Values for a typical home: the *arrs poll completed
 * downloads about once a minute, Jellyfin's real-time monitor (or the *arr's library-update
 * notification) picks a new file up within minutes, Shoko hashes a file and asks AniDB (rate
 * limited) before Shokofin refreshes the library, and an episode's release usually appears within
 * an hour or two of its air time.
 */
export const DEFAULT_DURATIONS: Readonly<Record<Stage, StageDuration>> = {
  grab: { median_s: 3600, p90_s: 6 * 3600 },
  start: { median_s: 60, p90_s: 600 },
  download: { median_s: 1800, p90_s: 3 * 3600 },
  import: { median_s: 120, p90_s: 900 },
  library: { median_s: 300, p90_s: 1800 },
  match: { median_s: 180, p90_s: 1200 },
  anime_library: { median_s: 300, p90_s: 1800 },
};

/** What a bucket keeps of a sample (its stage, kind and instance are the bucket's key). */
export interface KeptSample {
  s: number;
  at: string;
  req: string;
}

/** The serialisable state: buckets keyed `stage|kind|@instance` and `stage|kind|*` (every instance). */
export interface LearnedDurations {
  version: 1;
  buckets: Record<string, KeptSample[]>;
}

export interface StageEstimateResult extends StageDuration {
  source: 'history' | 'default';
  /** Which history answered: the instance's own, the kind's across instances, or none. */
  scope: 'instance' | 'kind' | 'default';
  /** Samples behind the answer (0 for a default). */
  samples: number;
}

export function emptyLearned(): LearnedDurations {
  return { version: 1, buckets: {} };
}

// `*` for every instance, `@name` for one: no instance name can pose as the whole kind.
const bucketKey = (stage: Stage, kind: MediaKind, instance: string | null) => `${stage}|${kind}|${instance === null ? '*' : `@${instance}`}`;

function push(list: readonly KeptSample[] | undefined, kept: KeptSample): KeptSample[] {
  const base = list ?? [];
  if (base.some((k) => k.at === kept.at && k.req === kept.req && k.s === kept.s)) return base as KeptSample[];
  // Kept in time order, so a rebuild that replays requests out of order keeps the newest.
  return [...base, kept].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).slice(-SAMPLE_LIMIT);
}

/** Adds a finished stage duration to its instance's bucket and its kind's; a sample already kept changes nothing. */
export function addSample(state: LearnedDurations, sample: StageSample): LearnedDurations {
  const kept: KeptSample = { s: sample.seconds, at: sample.finishedAt, req: sample.request };
  const keys = [bucketKey(sample.stage, sample.kind, null)];
  if (sample.instance !== null) keys.push(bucketKey(sample.stage, sample.kind, sample.instance));
  let buckets = state.buckets;
  for (const key of keys) {
    const next = push(buckets[key], kept);
    if (next !== buckets[key]) buckets = { ...buckets, [key]: next };
  }
  return buckets === state.buckets ? state : { ...state, buckets };
}

/** Every sample the requests' histories show: the rebuild on upgrade, or after a lost store. */
export function learnFromRequests(requests: Iterable<MediaRequest>): LearnedDurations {
  let state = emptyLearned();
  for (const r of requests) {
    for (const sample of stageSamples(r)) state = addSample(state, sample);
  }
  return state;
}

/** The smallest value whose cumulative weight reaches `q` of the total (values sorted ascending). */
function weightedQuantile(sorted: readonly { s: number; w: number }[], total: number, q: number): number {
  let cum = 0;
  for (const x of sorted) {
    cum += x.w;
    // A relative tolerance: float sums of equal weights must not miss the exact half.
    if (cum >= q * total * (1 - 1e-9)) return x.s;
  }
  return sorted[sorted.length - 1]!.s;
}

export function summarise(samples: readonly KeptSample[], now: string): StageDuration {
  const t = Date.parse(now);
  const weighted = samples
    .map((k) => {
      const age = Math.max(0, (t - Date.parse(k.at)) / 1000);
      return { s: k.s, w: 0.5 ** (age / HALF_LIFE_S) };
    })
    .sort((a, b) => a.s - b.s);
  const total = weighted.reduce((sum, x) => sum + x.w, 0);
  return { median_s: weightedQuantile(weighted, total, 0.5), p90_s: weightedQuantile(weighted, total, 0.9) };
}

/**
 * The expected duration of a stage: the instance's own history when it has enough, else the
 * kind's across instances, else the default (said to be one).
 */
export function estimateStage(state: LearnedDurations, stage: Stage, kind: MediaKind, instance: string | null, now: string): StageEstimateResult {
  // Weights are taken at the start of `now`'s minute (a minute of a 30-day half-life is nothing),
  // so one learned state answers the same within a minute: a TV request asks for each stage of
  // each of its episodes, on every progress tick, and is answered from the memo.
  const minute = Math.floor(Date.parse(now) / 60_000);
  const key = `${stage}|${kind}|${instance ?? ''}|${minute}`;
  let memo = MEMO.get(state);
  if (!memo) {
    memo = new Map();
    MEMO.set(state, memo);
  }
  const known = memo.get(key);
  if (known) return known;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  const result = computeStage(state, stage, kind, instance, new Date(minute * 60_000).toISOString());
  memo.set(key, result);
  return result;
}

/** Answers per learned state (a state is never changed: a new sample makes a new one). */
const MEMO = new WeakMap<LearnedDurations, Map<string, StageEstimateResult>>();
const MEMO_LIMIT = 1024;

function computeStage(state: LearnedDurations, stage: Stage, kind: MediaKind, instance: string | null, now: string): StageEstimateResult {
  const own = instance !== null ? state.buckets[bucketKey(stage, kind, instance)] : undefined;
  if (own && own.length >= MIN_SAMPLES) return { ...summarise(own, now), source: 'history', scope: 'instance', samples: own.length };
  const all = state.buckets[bucketKey(stage, kind, null)];
  if (all && all.length >= MIN_SAMPLES) return { ...summarise(all, now), source: 'history', scope: 'kind', samples: all.length };
  return { ...DEFAULT_DURATIONS[stage], source: 'default', scope: 'default', samples: 0 };
}
