/**
 * The one path every source takes: normalised event → correlate → reduce → journal
 * (durable) → publish. Correlation and reduction are synchronous, so events are applied
 * in arrival order; only the durability wait is asynchronous, which lets concurrent
 * webhooks share one fsync (group commit).
 */
import { correlate } from '../domain/correlate.js';
import type { Effect } from '../domain/draft.js';
import type { TrackerEvent, UnstampedEvent } from '../domain/events.js';
import { RequestIndex } from '../domain/index.js';
import type { MediaRequest } from '../domain/model.js';
import { isClosed } from '../domain/states.js';
import { createRequest, hasUpgradeInFlight, reduce, type ReduceOptions } from '../domain/reduce/index.js';
import { errorMessage, type Logger } from '../log.js';
import { isTopicSafeId, type Quarantined } from '../store/quarantine.js';
import type { Store } from '../store/store.js';
import type { JournalRecord } from '../store/types.js';
import type { Change, CommitListener, EventSink, IngestItem, TrackedView } from './ports.js';

export const EVENT_SCHEMA_VERSION = 1;

/** Raised when the journal could not be written: the sender must be told (HTTP 503). */
export class StorageUnavailableError extends Error {}

export class Engine implements EventSink, TrackedView {
  readonly index = new RequestIndex();
  private seq = 0;
  private listeners: CommitListener[] = [];
  private failure: Promise<void> | null = null;
  /** Why the last reload after a write failure failed; memory may then hold events the disk does not. */
  private unavailable: string | null = null;
  /**
   * The newest journal append. Appends become durable in order, so once it settles every
   * event applied so far is on disk.
   */
  private lastAppend: Promise<void> = Promise.resolve();
  stats = { applied: 0, duplicates: 0, ignored: 0 };

  constructor(
    private store: Store,
    private readonly reopen: () => Promise<{ store: Store; requests: MediaRequest[]; replay: JournalRecord[]; warnings: string[]; snapshotSeq: number }>,
    private readonly opts: ReduceOptions,
    private readonly log: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Loads a snapshot's requests and replays the journal tail through the same reducer. What
   * cannot be loaded (an id that is no topic level, a record the reducer throws on) is left
   * out and returned, so that one bad stored request never stops the tracker from starting.
   */
  load(requests: readonly unknown[], replay: JournalRecord[], snapshotSeq: number): Quarantined[] {
    const out: Quarantined[] = [];
    for (const r of requests) {
      const id: unknown = typeof r === 'object' && r !== null ? (r as { id?: unknown }).id : undefined;
      const bad = (reason: string) => out.push({ origin: 'snapshot', seq: null, id: String(id), reason, data: r });
      if (!isTopicSafeId(id)) bad(`request id ${JSON.stringify(id) ?? 'undefined'} cannot be an MQTT topic level`);
      else {
        try {
          this.index.put(r as MediaRequest);
        } catch (err) {
          bad(`not a request: ${errorMessage(err)}`);
        }
      }
    }
    this.seq = snapshotSeq;
    for (const record of replay) {
      this.seq = Math.max(this.seq, record.seq);
      const bad = (id: string, reason: string) => out.push({ origin: 'journal', seq: record.seq, id, reason, data: record });
      try {
        const { changes } = this.apply(record.event);
        const unsafe = changes.find((c) => !isTopicSafeId(c.id));
        if (unsafe) bad(unsafe.id, `request id ${JSON.stringify(unsafe.id)} cannot be an MQTT topic level`);
        else for (const c of changes) this.commitToIndex(c);
      } catch (err) {
        bad('?', `replaying it failed: ${errorMessage(err)}`);
      }
    }
    return out;
  }

  onCommit(listener: CommitListener): void {
    this.listeners.push(listener);
  }

  get lastSeq(): number {
    return this.seq;
  }

  requests(): IterableIterator<MediaRequest> {
    return this.index.values();
  }

  // TrackedView, for the watchers: open requests, and finished ones with an upgrade in flight.
  *openRequests(): IterableIterator<MediaRequest> {
    for (const r of this.index.values()) if (!isClosed(r.state) || hasUpgradeInFlight(r)) yield r;
  }

  request(id: string): MediaRequest | undefined {
    return this.index.get(id);
  }

  /** TrackedView: every request, finished ones included. */
  allRequests(): IterableIterator<MediaRequest> {
    return this.index.values();
  }

  trackedHashes(): Set<string> {
    const out = new Set<string>();
    for (const [hash, ids] of this.index.byHash) {
      for (const id of ids) {
        const r = this.index.get(id);
        if (r && (!isClosed(r.state) || hasUpgradeInFlight(r))) {
          out.add(hash);
          break;
        }
      }
    }
    return out;
  }

  /** Applies events in order; resolves once every change is durable and published. */
  async ingest(events: UnstampedEvent[]): Promise<IngestItem[]> {
    if (this.failure) throw new StorageUnavailableError('storage is recovering from a write failure; try again shortly');
    if (this.unavailable !== null) {
      // Nothing is accepted, not even as a "duplicate" of an event that never reached the
      // disk, until the state has been reloaded from what is stored.
      await this.reload();
      if (this.unavailable !== null) throw new StorageUnavailableError(`storage is unavailable (${this.unavailable}); try again later`);
    }
    const at = this.clock().toISOString();
    const items: IngestItem[] = [];
    const pending: Array<Promise<void>> = [];
    const allChanges: Change[] = [];
    const allEffects: Effect[] = [];
    for (const raw of events) {
      const event = { ...raw, at } as TrackerEvent;
      const { changes, effects, item } = this.apply(event);
      items.push(item);
      if (changes.length === 0) continue;
      const unsafe = changes.find((c) => !isTopicSafeId(c.id));
      if (unsafe) {
        // The adapters never produce such an id; should one slip through, it is not stored.
        items[items.length - 1] = { status: 'ignored', request_ids: [], states: [], note: `refused: request id ${JSON.stringify(unsafe.id)} cannot be an MQTT topic level` };
        continue;
      }
      for (const c of changes) this.commitToIndex(c);
      const record: JournalRecord = { v: EVENT_SCHEMA_VERSION, seq: ++this.seq, event };
      this.lastAppend = this.store.append(record);
      pending.push(this.lastAppend);
      allChanges.push(...changes);
      allEffects.push(...effects);
    }
    try {
      // Nothing new to store: a duplicate (or an event that changes nothing) owes its answer to
      // an event that may still be on its way to the disk, so it is answered once that is there.
      await (pending.length === 0 ? this.lastAppend : Promise.all(pending));
    } catch (err) {
      if (pending.length === 0) throw new StorageUnavailableError(`the original of this event could not be stored: ${errorMessage(err)}`);
      void this.recover(err);
      throw new StorageUnavailableError(`could not store the event: ${errorMessage(err)}`);
    }
    if (pending.length === 0) return items;
    // Publish only what is durable.
    this.notify(allChanges, allEffects);
    if (this.store.needsSnapshot()) this.snapshot();
    return items;
  }

  snapshot(): void {
    this.store.snapshot(() => ({ lastSeq: this.seq, requests: [...this.index.values()] })).catch((err) => this.log.error(`snapshot failed: ${errorMessage(err)}`));
  }

  async close(): Promise<void> {
    await this.store.close(() => ({ lastSeq: this.seq, requests: [...this.index.values()] }));
  }

  /**
   * The events are stored by now: a listener that throws must not turn them into a failed
   * ingest (the sender would retry what is already applied) nor keep the others from hearing.
   */
  private notify(changes: Change[], effects: Effect[]): void {
    for (const l of this.listeners) {
      try {
        l(changes, effects);
      } catch (err) {
        this.log.error(`a commit listener failed: ${errorMessage(err)}`);
      }
    }
  }

  private commitToIndex(c: Change): void {
    if (c.after) this.index.put(c.after);
    else this.index.delete(c.id);
  }

  private apply(event: TrackerEvent): { changes: Change[]; effects: Effect[]; item: IngestItem } {
    const target = correlate(event, this.index);
    if (target.type === 'none') {
      this.stats.ignored++;
      return { changes: [], effects: [], item: { status: 'ignored', request_ids: [], states: [], note: target.reason } };
    }
    const changes: Change[] = [];
    const effects: Effect[] = [];
    const notes: string[] = [];
    let duplicates = 0;
    let bases: Array<{ base: MediaRequest; before: MediaRequest | null }>;
    if (target.type === 'create') {
      if (event.kind !== 'request' && event.kind !== 'grabbed' && event.kind !== 'imported') throw new Error(`event kind ${event.kind} cannot create a request`);
      const created = createRequest(target.id, event, this.opts);
      // A request imported from Jellyseerr's list (the back-fill) was made earlier: not announced as new.
      const quiet = event.kind === 'request' && event.since !== undefined;
      effects.push({ type: 'transition', request_id: created.id, from: null, to: 'REQUESTED', reason: created.timeline[0]!.reason, source: event.source, episodes: [], ...(quiet ? { quiet } : {}) });
      bases = [{ base: created, before: null }];
      notes.push('created');
    } else {
      bases = target.requests.map((r) => ({ base: r, before: r }));
    }
    for (const { base, before } of bases) {
      const result = reduce(base, event, this.opts);
      if (result.outcome === 'duplicate') duplicates++;
      notes.push(result.note);
      if (result.outcome === 'applied' || before === null) {
        // The creating event counts as applied even when it changed nothing more.
        const after = before === null && result.request && !result.request.applied.includes(event.key) ? { ...result.request, applied: [...result.request.applied, event.key] } : result.request;
        changes.push({ before, after, id: base.id });
        effects.push(...result.effects);
      }
    }
    const after = changes.length ? changes.map((c) => c.after) : bases.map((b) => b.base);
    const status: IngestItem['status'] = changes.length ? 'accepted' : duplicates === bases.length ? 'duplicate' : 'unchanged';
    if (status === 'accepted') this.stats.applied++;
    else if (status === 'duplicate') this.stats.duplicates++;
    return {
      changes,
      effects,
      item: {
        status,
        request_ids: bases.map((b) => b.base.id),
        states: after.map((r) => r?.state ?? 'FORGOTTEN'),
        note: notes.filter(Boolean).join('; '),
      },
    };
  }

  /**
   * After a failed write the in-memory state may hold events the journal does not: refuse
   * new events, then rebuild the state from disk so memory matches what is stored.
   */
  private recover(err: unknown): Promise<void> {
    if (this.failure) return this.failure;
    this.log.error(`journal write failed (${errorMessage(err)}); reloading the state from disk`);
    return this.reload();
  }

  /** Rebuilds the state from disk; until that succeeds, `unavailable` says why not. */
  private reload(): Promise<void> {
    if (this.failure) return this.failure;
    this.failure = (async () => {
      try {
        await this.store.close().catch(() => undefined);
        const reopened = await this.reopen();
        this.store = reopened.store;
        for (const w of reopened.warnings) this.log.warning(w);
        for (const id of [...this.index.byId.keys()]) this.index.delete(id);
        // Continue after the snapshot's sequence: numbers at or below it would be skipped at the next start.
        for (const q of this.load(reopened.requests, reopened.replay, reopened.snapshotSeq)) this.log.warning(`left out on reload: ${q.origin} ${q.id}: ${q.reason}`);
        if (this.unavailable !== null) this.log.info('storage is writable again; state reloaded from disk');
        this.unavailable = null;
        this.lastAppend = Promise.resolve();
        const changes = [...this.index.values()].map((r) => ({ before: null, after: r, id: r.id }));
        this.notify(changes, []);
      } catch (reloadErr) {
        // Logged once per outage; every webhook meanwhile gets a 503 naming the cause.
        if (this.unavailable === null) this.log.error(`reload after write failure failed: ${errorMessage(reloadErr)}`);
        this.unavailable = errorMessage(reloadErr);
      } finally {
        this.failure = null;
      }
    })();
    return this.failure;
  }
}
