/**
 * "When can I watch it?": the learned stage durations of this home (domain/estimate), kept up to
 * date as requests move, and each open request's estimate for its state payload. The estimate a
 * payload carries changes at once when the inputs change (a new state, an episode added or
 * done) and at most every 30 s for drift (a jittering client ETA), as `shouldPublish` decides;
 * in between, the payload keeps the time it last said. docs/estimates.md.
 */
import type { WatchableConfidence } from '../../contract/index.js';
import { estimateWatchable, shouldPublish, type Published } from '../../domain/estimate/compose.js';
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

export class Estimator {
  private learned: LearnedDurations = emptyLearned();
  private readonly published = new Map<string, Published>();

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
      for (const s of stageSamples(c.after)) this.learned = addSample(this.learned, s);
    }
  }

  /** The estimate the request's payload carries now. */
  watchable(r: MediaRequest, now: string): Watchable {
    if (NOTHING_AHEAD.has(r.state)) {
      this.published.delete(r.id);
      return NO_ESTIMATE;
    }
    const next = estimateWatchable(r, this.learned, now);
    const prev = this.published.get(r.id) ?? null;
    let shown = next;
    if (shouldPublish(prev, next, now).publish) this.published.set(r.id, { estimate: next, at: now });
    else if (prev) shown = prev.estimate;
    if (shown.watchable_at === null) return NO_ESTIMATE;
    return {
      watchable_at: shown.watchable_at,
      watchable_in_s: Math.max(0, Math.round((Date.parse(shown.watchable_at) - Date.parse(now)) / 1000)),
      watchable_confidence: shown.confidence,
    };
  }
}
