/**
 * Request and episode states. Pipeline states are ordered: evidence of a later stage
 * may skip earlier ones (a Radarr import can arrive before qBittorrent was seen at 100 %),
 * but the state never moves back except on an explicit event (re-grab, retry, delete).
 */
export const PIPELINE_STATES = [
  'REQUESTED',
  'APPROVED',
  'SEARCHING',
  'GRABBING',
  'DOWNLOADING',
  'DOWNLOADED',
  'IMPORTING',
  'ANIME_MATCHING',
  'PARTIALLY_AVAILABLE',
  'AVAILABLE',
] as const;

/** Off-pipeline outcomes. */
export const OUTCOME_STATES = ['FAILED', 'DECLINED', 'DELETED'] as const;

export const STATES = [...PIPELINE_STATES, ...OUTCOME_STATES] as const;

export type PipelineState = (typeof PIPELINE_STATES)[number];
export type OutcomeState = (typeof OUTCOME_STATES)[number];
export type State = (typeof STATES)[number];

/** Episodes never take the request-only aggregate PARTIALLY_AVAILABLE. */
export type EpisodeState = Exclude<State, 'PARTIALLY_AVAILABLE'>;

const RANK: Record<PipelineState, number> = Object.fromEntries(
  PIPELINE_STATES.map((s, i) => [s, i]),
) as Record<PipelineState, number>;

export function isPipeline(state: State): state is PipelineState {
  return state in RANK;
}

export function rank(state: PipelineState): number {
  return RANK[state];
}

/**
 * Closed requests are history: pipeline events never correlate to them (a re-request
 * is a new record). FAILED stays open so that a re-grab after a failure finds it.
 */
export function isClosed(state: State): boolean {
  return state === 'AVAILABLE' || state === 'DECLINED' || state === 'DELETED';
}

/** Finished requests count towards HA retention. */
export function isFinished(state: State): boolean {
  return state === 'AVAILABLE' || state === 'FAILED' || state === 'DECLINED' || state === 'DELETED';
}

/** The pipeline states strictly between two states, for "skipped" timeline notes. */
export function skippedBetween(from: PipelineState, to: PipelineState): PipelineState[] {
  return PIPELINE_STATES.slice(rank(from) + 1, rank(to)).filter((s) => s !== 'PARTIALLY_AVAILABLE');
}

/** Human labels for timeline text and HA. */
export const STATE_LABELS: Record<State, string> = {
  REQUESTED: 'Requested',
  APPROVED: 'Approved',
  SEARCHING: 'Searching',
  GRABBING: 'Grabbed',
  DOWNLOADING: 'Downloading',
  DOWNLOADED: 'Downloaded',
  IMPORTING: 'Importing',
  ANIME_MATCHING: 'Matching in Shoko',
  PARTIALLY_AVAILABLE: 'Partially available',
  AVAILABLE: 'Available',
  FAILED: 'Failed',
  DECLINED: 'Declined',
  DELETED: 'Deleted',
};
