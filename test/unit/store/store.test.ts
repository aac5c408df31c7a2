import { access, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MediaRequest } from '../../../src/domain/model.js';
import { Store, StoreError, type StoreOptions } from '../../../src/store/store.js';
import { line, readLines, record, request, tempDir } from './helpers.js';

describe('Store', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());
  const jf = (i: number) => path.join(dir, `journal-${String(i).padStart(8, '0')}.jsonl`);
  const open = (o: Partial<StoreOptions> = {}) => Store.open({ dir, durable: true, ...o });
  const seqs = (rs: { seq: number }[]) => rs.map((r) => r.seq);
  const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

  it('creates the data dir and starts empty', async () => {
    const sub = path.join(dir, 'a', 'b');
    const { store, loaded } = await Store.open({ dir: sub, durable: true });
    expect(loaded).toEqual({ requests: [], snapshotSeq: 0, replay: [], warnings: [], lastSeq: 0 });
    await store.close();
    expect(await readdir(sub)).toEqual(['journal-00000001.jsonl']);
  });

  it('round-trips: snapshot + journal tail are returned on reopen', async () => {
    const { store } = await open();
    await Promise.all(range(1, 10).map((s) => store.append(record(s))));
    const reqs = [request('a'), request('b'), request('c')];
    await store.snapshot(() => ({ lastSeq: 10, requests: reqs }));
    await Promise.all(range(11, 15).map((s) => store.append(record(s))));
    await store.close();

    const { store: s2, loaded } = await open();
    expect(loaded.requests).toEqual(reqs);
    expect(loaded.snapshotSeq).toBe(10);
    expect(loaded.replay).toEqual(range(11, 15).map(record));
    expect(loaded.lastSeq).toBe(15);
    expect(loaded.warnings).toEqual([]);
    // Appends continue in the current file after a reopen.
    await s2.append(record(16));
    await s2.close();
    const s3 = await open();
    await s3.store.close();
    expect(seqs(s3.loaded.replay)).toEqual(range(11, 16));
  });

  it('ignores and truncates a torn last line, with a warning', async () => {
    await writeFile(jf(1), `${line(1) + line(2)}{"v":1,"se`);
    const { store, loaded } = await open();
    expect(seqs(loaded.replay)).toEqual([1, 2]);
    expect(loaded.warnings).toEqual(['journal-00000001.jsonl: ignored and removed a torn last line (10 bytes)']);
    expect(await readFile(jf(1), 'utf8')).toBe(line(1) + line(2));
    await store.append(record(3));
    await store.close();
    expect(await readFile(jf(1), 'utf8')).toBe(line(1) + line(2) + line(3));
  });

  it('skips a corrupt middle line with a warning naming file and line, never fatal', async () => {
    await writeFile(jf(1), `${line(1)}{garbage\n${line(3)}{"v":1}\n${line(5)}`);
    const { store, loaded } = await open();
    await store.close();
    expect(seqs(loaded.replay)).toEqual([1, 3, 5]);
    expect(loaded.warnings).toHaveLength(2);
    expect(loaded.warnings[0]).toMatch(/^journal-00000001\.jsonl line 2: skipped a corrupt record/);
    expect(loaded.warnings[1]).toMatch(/^journal-00000001\.jsonl line 4: skipped/);
  });

  it('replays across files in seq order and skips records with seq <= last_seq', async () => {
    await writeFile(path.join(dir, 'snapshot.json'), JSON.stringify({ schema_version: 1, last_seq: 7, saved_at: 'x', requests: [request('a')] }));
    await writeFile(jf(2), range(1, 5).map(line).join(''));
    await writeFile(jf(3), range(6, 9).map(line).join('')); // 6, 7 are covered by the snapshot
    await writeFile(jf(4), range(10, 11).map(line).join(''));
    const { store, loaded } = await open();
    await store.close();
    expect(loaded.snapshotSeq).toBe(7);
    expect(seqs(loaded.replay)).toEqual([8, 9, 10, 11]);
  });

  it('snapshot rotates and deletes only journals whose every record is covered', async () => {
    await writeFile(jf(1), range(1, 5).map(line).join(''));
    await writeFile(jf(2), range(6, 10).map(line).join(''));
    const { store } = await open(); // appends continue in journal 2
    await Promise.all([11, 12].map((s) => store.append(record(s))));

    // The engine's state at seq 8 (e.g. replay not finished): journal 2 holds 9..12.
    await store.snapshot(() => ({ lastSeq: 8, requests: [request('a')] }));
    expect(await readdir(dir)).toEqual(['journal-00000002.jsonl', 'journal-00000003.jsonl', 'snapshot.json']);
    await store.append(record(13));
    expect(await readLines(jf(3))).toEqual([line(13).trim()]);

    await store.snapshot(() => ({ lastSeq: 13, requests: [request('a')] }));
    expect(await readdir(dir)).toEqual(['journal-00000004.jsonl', 'snapshot.json']);
    expect(store.lastSnapshotSeq).toBe(13);
    await store.close();
    const { store: s2, loaded } = await open();
    await s2.close();
    expect(loaded.snapshotSeq).toBe(13);
    expect(loaded.replay).toEqual([]);
  });

  it('records appended in the same tick after capture land in the new journal', async () => {
    const { store } = await open();
    await store.append(record(1));
    const snap = store.snapshot(() => ({ lastSeq: 1, requests: [] }));
    const after = store.append(record(2));
    await Promise.all([snap, after]);
    await store.close();
    expect(await readdir(dir)).toEqual(['journal-00000002.jsonl', 'snapshot.json']);
    expect(await readFile(jf(2), 'utf8')).toBe(line(2));
  });

  it('concurrent snapshot calls share the one in flight', async () => {
    const { store } = await open();
    await store.append(record(1));
    let captures = 0;
    const capture = () => {
      captures++;
      return { lastSeq: 1, requests: [request('a')] };
    };
    const a = store.snapshot(capture);
    const b = store.snapshot(capture);
    expect(b).toBe(a);
    await Promise.all([a, b]);
    expect(captures).toBe(1);
    expect(store.stats.snapshots).toBe(1);
    await store.close();
  });

  it('a failed snapshot keeps every journal, logs, rejects without an unhandled rejection', async () => {
    const logs: { level: string; msg: string }[] = [];
    const { store } = await open({ log: (level, msg) => logs.push({ level, msg }) });
    await Promise.all(range(1, 3).map((s) => store.append(record(s))));
    await mkdir(path.join(dir, 'snapshot.json.tmp')); // the temp file cannot be created

    void store.snapshot(() => ({ lastSeq: 3, requests: [request('a')] })); // ignored by the caller
    const second = store.snapshot(() => ({ lastSeq: 3, requests: [] }));
    await expect(second).rejects.toThrow(StoreError);
    await new Promise((r) => setTimeout(r, 10)); // give an unhandled rejection a chance to surface

    expect(store.stats.snapshotFailures).toBe(1);
    expect(logs.some((l) => l.level === 'error' && /snapshot: writing 1 requests at seq 3 failed/.test(l.msg))).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(['journal-00000001.jsonl', 'journal-00000002.jsonl', 'snapshot.json.tmp']);

    await store.append(record(4)); // still works
    await store.close();
    const { store: s2, loaded } = await open();
    await s2.close();
    expect(seqs(loaded.replay)).toEqual([1, 2, 3, 4]);
  });

  it('needsSnapshot: after N records, or after the interval with at least one record', async () => {
    const { store } = await open({ snapshotEveryRecords: 3, snapshotEveryMs: 60_000 });
    expect(store.needsSnapshot()).toBe(false);
    await store.append(record(1));
    await store.append(record(2));
    expect(store.needsSnapshot()).toBe(false);
    await store.append(record(3));
    expect(store.needsSnapshot()).toBe(true);
    await store.snapshot(() => ({ lastSeq: 3, requests: [] }));
    expect(store.needsSnapshot()).toBe(false);
    await store.close();

    const timed = await open({ snapshotEveryRecords: 1000, snapshotEveryMs: 0 });
    expect(timed.store.needsSnapshot()).toBe(false); // time is up but nothing new
    await timed.store.append(record(4));
    expect(timed.store.needsSnapshot()).toBe(true);
    await timed.store.close();
  });

  it('counts the replayed tail towards the next snapshot', async () => {
    await writeFile(jf(1), range(1, 5).map(line).join(''));
    const { store } = await open({ snapshotEveryRecords: 5 });
    expect(store.needsSnapshot()).toBe(true);
    await store.close();
  });

  it('close flushes pending appends and writes a final snapshot', async () => {
    const { store } = await open();
    const pending = range(1, 50).map((s) => store.append(record(s)));
    const state: MediaRequest[] = [request('x')];
    await store.close(() => ({ lastSeq: 50, requests: state }));
    await Promise.all(pending);
    await expect(store.append(record(51))).rejects.toThrow(/closed/);

    const { store: s2, loaded } = await open();
    await s2.close();
    expect(loaded.snapshotSeq).toBe(50);
    expect(loaded.requests).toEqual(state);
    expect(loaded.replay).toEqual([]);
    expect(await readdir(dir)).toEqual(['journal-00000002.jsonl', 'snapshot.json']);
  });

  it('groups concurrent appends into few batches', async () => {
    const { store } = await open();
    await Promise.all(range(1, 1000).map((s) => store.append(record(s))));
    expect(store.stats.records).toBe(1000);
    expect(store.stats.batches).toBeLessThan(1000);
    await store.close();
    expect((await readLines(jf(1))).length).toBe(1000);
  });

  it('durable: false writes nothing, not even the directory', async () => {
    const sub = path.join(dir, 'never');
    const { store, loaded } = await Store.open({ dir: sub, durable: false, snapshotEveryRecords: 1 });
    expect(loaded.replay).toEqual([]);
    await Promise.all(range(1, 10).map((s) => store.append(record(s))));
    expect(store.needsSnapshot()).toBe(false);
    await store.snapshot(() => ({ lastSeq: 10, requests: [request('a')] }));
    await store.close(() => ({ lastSeq: 10, requests: [request('a')] }));
    await expect(access(sub)).rejects.toThrow(/ENOENT/);
  });
});
