/**
 * Append-only JSON-lines journal with group commit: every record appended while a
 * write + datasync is in flight joins the next batch, so the cost is one fsync per
 * batch, not per record.
 */
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import {
  JOURNAL_FORMAT_VERSION,
  StoreError,
  describeError,
  type JournalRecord,
  type LogFn,
} from './types.js';

/** The subset of a `node:fs/promises` FileHandle the journal uses. */
export interface JournalHandle {
  write(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesWritten: number }>;
  read(
    buffer: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<{ bytesRead: number }>;
  datasync(): Promise<void>;
  sync(): Promise<void>;
  truncate(len: number): Promise<void>;
  stat(): Promise<{ size: number }>;
  close(): Promise<void>;
}

/** Injectable so tests can simulate ENOSPC; production uses `node:fs/promises`. */
export interface JournalFs {
  open(path: string, flags: number): Promise<JournalHandle>;
}

export const nodeJournalFs: JournalFs = {
  open: (p, flags) => fsp.open(p, flags),
};

const FILE_RE = /^journal-(\d{8})\.jsonl$/;

export function journalFileName(index: number): string {
  return `journal-${String(index).padStart(8, '0')}.jsonl`;
}

export function parseJournalFileName(name: string): number | null {
  const m = FILE_RE.exec(name);
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------------------
// Reading (startup only)

export interface ScannedRecord {
  record: JournalRecord;
  file: string;
  line: number;
}

export interface ScannedFile {
  index: number;
  name: string;
  /** Highest seq of a valid record, 0 when none. */
  maxSeq: number;
  /** Bytes after the last newline (a write cut short by a crash). */
  tornBytes: number;
}

export interface JournalScan {
  files: ScannedFile[];
  records: ScannedRecord[];
  warnings: string[];
}

function isJournalRecord(x: unknown): x is JournalRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  const ev = r['event'];
  return (
    Number.isSafeInteger(r['v']) &&
    Number.isSafeInteger(r['seq']) &&
    (r['seq'] as number) >= 0 &&
    typeof ev === 'object' &&
    ev !== null &&
    typeof (ev as Record<string, unknown>)['kind'] === 'string'
  );
}

/**
 * Reads every journal file of `dir` without modifying anything. Corrupt lines are
 * skipped with a warning; a record from a newer format is fatal, since skipping it
 * would silently lose data.
 */
export async function scanJournals(dir: string): Promise<JournalScan> {
  const names = (await fsp.readdir(dir))
    .map((name) => ({ name, index: parseJournalFileName(name) }))
    .filter((f): f is { name: string; index: number } => f.index !== null)
    .sort((a, b) => a.index - b.index);
  const files: ScannedFile[] = [];
  const records: ScannedRecord[] = [];
  const warnings: string[] = [];
  for (const { name, index } of names) {
    const buf = await fsp.readFile(path.join(dir, name));
    const end = buf.lastIndexOf(0x0a) + 1;
    const tornBytes = buf.length - end;
    const lines = buf.toString('utf8', 0, end).split('\n');
    lines.pop(); // the empty piece after the final newline
    let maxSeq = 0;
    lines.forEach((text, i) => {
      const line = i + 1;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        warnings.push(`${name} line ${line}: skipped a corrupt record (${describeError(err)})`);
        return;
      }
      if (!isJournalRecord(parsed)) {
        warnings.push(`${name} line ${line}: skipped a record that is not {v, seq, event}`);
        return;
      }
      if (parsed.v > JOURNAL_FORMAT_VERSION) {
        throw new StoreError(
          `${path.join(dir, name)} line ${line}: record format v${parsed.v} was written by a newer ` +
            `version of Media Tracker (this one knows v${JOURNAL_FORMAT_VERSION}); refusing to start ` +
            `so no data is lost. Upgrade the add-on or restore a backup.`,
        );
      }
      if (parsed.seq > maxSeq) maxSeq = parsed.seq;
      records.push({ record: parsed, file: name, line });
    });
    files.push({ index, name, maxSeq, tornBytes });
  }
  return { files, records, warnings };
}

// ---------------------------------------------------------------------------
// Writing

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
type QueueInput =
  | { kind: 'record'; line: string; seq: number }
  | { kind: 'rotate'; index: number }
  | { kind: 'barrier' };
type QueueItem = QueueInput & Waiter;
type RecordItem = Extract<QueueItem, { kind: 'record' }>;

interface OpenFile {
  index: number;
  name: string;
  handle: JournalHandle;
  /** Bytes known durable; a failed batch is truncated back to this. */
  size: number;
  /** A failed batch may have left bytes after `size` that could not be removed yet. */
  dirty: boolean;
}

const OPEN_FLAGS = fsConstants.O_RDWR | fsConstants.O_CREAT;

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
      line = JSON.stringify(record) + '\n';
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
      const e = new Error(
        `journal ${f.name}: ${step} failed (${describeError(err)}); ` +
          `${batch.length} record(s) not saved`,
        { cause: err },
      );
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
      const e = new Error(
        `journal: could not open ${journalFileName(item.index)} (${describeError(err)}); ` +
          `still writing to ${this.file?.name ?? 'nothing'}`,
        { cause: err },
      );
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
    const name = journalFileName(index);
    const handle = await this.fs.open(path.join(this.opts.dir, name), OPEN_FLAGS);
    try {
      const { size } = await handle.stat();
      const valid = await lastNewlineEnd(handle, size);
      if (valid < size) {
        await handle.truncate(valid);
        await handle.datasync();
      }
      if (size === 0) await this.syncDir(); // make a new file's directory entry durable
      if (!this.fileSeqs.has(index)) this.fileSeqs.set(index, 0);
      return { file: { index, name, handle, size: valid, dirty: false }, repaired: size - valid };
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw err;
    }
  }

  private async syncDir(): Promise<void> {
    const dh = await this.fs.open(this.opts.dir, fsConstants.O_RDONLY);
    try {
      await dh.sync();
    } finally {
      await dh.close();
    }
  }
}

/** Offset just after the last `\n` (0 if none), reading backwards from the end. */
async function lastNewlineEnd(handle: JournalHandle, size: number): Promise<number> {
  const chunk = Buffer.alloc(Math.min(size, 64 * 1024));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const { bytesRead } = await handle.read(chunk, 0, end - start, start);
    const i = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
    if (i >= 0) return start + i + 1;
    end = start;
  }
  return 0;
}
