/**
 * Request and episode states, as the domain sees them. The states themselves (labels, ranks,
 * which are finished or closed) are rows of the contract's table (src/contract/states.ts).
 * Pipeline states are ordered: evidence of a later stage may skip earlier ones (a Radarr
 * import can arrive before qBittorrent was seen at 100 %), but the state never moves back
 * except on an explicit event (re-grab, retry, delete).
 */
import { PIPELINE_STATES, rank, type PipelineState, type State } from '../contract/states.js';

export {
  isClosed,
  isFinished,
  isPipeline,
  OUTCOME_STATES,
  PIPELINE_STATES,
  rank,
  STATE_LABELS,
  STATES,
  type OutcomeState,
  type PipelineState,
  type State,
} from '../contract/states.js';

/** Episodes never take the request-only aggregate PARTIALLY_AVAILABLE. */
export type EpisodeState = Exclude<State, 'PARTIALLY_AVAILABLE'>;

/** The pipeline states strictly between two states, for "skipped" timeline notes. */
export function skippedBetween(from: PipelineState, to: PipelineState): PipelineState[] {
  return PIPELINE_STATES.filter((s) => rank(s) > rank(from) && rank(s) < rank(to) && s !== 'PARTIALLY_AVAILABLE');
}
