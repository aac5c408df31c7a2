/**
 * Append-only JSON-lines journal with group commit: every record appended while a
 * write + datasync is in flight joins the next batch, so the cost is one fsync per
 * batch, not per record.
 */
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { describeError, type JournalRecord, type LogFn } from '../types.js';
import { journalFileName, nodeJournalFs, openJournalFile, type JournalFs, type OpenFile } from './files.js';
import { encodeRecord } from './records.js';

export interface JournalOptions {
  dir: string;
  /** false: storage disabled, appends resolve at once and nothing is written. */
  durable: boolean;
  /** File to append to (created when missing). */
  index: number;
  /** Files already on disk and their highest seq, so covered ones can be deleted later. */
  existing?: ReadonlyMap<number, number>;
  fs?: JournalFs;
  log?: LogFn;
}

export interface JournalStats {
  /** Successful write + datasync rounds. */
  batches: number;
  records: number;
  bytes: number;
  failedBatches: number;
}

type Waiter = { resolve: () => void; reject: (err: Error) => void };
type QueueInput = { kind: 'record'; line: string; seq: number } | { kind: 'rotate'; index: number } | { kind: 'barrier' };
type QueueItem = QueueInput & Waiter;
type RecordItem = Extract<QueueItem, { kind: 'record' }>;

export class Journal {
  readonly stats: JournalStats = { batches: 0, records: 0, bytes: 0, failedBatches: 0 };
  /** Bytes dropped from the end of the file at open (torn last line). */
  repairedBytes = 0;

  private readonly fs: JournalFs;
  private readonly log: LogFn;
  private file: OpenFile | null = null;
  /** Highest seq written per file index (0: none), including closed files. */
  private readonly fileSeqs = new Map<number, number>();
  private queue: QueueItem[] = [];
  private running = false;
  private nextIndex: number;
  private closed = false;

  private constructor(private readonly opts: JournalOptions) {
    this.fs = opts.fs ?? nodeJournalFs;
    this.log = opts.log ?? (() => undefined);
    this.nextIndex = opts.index + 1;
    for (const [i, seq] of opts.existing ?? []) {
      this.fileSeqs.set(i, seq);
      if (i >= this.nextIndex) this.nextIndex = i + 1;
    }
  }

  static async open(opts: JournalOptions): Promise<Journal> {
    const j = new Journal(opts);
    if (opts.durable) {
      const f = await j.openFile(opts.index);
      j.repairedBytes = f.repaired;
      j.file = f.file;
    }
    return j;
  }

  get durable(): boolean {
    return this.opts.durable;
  }

  /** Index of the file currently written to (null when not durable). */
  get currentIndex(): number | null {
    return this.file?.index ?? null;
  }

  /** Resolves once the record is on disk; rejects if its batch could not be written. */
  append(record: JournalRecord): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    if (!this.opts.durable) return Promise.resolve();
    let line: string;
    try {
      line = encodeRecord(record);
    } catch (err) {
      return Promise.reject(new Error(`journal: cannot serialise record ${record.seq}: ${describeError(err)}`));
    }
    return this.enqueue({ kind: 'record', line, seq: record.seq });
  }

  /**
   * Records appended after this call go to a new file. Resolves when the old file is
   * closed (all its writes done); if the new file cannot be opened, writing continues
   * in the old one and the promise rejects.
   */
  rotate(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    if (!this.opts.durable) return Promise.resolve();
    const index = this.nextIndex++;
    return this.enqueue({ kind: 'rotate', index });
  }

  /** Resolves when everything appended so far has been handled. */
  flush(): Promise<void> {
    if (!this.opts.durable) return Promise.resolve();
    return this.enqueue({ kind: 'barrier' });
  }

  /**
   * Deletes the closed files whose every record has `seq <= lastSeq`. Returns the
   * deleted file names. The current file is never deleted.
   */
  async deleteCovered(lastSeq: number): Promise<string[]> {
    const deleted: string[] = [];
    for (const [index, maxSeq] of [...this.fileSeqs]) {
      if (index === this.file?.index || maxSeq > lastSeq) continue;
      const name = journalFileName(index);
      try {
        await fsp.unlink(path.join(this.opts.dir, name));
        deleted.push(name);
        this.fileSeqs.delete(index);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          this.fileSeqs.delete(index);
        } else {
          this.log('warning', `journal: could not delete ${name}: ${describeError(err)}`);
        }
      }
    }
    return deleted;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    const f = this.file;
    this.file = null;
    if (f) await f.handle.close();
  }

  // -------------------------------------------------------------------------

  private enqueue(item: QueueInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ ...item, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Start on a microtask so a synchronous burst of appends forms one batch.
        queueMicrotask(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Swap the queue out: O(1) per record, later appends wait for the next round.
        const items = this.queue;
        this.queue = [];
        let batch: RecordItem[] = [];
        for (const item of items) {
          if (item.kind === 'record') {
            batch.push(item);
            continue;
          }
          if (batch.length > 0) await this.writeBatch(batch);
          batch = [];
          if (item.kind === 'rotate') await this.switchTo(item);
          else item.resolve();
        }
        if (batch.length > 0) await this.writeBatch(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async writeBatch(batch: RecordItem[]): Promise<void> {
    const f = this.file;
    if (!f) {
      const err = new Error('journal is not open');
      for (const r of batch) r.reject(err);
      return;
    }
    const buf = Buffer.from(batch.map((r) => r.line).join(''), 'utf8');
    let step = 'write';
    try {
      if (f.dirty) {
        step = 'truncate after an earlier failure';
        await f.handle.truncate(f.size);
        f.dirty = false;
      }
      step = 'write';
      let off = 0;
      while (off < buf.length) {
        const { bytesWritten } = await f.handle.write(buf, off, buf.length - off, f.size + off);
        if (bytesWritten <= 0) throw new Error('write returned 0 bytes');
        off += bytesWritten;
      }
      step = 'datasync';
      await f.handle.datasync();
    } catch (err) {
      this.stats.failedBatches++;
      await this.rollback(f);
      const e = new Error(`journal ${f.name}: ${step} failed (${describeError(err)}); ` + `${batch.length} record(s) not saved`, { cause: err });
      this.log('error', e.message);
      for (const r of batch) r.reject(e);
      return;
    }
    f.size += buf.length;
    this.stats.batches++;
    this.stats.records += batch.length;
    this.stats.bytes += buf.length;
    let maxSeq = this.fileSeqs.get(f.index) ?? 0;
    for (const r of batch) if (r.seq > maxSeq) maxSeq = r.seq;
    this.fileSeqs.set(f.index, maxSeq);
    for (const r of batch) r.resolve();
  }

  /** Cut the file back to its last committed size so no torn line stays mid-file. */
  private async rollback(f: OpenFile): Promise<void> {
    try {
      await f.handle.truncate(f.size);
      await f.handle.datasync();
      f.dirty = false;
    } catch (err) {
      // Retried before the next write; positional writes overwrite leftovers anyway.
      f.dirty = true;
      this.log('error', `journal ${f.name}: could not truncate after a failed write: ${describeError(err)}`);
    }
  }

  private async switchTo(item: Extract<QueueItem, { kind: 'rotate' }>): Promise<void> {
    let next: OpenFile;
    try {
      next = (await this.openFile(item.index)).file;
    } catch (err) {
      const e = new Error(`journal: could not open ${journalFileName(item.index)} (${describeError(err)}); ` + `still writing to ${this.file?.name ?? 'nothing'}`, { cause: err });
      this.log('warning', e.message);
      item.reject(e);
      return;
    }
    const old = this.file;
    this.file = next;
    if (old) {
      try {
        await old.handle.close();
      } catch (err) {
        this.log('warning', `journal ${old.name}: close failed: ${describeError(err)}`);
      }
    }
    item.resolve();
  }

  /** Opens (creating if needed) a file for append, cutting a torn last line. */
  private async openFile(index: number): Promise<{ file: OpenFile; repaired: number }> {
    const opened = await openJournalFile(this.fs, this.opts.dir, index);
    if (!this.fileSeqs.has(index)) this.fileSeqs.set(index, 0);
    return opened;
  }
}
