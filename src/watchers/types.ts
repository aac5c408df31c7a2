/** What a watcher needs from the tracker: a place to send events and a read-only view. */
import type { UnstampedEvent } from '../domain/events.js';
import type { MediaRequest } from '../domain/model.js';

export interface EventSink {
  /** Resolves once the events are durably stored and published. */
  ingest(events: UnstampedEvent[]): Promise<unknown>;
}

export interface TrackedView {
  /** Requests that are not closed (not AVAILABLE, DECLINED or DELETED). */
  openRequests(): Iterable<MediaRequest>;
  /** Every request, finished ones included (deletions of AVAILABLE media are followed too). */
  allRequests?(): Iterable<MediaRequest>;
  request(id: string): MediaRequest | undefined;
  /** Lower-case hashes of every download of an open request. */
  trackedHashes(): Set<string>;
}
