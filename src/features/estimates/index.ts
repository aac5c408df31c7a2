/**
 * "When can I watch it?": the learned stage durations of this home (domain/estimate), kept up to
 * date as requests move, and each open request's estimate for its state payload. The estimate a
 * payload carries changes at once when the inputs change (a new state, an episode added or
 * done) and at most every 30 s for drift (a jittering client ETA), as `shouldPublish` decides;
 * in between, the payload keeps the time it last said. docs/estimates.md.
 */
import type { WatchableConfidence } from '../../contract/index.js';
import { emptyAccuracy, forgetPredictions, medianAbsoluteError, notePrediction, settle, type AccuracyState } from '../../domain/estimate/accuracy.js';
import { estimateWatchable, PUBLISH_INTERVAL_S, shouldPublish, type Published, type RequestEstimate } from '../../domain/estimate/compose.js';
import { addSample, emptyLearned, learnFromRequests, type LearnedDurations } from '../../domain/estimate/learn.js';
import { stageSamples } from '../../domain/estimate/stages.js';
import type { MediaRequest } from '../../domain/model.js';

export interface Watchable {
  watchable_at: string | null;
  watchable_in_s: number | null;
  watchable_confidence: WatchableConfidence;
}

export const NO_ESTIMATE: Watchable = { watchable_at: null, watchable_in_s: null, watchable_confidence: 'unknown' };

/** States with nothing to estimate: waiting for a person, or over. */
const NOTHING_AHEAD = new Set(['REQUESTED', 'AVAILABLE', 'FAILED', 'DECLINED', 'DELETED']);

export interface CommittedChange {
  id: string;
  before: MediaRequest | null;
  after: MediaRequest | null;
}

/** How right the estimates were: the median absolute error of the last comparisons (bridge info). */
export interface EstimateAccuracy {
  median_abs_error_s: number | null;
  compared: number;
}

/** The inputs whose change publishes a new estimate at once: the request's state and each episode's. */
function immediateInputs(r: MediaRequest): string {
  let s = r.state;
  for (const key in r.episodes) s += `|${key}:${r.episodes[key]!.state}`;
  return s;
}

export class Estimator {
  private learned: LearnedDurations = emptyLearned();
  private readonly published = new Map<string, Published & { inputs: string; episodes: MediaRequest['episodes'] }>();
  /** The first estimate given in each stage, compared with when the request became watchable. */
  accuracy: AccuracyState = emptyAccuracy();
  /** Requests with an estimate waiting for comparison (checked on every finished request's publish). */
  private waiting = new Set<string>();

  /** The comparisons kept by an earlier run (settings.json, checked when read). */
  restoreAccuracy(saved: AccuracyState | null): void {
    if (!saved) return;
    this.accuracy = saved;
    this.waiting = new Set(saved.pending.map((p) => p.request));
  }

  accuracySummary(): EstimateAccuracy {
    return { median_abs_error_s: medianAbsoluteError(this.accuracy), compared: this.accuracy.records.length };
  }

  /** What the stored requests teach (at start; the same samples again change nothing). */
  learnFrom(requests: Iterable<MediaRequest>): void {
    this.learned = learnFromRequests(requests);
  }

  /** Requests that moved may have finished a stage: its duration is learned before their payloads go out. */
  onCommit(changes: readonly CommittedChange[]): void {
    for (const c of changes) {
      if (!c.after) {
        this.published.delete(c.id);
        continue;
      }
      // Progress ticks leave the timeline and the episodes as they were: nothing finished.
      if (c.before && c.before.timeline === c.after.timeline && c.before.episodes === c.after.episodes) continue;
      for (const s of stageSamples(c.after, c.before?.updated_at ?? null)) this.learned = addSample(this.learned, s);
    }
  }

  /** The estimate the request's payload carries now. */
  watchable(r: MediaRequest, now: string): Watchable {
    if (NOTHING_AHEAD.has(r.state)) {
      this.published.delete(r.id);
      if (this.waiting.delete(r.id)) {
        if (r.state === 'AVAILABLE') this.accuracy = settle(this.accuracy, r.id, r.available_at ?? r.state_since);
        else this.accuracy = forgetPredictions(this.accuracy, r.id);
      }
      return NO_ESTIMATE;
    }
    const prev = this.published.get(r.id) ?? null;
    // The same episodes object and state: the same inputs, without reading 100 episodes again.
    const inputs = prev && prev.episodes === r.episodes && prev.estimate.state === r.state ? prev.inputs : immediateInputs(r);
    // Within 30 s of the last estimate, only a new state (of the request or an episode) or an
    // episode added or gone can change what is published: a progress tick needs no new estimate.
    if (prev && prev.inputs === inputs && Date.parse(now) - Date.parse(prev.at) < PUBLISH_INTERVAL_S * 1000) return this.shown(prev.estimate, now);
    const next = estimateWatchable(r, this.learned, now);
    let shown = next;
    if (shouldPublish(prev, next, now).publish) {
      this.published.set(r.id, { estimate: next, at: now, inputs, episodes: r.episodes });
      // The first estimate of each stage is the one held to account.
      this.accuracy = notePrediction(this.accuracy, r.id, { state: r.state, watchable_at: next.watchable_at }, now);
      if (next.watchable_at !== null) this.waiting.add(r.id);
    } else if (prev) shown = prev.estimate;
    return this.shown(shown, now);
  }

  private shown(shown: RequestEstimate, now: string): Watchable {
    if (shown.watchable_at === null) return NO_ESTIMATE;
    return {
      watchable_at: shown.watchable_at,
      watchable_in_s: Math.max(0, Math.round((Date.parse(shown.watchable_at) - Date.parse(now)) / 1000)),
      watchable_confidence: shown.confidence,
    };
  }
}
