/**
 * The engine's ports: what the sources (watchers, webhooks) and the listeners (publisher,
 * panel stream) see of it. Owned here so the engine depends on no source or feature.
 */
import type { Effect } from '../domain/draft.js';
import type { UnstampedEvent } from '../domain/events.js';
import type { MediaRequest } from '../domain/model.js';

/** Where a source sends its events. */
export interface EventSink {
  /** Resolves once the events are durably stored and published. */
  ingest(events: UnstampedEvent[]): Promise<unknown>;
}

/** The read-only view of the tracked requests a source polls against. */
export interface TrackedView {
  /** Requests that are not closed (not AVAILABLE, DECLINED or DELETED). */
  openRequests(): Iterable<MediaRequest>;
  /** Every request, finished ones included (deletions of AVAILABLE media are followed too). */
  allRequests?(): Iterable<MediaRequest>;
  request(id: string): MediaRequest | undefined;
  /** Lower-case hashes of every download of an open request. */
  trackedHashes(): Set<string>;
}

/** What became of one ingested event. */
export interface IngestItem {
  status: 'accepted' | 'duplicate' | 'unchanged' | 'ignored';
  request_ids: string[];
  states: string[];
  note: string;
}

/** One request before and after a committed event; `after` null when it was forgotten. */
export interface Change {
  before: MediaRequest | null;
  after: MediaRequest | null;
  id: string;
}

/** Called with what became durable, in commit order. */
export type CommitListener = (changes: Change[], effects: Effect[]) => void;
