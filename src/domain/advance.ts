/**
 * The transition rule shared by requests and episodes: pipeline evidence only moves
 * forward (skipping missed stages), outcomes are always accepted, and leaving an
 * outcome or going back needs an explicit event.
 */
import { isPipeline, rank, skippedBetween, STATE_LABELS, type State } from './states.js';

export type Verdict =
  /** Move to `to`; `skipped` lists stages that were never observed. */
  | { move: true; skipped: State[] }
  /** Stay; `late` is true when the evidence is older than the current stage. */
  | { move: false; late: boolean };

/**
 * @param explicit the event is allowed to move backwards or out of an outcome
 *   (re-grab after failure, retry, re-approval, delete).
 */
export function judge(from: State, to: State, explicit = false): Verdict {
  if (from === to) return { move: false, late: false };
  if (from === 'DELETED' && !explicit) return { move: false, late: true };
  if (!isPipeline(to)) return { move: true, skipped: [] };
  if (!isPipeline(from)) {
    // FAILED/DECLINED: only an explicit event or real progress past the failure reopens it.
    if (explicit || from === 'FAILED') return { move: true, skipped: [] };
    return { move: false, late: true };
  }
  if (rank(to) > rank(from)) return { move: true, skipped: skippedBetween(from, to) };
  if (explicit) return { move: true, skipped: [] };
  return { move: false, late: true };
}

/** Names the stages that were never observed; Shoko matching only exists for anime. */
export function describeSkipped(skipped: State[], isAnime: boolean): string {
  const shown = isAnime ? skipped : skipped.filter((s) => s !== 'ANIME_MATCHING');
  return shown.length ? ` (not observed: ${shown.map((s) => STATE_LABELS[s]).join(', ')})` : '';
}
