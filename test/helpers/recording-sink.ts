/**
 * An EventSink for watcher tests: keeps each `ingest` call's batch, and refuses the next
 * `failNext` calls as a store that cannot write would (the watcher must tell them again).
 */
import type { DownloadFailedEvent, DownloadProgressEvent, StuckEvent, UnstampedEvent } from '../../src/domain/events.js';
import type { EventSink } from '../../src/watchers/types.js';

type Unstamped<E> = Omit<E, 'at'>;

export class RecordingSink implements EventSink {
  readonly batches: UnstampedEvent[][] = [];
  failNext = 0;

  async ingest(events: UnstampedEvent[]): Promise<unknown> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('store is read-only');
    }
    this.batches.push(events);
    return undefined;
  }

  get events(): UnstampedEvent[] {
    return this.batches.flat();
  }

  progress(): Array<Unstamped<DownloadProgressEvent>> {
    return this.events.filter((e): e is Unstamped<DownloadProgressEvent> => e.kind === 'download_progress');
  }

  stuck(): Array<Unstamped<StuckEvent>> {
    return this.events.filter((e): e is Unstamped<StuckEvent> => e.kind === 'stuck');
  }

  failed(): Array<Unstamped<DownloadFailedEvent>> {
    return this.events.filter((e): e is Unstamped<DownloadFailedEvent> => e.kind === 'download_failed');
  }

  clear(): void {
    this.batches.length = 0;
  }
}
