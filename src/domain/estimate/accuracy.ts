/**
 * Keeping the estimates honest: the estimate given when a request entered each stage is kept
 * until the request becomes watchable, then compared with when it actually did. The median
 * absolute error of the last `ACCURACY_LIMIT` comparisons says how far off the estimates run,
 * a median so that one request stuck for a day does not hide that the rest were right.
 */
import type { State } from '../states.js';

/** Comparisons kept. */
export const ACCURACY_LIMIT = 50;
/** Predictions waiting for their request to finish, across all requests (oldest dropped). */
export const PENDING_LIMIT = 2000;

export interface Prediction {
  request: string;
  /** The stage the request had just entered. */
  state: State;
  /** When the estimate was given (ISO). */
  at: string;
  watchable_at: string;
}

export interface AccuracyRecord extends Prediction {
  actual_at: string;
  /** Actual minus predicted, in seconds: positive when it came later than said. */
  error_s: number;
}

export interface AccuracyState {
  version: 1;
  pending: Prediction[];
  records: AccuracyRecord[];
}

export function emptyAccuracy(): AccuracyState {
  return { version: 1, pending: [], records: [] };
}

/**
 * Keeps the first estimate given in each stage a request enters (later ones in the same stage
 * have seen more and would flatter the record). An estimate without a time changes nothing.
 */
export function notePrediction(state: AccuracyState, request: string, estimate: { state: State; watchable_at: string | null }, at: string): AccuracyState {
  if (estimate.watchable_at === null) return state;
  if (state.pending.some((p) => p.request === request && p.state === estimate.state)) return state;
  const pending = [...state.pending, { request, state: estimate.state, at, watchable_at: estimate.watchable_at }].slice(-PENDING_LIMIT);
  return { ...state, pending };
}

/** The request became watchable at `actualAt`: its kept estimates become comparisons. */
export function settle(state: AccuracyState, request: string, actualAt: string): AccuracyState {
  const mine = state.pending.filter((p) => p.request === request);
  if (mine.length === 0) return state;
  const actual = Date.parse(actualAt);
  const records = [...state.records, ...mine.map((p) => ({ ...p, actual_at: actualAt, error_s: Math.round((actual - Date.parse(p.watchable_at)) / 1000) }))].slice(-ACCURACY_LIMIT);
  return { ...state, pending: state.pending.filter((p) => p.request !== request), records };
}

/** A request that will never be watchable (failed, declined, deleted) leaves nothing to compare. */
export function forgetPredictions(state: AccuracyState, request: string): AccuracyState {
  if (!state.pending.some((p) => p.request === request)) return state;
  return { ...state, pending: state.pending.filter((p) => p.request !== request) };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median absolute error (seconds) of the kept comparisons, optionally of estimates given in one stage; null with none. */
export function medianAbsoluteError(state: AccuracyState, stage?: State): number | null {
  const records = stage ? state.records.filter((r) => r.state === stage) : state.records;
  return median(records.map((r) => Math.abs(r.error_s)));
}
