/** What the reducer takes besides the request and the event, and what it returns. */
import type { Effect } from '../draft.js';
import type { MediaRequest } from '../model.js';

/** How a source is named in timeline reasons ("Grabbed by Sonarr: …"). */
export type LabelOf = (source: string) => string;

export interface ReduceOptions {
  /** When a library verifier (Jellyfin) is configured, unverified availability is only a hint. */
  verifyAvailability: boolean;
  /** Supplied from outside: the domain holds no table of the services it hears from. */
  labelOf: LabelOf;
}

export interface Reduction {
  /** The new request; null when it was forgotten. */
  request: MediaRequest | null;
  effects: Effect[];
  outcome: 'applied' | 'duplicate' | 'unchanged';
  note: string;
}
