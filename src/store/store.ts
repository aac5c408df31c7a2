/**
 * Event-sourced store: a snapshot plus the journal of events after it. The engine owns
 * the state and the reducer; the store only makes events durable (O(1) each, group
 * commit) and, now and then, writes the state so the journal can be trimmed.
 */
import * as fsp from 'node:fs/promises';
import type { MediaRequest } from '../domain/model.js';
import { Journal, scanJournals, type JournalFs, type JournalStats } from './journal/index.js';
import type { SnapshotMigration } from './migrations.js';
import { commitMigration, readSnapshot, writeSnapshot } from './snapshot.js';
import { StoreError, describeError, type JournalRecord, type LogFn } from './types.js';

export { StoreError } from './types.js';
export type { JournalRecord } from './types.js';

export interface StoreOptions {
  dir: string;
  /** false: storage disabled (benchmark baseline), nothing is read or written. */
  durable: boolean;
  /** Default 20000. */
  snapshotEveryRecords?: number;
  /** Default 5 min. */
  snapshotEveryMs?: number;
  log?: (level: 'debug' | 'info' | 'warning' | 'error', msg: string) => void;
  /** Test seam: snapshot migrations (default: the built-in list). */
  migrations?: readonly SnapshotMigration[];
  /** Test seam: file system used by the journal. */
  fs?: JournalFs;
}

export interface Loaded {
  requests: MediaRequest[];
  snapshotSeq: number;
  /** Journal records with `seq > snapshotSeq`, in seq order. */
  replay: JournalRecord[];
  warnings: string[];
  /** Highest seq known (snapshot or journal): the engine continues after it. */
  lastSeq: number;
}

export interface SnapshotCapture {
  lastSeq: number;
  requests: MediaRequest[];
}

export interface StoreStats extends JournalStats {
  snapshots: number;
  snapshotFailures: number;
}

const noop = (): void => undefined;

export class Store {
  private readonly log: LogFn;
  private readonly everyRecords: number;
  private readonly everyMs: number;
  private recordsSinceSnapshot = 0;
  private lastSnapshotAt = Date.now();
  private inFlight: Promise<void> | null = null;
  private closing = false;
  private snapshots = 0;
  private snapshotFailures = 0;

  private constructor(
    private readonly opts: StoreOptions,
    private readonly journal: Journal,
    private snapshotSeq: number,
  ) {
    this.log = opts.log ?? noop;
    this.everyRecords = opts.snapshotEveryRecords ?? 20_000;
    this.everyMs = opts.snapshotEveryMs ?? 5 * 60_000;
  }

  static async open(opts: StoreOptions): Promise<{ store: Store; loaded: Loaded }> {
    if (!opts.durable) {
      const journal = await Journal.open({ dir: opts.dir, durable: false, index: 1 });
      const store = new Store(opts, journal, 0);
      return { store, loaded: { requests: [], snapshotSeq: 0, replay: [], warnings: [], lastSeq: 0 } };
    }
    const log = opts.log ?? noop;
    await fsp.mkdir(opts.dir, { recursive: true });

    // Read everything first: if anything is fatal, no file has been touched.
    const snap = await readSnapshot(opts.dir, opts.migrations);
    const scan = await scanJournals(opts.dir);
    const warnings = [...scan.warnings];
    const snapshotSeq = snap?.data.lastSeq ?? 0;

    const replay: JournalRecord[] = [];
    const tail = scan.records.filter((r) => r.record.seq > snapshotSeq);
    tail.sort((a, b) => a.record.seq - b.record.seq); // stable: file order breaks ties
    let lastSeq = snapshotSeq;
    for (const r of tail) {
      if (r.record.seq === lastSeq && replay.length > 0) {
        warnings.push(`${r.file} line ${r.line}: skipped a second record with seq ${r.record.seq}`);
        continue;
      }
      replay.push(r.record);
      lastSeq = r.record.seq;
    }

    if (snap && snap.applied.length > 0) {
      const backup = await commitMigration(opts.dir, snap);
      const msg = `snapshot migrated from schema v${snap.fileVersion} to v${snap.data.schemaVersion} ` + `(${snap.applied.join('; ')}); the old file is kept as ${backup}`;
      log('info', msg);
    }

    const last = scan.files.at(-1);
    for (const f of scan.files) {
      if (f.tornBytes === 0) continue;
      const action = f === last ? 'ignored and removed' : 'ignored';
      warnings.push(`${f.name}: ${action} a torn last line (${f.tornBytes} bytes)`);
    }
    const journal = await Journal.open({
      dir: opts.dir,
      durable: true,
      index: last?.index ?? 1,
      existing: new Map(scan.files.map((f) => [f.index, f.maxSeq])),
      ...(opts.fs ? { fs: opts.fs } : {}),
      log,
    });
    for (const w of warnings) log('warning', w);

    const store = new Store(opts, journal, snapshotSeq);
    store.recordsSinceSnapshot = replay.length;
    return {
      store,
      loaded: { requests: snap?.data.requests ?? [], snapshotSeq, replay, warnings, lastSeq },
    };
  }

  get stats(): StoreStats {
    return { ...this.journal.stats, snapshots: this.snapshots, snapshotFailures: this.snapshotFailures };
  }

  /** Resolves when the record is durable (immediately when storage is disabled). */
  append(record: JournalRecord): Promise<void> {
    if (this.closing) return Promise.reject(new Error('store is closed'));
    this.recordsSinceSnapshot++;
    return this.journal.append(record);
  }

  needsSnapshot(): boolean {
    if (!this.opts.durable || this.inFlight || this.closing || this.recordsSinceSnapshot === 0) return false;
    return this.recordsSinceSnapshot >= this.everyRecords || Date.now() - this.lastSnapshotAt >= this.everyMs;
  }

  /**
   * Rotates the journal, captures the state in the same tick, writes it, then deletes
   * the journals it covers. One at a time: a call while one runs gets the running one.
   * The returned promise may be ignored: failures are logged and never unhandled.
   */
  snapshot(capture: () => SnapshotCapture): Promise<void> {
    if (this.closing) return handled(Promise.reject(new Error('store is closed')));
    return this.startSnapshot(capture);
  }

  /** Flushes pending appends, writes a final snapshot when `capture` is given, closes files. */
  async close(capture?: () => SnapshotCapture): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await this.journal.flush();
    if (this.inFlight) await this.inFlight.catch(noop);
    if (capture && this.opts.durable) await this.startSnapshot(capture).catch(noop);
    await this.journal.close();
  }

  private startSnapshot(capture: () => SnapshotCapture): Promise<void> {
    if (!this.opts.durable) return Promise.resolve();
    if (this.inFlight) return this.inFlight;
    const p = handled(this.runSnapshot(capture));
    this.inFlight = p;
    const clear = (): void => {
      if (this.inFlight === p) this.inFlight = null;
    };
    p.then(clear, clear);
    return p;
  }

  private async runSnapshot(capture: () => SnapshotCapture): Promise<void> {
    // Rotation and capture in the same tick: records appended from now on go to the
    // new file and are not in the captured state.
    const rotated = this.journal.rotate();
    let captured: SnapshotCapture;
    try {
      captured = capture();
    } catch (err) {
      await rotated.catch(noop);
      this.snapshotFailures++;
      this.log('error', `snapshot: capturing the state failed: ${describeError(err)}`);
      throw err;
    }
    const lastSeq = captured.lastSeq;
    const requests = captured.requests.slice(); // the array may change; the objects do not
    this.recordsSinceSnapshot = 0;
    this.lastSnapshotAt = Date.now();
    try {
      await rotated;
    } catch {
      // Logged by the journal; the snapshot is still worth writing.
    }
    try {
      await writeSnapshot(this.opts.dir, lastSeq, requests);
    } catch (err) {
      this.snapshotFailures++;
      const e = new StoreError(`snapshot: writing ${requests.length} requests at seq ${lastSeq} failed ` + `(${describeError(err)}); the journal is kept, nothing is lost`, { cause: err });
      this.log('error', e.message);
      throw e;
    }
    this.snapshots++;
    this.snapshotSeq = lastSeq;
    const deleted = await this.journal.deleteCovered(lastSeq);
    this.log('debug', `snapshot: ${requests.length} requests at seq ${lastSeq}${deleted.length ? `; deleted ${deleted.join(', ')}` : ''}`);
  }

  /** Seq of the last durable snapshot (0: none). */
  get lastSnapshotSeq(): number {
    return this.snapshotSeq;
  }
}

/** Marks a promise as handled so an ignoring caller cannot cause an unhandled rejection. */
function handled<T>(p: Promise<T>): Promise<T> {
  p.catch(noop);
  return p;
}
