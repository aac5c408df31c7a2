import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Journal, journalFileName, nodeJournalFs, scanJournals, type JournalFs, type JournalHandle } from '../../../src/store/journal/index.js';
import { StoreError } from '../../../src/store/types.js';
import { line, readLines, record, tempDir } from './helpers.js';

/** Wraps the real fs so a test can count calls and inject failures. */
function wrapFs(hooks: {
  write?: (real: JournalHandle, args: [Uint8Array, number, number, number]) => Promise<{ bytesWritten: number }> | null;
  datasync?: (real: JournalHandle) => Promise<void> | null;
}): { fs: JournalFs; counts: { write: number; datasync: number } } {
  const counts = { write: 0, datasync: 0 };
  const fs: JournalFs = {
    async open(p, flags) {
      const real = await nodeJournalFs.open(p, flags);
      return {
        write: (...args) => {
          counts.write++;
          return hooks.write?.(real, args) ?? real.write(...args);
        },
        datasync: () => {
          counts.datasync++;
          return hooks.datasync?.(real) ?? real.datasync();
        },
        read: (...args) => real.read(...args),
        sync: () => real.sync(),
        truncate: (len) => real.truncate(len),
        stat: () => real.stat(),
        close: () => real.close(),
      };
    },
  };
  return { fs, counts };
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
}

describe('Journal', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());
  const file = (i = 1) => path.join(dir, journalFileName(i));

  it('names files journal-<8 digits>.jsonl and writes {v,seq,event} lines', async () => {
    const j = await Journal.open({ dir, durable: true, index: 1 });
    await j.append(record(1));
    await j.close();
    expect(await readdir(dir)).toEqual(['journal-00000001.jsonl']);
    expect(await readFile(file(), 'utf8')).toBe(line(1));
  });

  it('group-commits concurrent appends: all durable, in order, far fewer datasyncs than records', async () => {
    const { fs, counts } = wrapFs({});
    const j = await Journal.open({ dir, durable: true, index: 1, fs });
    const base = counts.datasync;
    const n = 500;
    await Promise.all(Array.from({ length: n }, (_, i) => j.append(record(i + 1))));
    expect(counts.datasync - base).toBeLessThan(n);
    expect(j.stats.batches).toBeLessThan(n);
    expect(j.stats.records).toBe(n);
    const lines = await readLines(file());
    expect(lines.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    await j.close();
  });

  it('queues records appended while a batch is in flight into one next batch', async () => {
    const { fs, counts } = wrapFs({
      datasync: (real) => new Promise((r) => setTimeout(r, 30)).then(() => real.datasync()),
    });
    const j = await Journal.open({ dir, durable: true, index: 1, fs });
    const base = counts.datasync;
    const first = j.append(record(1));
    await new Promise((r) => setTimeout(r, 5)); // first batch is now in its datasync
    const rest = Array.from({ length: 20 }, (_, i) => j.append(record(i + 2)));
    await Promise.all([first, ...rest]);
    expect(counts.datasync - base).toBe(2);
    expect(j.stats.batches).toBe(2);
    expect((await readLines(file())).length).toBe(21);
    await j.close();
  });

  it('rejects the whole batch on a write failure, truncates the torn bytes, and recovers', async () => {
    let failNext = false;
    const { fs } = wrapFs({
      write: (real, [buf, off, len, pos]) => {
        if (!failNext) return null;
        failNext = false;
        // Half the batch reaches the disk, then the disk is full.
        return real.write(buf, off, Math.floor(len / 2), pos).then(() => Promise.reject(enospc()));
      },
    });
    const logs: string[] = [];
    const j = await Journal.open({ dir, durable: true, index: 1, fs, log: (_l, m) => logs.push(m) });
    await j.append(record(1));
    const committed = (await stat(file())).size;

    failNext = true;
    const results = await Promise.allSettled([j.append(record(2)), j.append(record(3))]);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason.message).toMatch(/journal-00000001\.jsonl: write failed \(ENOSPC/);
    }
    expect((await stat(file())).size).toBe(committed);
    expect(j.stats.failedBatches).toBe(1);
    expect(logs.some((m) => m.includes('ENOSPC'))).toBe(true);

    await j.append(record(4)); // space is back
    expect(await readFile(file(), 'utf8')).toBe(line(1) + line(4));
    await j.close();
  });

  it('rejects and truncates when datasync fails', async () => {
    let failSync = false;
    const { fs } = wrapFs({
      datasync: () => {
        if (!failSync) return null;
        failSync = false;
        return Promise.reject(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
      },
    });
    const j = await Journal.open({ dir, durable: true, index: 1, fs });
    await j.append(record(1));
    failSync = true;
    await expect(j.append(record(2))).rejects.toThrow(/datasync failed \(EIO/);
    await j.append(record(3));
    expect(await readFile(file(), 'utf8')).toBe(line(1) + line(3));
    await j.close();
  });

  it('cuts a torn last line before appending to an existing file', async () => {
    await writeFile(file(), `${line(1) + line(2)}{"v":1,"seq":3,"ev`);
    const j = await Journal.open({ dir, durable: true, index: 1 });
    expect(j.repairedBytes).toBe('{"v":1,"seq":3,"ev'.length);
    await j.append(record(3));
    await j.close();
    expect(await readFile(file(), 'utf8')).toBe(line(1) + line(2) + line(3));
  });

  it('rotates: later appends go to the next file, earlier ones stay in the old one', async () => {
    const j = await Journal.open({ dir, durable: true, index: 1 });
    const a = j.append(record(1));
    const rotated = j.rotate();
    const b = j.append(record(2));
    await Promise.all([a, rotated, b]);
    expect(j.currentIndex).toBe(2);
    expect(await readFile(file(1), 'utf8')).toBe(line(1));
    expect(await readFile(file(2), 'utf8')).toBe(line(2));
    expect(await j.deleteCovered(1)).toEqual(['journal-00000001.jsonl']);
    expect(await j.deleteCovered(5)).toEqual([]); // the current file is never deleted
    await j.close();
    expect(await readdir(dir)).toEqual(['journal-00000002.jsonl']);
  });

  it('durable: false resolves at once and writes nothing', async () => {
    const j = await Journal.open({ dir, durable: false, index: 1 });
    await Promise.all([j.append(record(1)), j.rotate(), j.flush()]);
    await j.close();
    expect(await readdir(dir)).toEqual([]);
  });

  it('scan refuses records of a newer format', async () => {
    await writeFile(file(), `${line(1) + JSON.stringify({ ...record(2), v: 2 })}\n`);
    await expect(scanJournals(dir)).rejects.toThrow(StoreError);
    await expect(scanJournals(dir)).rejects.toThrow(/newer version/);
  });
});
