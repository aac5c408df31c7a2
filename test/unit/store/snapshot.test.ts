import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CURRENT_SCHEMA_VERSION, MIGRATE_V1_V2, SNAPSHOT_MIGRATIONS, migrateSnapshot, type SnapshotMigration } from '../../../src/store/migrations.js';
import { StoreError, readSnapshot, writeSnapshot } from '../../../src/store/snapshot.js';
import { Store } from '../../../src/store/store.js';
import { dirBytes, line, request, tempDir } from './helpers.js';

describe('snapshot file', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await tempDir()));
  afterEach(() => cleanup());

  it('a missing snapshot is the empty state', async () => {
    expect(await readSnapshot(dir)).toBeNull();
  });

  it('writes in chunks and reads back the same requests, leaving no temp file', async () => {
    const reqs = Array.from({ length: 1001 }, (_, i) => request(`r${i}`));
    await writeSnapshot(dir, 42, reqs, { chunkSize: 100 });
    expect(await readdir(dir)).toEqual(['snapshot.json']);
    const raw = JSON.parse(await readFile(path.join(dir, 'snapshot.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(raw)).toEqual(['schema_version', 'last_seq', 'saved_at', 'requests']);
    expect(raw.schema_version).toBe(CURRENT_SCHEMA_VERSION);
    const back = await readSnapshot(dir);
    expect(back?.data.lastSeq).toBe(42);
    expect(back?.data.requests).toEqual(reqs);
  });

  it('writes every non-ASCII character escaped, and reads back the same text, emoji and lone surrogates included', async () => {
    const titles = ['Frieren: Beyond Journey’s End', '葬送のフリーレン', 'Pokémon 🎬 – Ünïcode', 'lone \ud800 high', 'lone \udc00 low', '\u0080\u00ff\uffff'];
    const reqs = titles.map((title, i) => ({ ...request(`u${i}`), title }));
    await writeSnapshot(dir, 7, reqs, { chunkSize: 2 });
    const bytes = await readFile(path.join(dir, 'snapshot.json'));
    expect(
      bytes.every((b) => b < 0x80),
      'the file is pure ASCII',
    ).toBe(true);
    expect((await readSnapshot(dir))?.data.requests.map((r) => r.title)).toEqual(titles);
  });

  it('still reads a snapshot written as raw UTF-8 (by an older version)', async () => {
    const reqs = [{ ...request('old'), title: 'Pokémon 🎬 – 葬送のフリーレン' }];
    await writeFile(path.join(dir, 'snapshot.json'), JSON.stringify({ schema_version: CURRENT_SCHEMA_VERSION, last_seq: 3, saved_at: 'x', requests: reqs }), 'utf8');
    expect((await readSnapshot(dir))?.data.requests).toEqual(reqs);
  });

  it('writes an empty request list', async () => {
    await writeSnapshot(dir, 0, []);
    expect((await readSnapshot(dir))?.data.requests).toEqual([]);
  });

  it.each([
    ['not JSON', '{"schema_version":1,"last_seq":', /snapshot\.json: not valid JSON/],
    ['no version', '{"last_seq":1,"saved_at":"x","requests":[]}', /schema_version/],
    ['bad requests', '{"schema_version":1,"last_seq":1,"saved_at":"x","requests":{}}', /"requests" is not an array/],
    ['bad request', '{"schema_version":1,"last_seq":1,"saved_at":"x","requests":[{"title":"x"}]}', /requests\[0\]/],
  ])('invalid snapshot (%s) → StoreError naming the file, nothing modified', async (_name, text, re) => {
    await writeFile(path.join(dir, 'snapshot.json'), text);
    await writeFile(path.join(dir, 'journal-00000001.jsonl'), `${line(1)}{"torn`);
    const before = await dirBytes(dir);
    const err = await Store.open({ dir, durable: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toContain(path.join(dir, 'snapshot.json'));
    expect((err as Error).message).toMatch(re);
    expect(await dirBytes(dir)).toEqual(before);
  });

  it('refuses a snapshot from a newer version and leaves every byte alone', async () => {
    await writeFile(path.join(dir, 'snapshot.json'), JSON.stringify({ schema_version: CURRENT_SCHEMA_VERSION + 1, last_seq: 3, saved_at: 'x', requests: [] }));
    await writeFile(path.join(dir, 'journal-00000001.jsonl'), `${line(4)}{"torn`);
    const before = await dirBytes(dir);
    const err = await Store.open({ dir, durable: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/written by a newer version/);
    expect(await dirBytes(dir)).toEqual(before);
  });
});

describe('migrations', () => {
  const legacy = { schema_version: 0, last_seq: 7, saved_at: '2024-01-01T00:00:00.000Z', items: [request('a')] };
  const v0to1: SnapshotMigration = {
    from: 0,
    to: 1,
    describe: 'rename items to requests',
    up: (s) => {
      const { items, ...rest } = s as Record<string, unknown>;
      return { ...rest, requests: items };
    },
  };

  it('has one migration, v1 → v2, and passes a current snapshot through', () => {
    expect(CURRENT_SCHEMA_VERSION).toBe(2);
    expect(SNAPSHOT_MIGRATIONS.map((m) => [m.from, m.to])).toEqual([[1, 2]]);
    const raw = { schema_version: 2, last_seq: 0, saved_at: 'x', requests: [] };
    expect(migrateSnapshot(raw)).toEqual({ snapshot: raw, from: 2, to: 2, applied: [] });
  });

  it('chains migrations in order up to the target', () => {
    const steps: SnapshotMigration[] = [
      { from: 2, to: 3, describe: 'b', up: (s) => ({ ...(s as object), b: true }) },
      { from: 1, to: 2, describe: 'a', up: (s) => ({ ...(s as object), a: true }) },
    ];
    const r = migrateSnapshot({ schema_version: 1 }, steps, 3);
    expect(r.snapshot).toEqual({ schema_version: 3, a: true, b: true });
    expect(r.applied).toEqual(['a', 'b']);
  });

  it('fails clearly on a missing step, a throwing step, or a newer version', () => {
    expect(() => migrateSnapshot({ schema_version: 0 }, [])).toThrow(/no migration for snapshot schema version 0/);
    const bad: SnapshotMigration = {
      from: 0,
      to: 1,
      describe: 'boom',
      up: () => {
        throw new Error('nope');
      },
    };
    expect(() => migrateSnapshot({ schema_version: 0 }, [bad])).toThrow(/v0→v1 \(boom\) failed: nope/);
    expect(() => migrateSnapshot({ schema_version: 3 }, [])).toThrow(/written by a newer version/);
  });

  it('Store.open migrates, keeps snapshot.v<old>.bak.json, and rewrites the snapshot', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const original = JSON.stringify(legacy);
      await writeFile(path.join(dir, 'snapshot.json'), original);
      const logs: string[] = [];
      const { store, loaded } = await Store.open({
        dir,
        durable: true,
        migrations: [v0to1, MIGRATE_V1_V2],
        log: (_l, m) => logs.push(m),
      });
      await store.close();
      expect(loaded.requests).toEqual([request('a')]);
      expect(loaded.snapshotSeq).toBe(7);
      expect(await readFile(path.join(dir, 'snapshot.v0.bak.json'), 'utf8')).toBe(original);
      const now = JSON.parse(await readFile(path.join(dir, 'snapshot.json'), 'utf8')) as Record<string, unknown>;
      expect(now.schema_version).toBe(2);
      expect(now.requests).toEqual([request('a')]);
      expect(logs.some((m) => m.includes(`rename items to requests; ${MIGRATE_V1_V2.describe}`))).toBe(true);

      // Second start: already current, nothing to migrate.
      const again = await Store.open({ dir, durable: true, migrations: [v0to1, MIGRATE_V1_V2] });
      expect(again.loaded.requests).toEqual([request('a')]);
      await again.store.close();
    } finally {
      await cleanup();
    }
  });

  it('a failing migration leaves the files untouched', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeFile(path.join(dir, 'snapshot.json'), JSON.stringify(legacy));
      const before = await dirBytes(dir);
      const bad: SnapshotMigration = {
        ...v0to1,
        up: () => {
          throw new Error('nope');
        },
      };
      await expect(Store.open({ dir, durable: true, migrations: [bad] })).rejects.toThrow(StoreError);
      expect(await dirBytes(dir)).toEqual(before);
    } finally {
      await cleanup();
    }
  });
});

describe('snapshot write failure', () => {
  it('a directory in the way of snapshot.json.tmp fails writeSnapshot and keeps the old snapshot', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await writeSnapshot(dir, 1, [request('a')]);
      await mkdir(path.join(dir, 'snapshot.json.tmp'));
      await expect(writeSnapshot(dir, 2, [request('b')])).rejects.toThrow(/EISDIR/);
      expect((await readSnapshot(dir))?.data.lastSeq).toBe(1);
    } finally {
      await cleanup();
    }
  });
});
