/**
 * `snapshot.json`: the whole state at `last_seq`. Written to a temp file in small
 * chunks (so a large state never blocks the event loop), fsynced, then renamed over
 * the old one: a reader sees either the old or the new snapshot, never half of one.
 */
import { isAscii } from 'node:buffer';
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import type { MediaRequest } from '../domain/model.js';
import { CURRENT_SCHEMA_VERSION, SNAPSHOT_MIGRATIONS, migrateSnapshot, type SnapshotMigration } from './migrations.js';
import { StoreError, describeError, type SnapshotData } from './types.js';

export { StoreError } from './types.js';

export const SNAPSHOT_FILE = 'snapshot.json';
const TMP_SUFFIX = '.tmp';
const DEFAULT_CHUNK = 250;

export function backupFileName(version: number): string {
  return `snapshot.v${version}.bak.json`;
}

export interface ReadSnapshot {
  data: SnapshotData;
  /** Version found on disk; differs from `data.schemaVersion` when migrated in memory. */
  fileVersion: number;
  /** Migrations applied in memory; not on disk until `commitMigration`. */
  applied: string[];
}

/**
 * Reads and validates the snapshot, migrating it in memory. Never modifies a file.
 * Missing file → null (empty state); anything unreadable → `StoreError`.
 */
export async function readSnapshot(dir: string, migrations: readonly SnapshotMigration[] = SNAPSHOT_MIGRATIONS, target: number = CURRENT_SCHEMA_VERSION): Promise<ReadSnapshot | null> {
  const file = path.join(dir, SNAPSHOT_FILE);
  const text = await readText(file);
  if (text === null) return null;
  const fail = (problem: string, cause?: unknown): StoreError =>
    new StoreError(`${file}: ${problem}. Refusing to start so the file is not overwritten; fix it, or move it away to start from the journal alone.`, { cause });
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw fail(`not valid JSON (${describeError(err)})`, err);
  }
  let migrated: ReturnType<typeof migrateSnapshot>;
  try {
    migrated = migrateSnapshot(raw, migrations, target);
  } catch (err) {
    throw fail(describeError(err), err);
  }
  const problem = validate(migrated.snapshot);
  if (problem) throw fail(problem);
  const s = migrated.snapshot as Record<string, unknown>;
  return {
    data: {
      schemaVersion: migrated.to,
      lastSeq: s.last_seq as number,
      savedAt: s.saved_at as string,
      requests: s.requests as MediaRequest[],
    },
    fileVersion: migrated.from,
    applied: migrated.applied,
  };
}

/** The file's text, or null when it does not exist. */
async function readText(file: string): Promise<string | null> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StoreError(`cannot read ${file}: ${describeError(err)}`, { cause: err });
  }
  // The writer escapes every non-ASCII character, and ASCII decodes as latin1 several times faster
  // than as UTF-8 (a large part of a cold start). A file from an older writer still decodes as UTF-8.
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** Returns the problem in plain words, or null when the shape is right. */
function validate(s: unknown): string | null {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return 'not a JSON object';
  const o = s as Record<string, unknown>;
  if (!Number.isSafeInteger(o.last_seq) || (o.last_seq as number) < 0) {
    return '"last_seq" is not a non-negative integer';
  }
  if (typeof o.saved_at !== 'string') return '"saved_at" is not a string';
  const reqs = o.requests;
  if (!Array.isArray(reqs)) return '"requests" is not an array';
  for (let i = 0; i < reqs.length; i++) {
    const r: unknown = reqs[i];
    if (typeof r !== 'object' || r === null || typeof (r as Record<string, unknown>).id !== 'string') {
      return `"requests[${i}]" is not a request with a string "id"`;
    }
  }
  return null;
}

/**
 * Makes an in-memory migration permanent: copies the old file to
 * `snapshot.v<old>.bak.json` (fsynced), then writes the migrated snapshot.
 * Returns the backup path.
 */
export async function commitMigration(dir: string, read: ReadSnapshot): Promise<string> {
  const backup = path.join(dir, backupFileName(read.fileVersion));
  await fsp.copyFile(path.join(dir, SNAPSHOT_FILE), backup);
  const h = await fsp.open(backup, 'r+');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
  await writeSnapshot(dir, read.data.lastSeq, read.data.requests, { schemaVersion: read.data.schemaVersion });
  return backup;
}

export interface WriteSnapshotOptions {
  /** Requests serialised between two yields to the event loop. */
  chunkSize?: number;
  schemaVersion?: number;
}

/**
 * Writes `requests` (not mutated by the caller while this runs) as the snapshot at
 * `lastSeq`. On failure the previous snapshot is left as it was.
 */
export async function writeSnapshot(dir: string, lastSeq: number, requests: readonly MediaRequest[], opts: WriteSnapshotOptions = {}): Promise<void> {
  const chunkSize = Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK);
  const file = path.join(dir, SNAPSHOT_FILE);
  const tmp = file + TMP_SUFFIX;
  const handle = await fsp.open(tmp, 'w');
  let ok = false;
  try {
    const header = {
      schema_version: opts.schemaVersion ?? CURRENT_SCHEMA_VERSION,
      last_seq: lastSeq,
      saved_at: new Date().toISOString(),
    };
    // `{"schema_version":1,"last_seq":S,"saved_at":"…"` + `,"requests":[`
    await writeAll(handle, `${JSON.stringify(header).slice(0, -1)},"requests":[\n`);
    for (let i = 0; i < requests.length; i += chunkSize) {
      const parts: string[] = [];
      for (const r of requests.slice(i, i + chunkSize)) parts.push(asciiJson(JSON.stringify(r)));
      await writeAll(handle, (i > 0 ? ',\n' : '') + parts.join(',\n'));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await writeAll(handle, '\n]}\n');
    await handle.sync();
    ok = true;
  } finally {
    await handle.close().catch(() => undefined);
    if (!ok) await fsp.unlink(tmp).catch(() => undefined);
  }
  await fsp.rename(tmp, file);
  await syncDir(dir);
}

const NON_ASCII = /[\u0080-\uffff]/g;

/**
 * JSON text with every non-ASCII UTF-16 unit as a `\uXXXX` escape (a pair stays a pair):
 * the same value once parsed, and a pure-ASCII file that `readSnapshot` decodes on its fast path.
 */
function asciiJson(json: string): string {
  return json.replace(NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

async function writeAll(handle: fsp.FileHandle, text: string): Promise<void> {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) {
    const { bytesWritten } = await handle.write(buf, off, buf.length - off);
    if (bytesWritten <= 0) throw new Error('write returned 0 bytes');
    off += bytesWritten;
  }
}

/** Makes a rename durable. Filesystems that cannot fsync a directory are tolerated. */
export async function syncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
  } finally {
    await h.close();
  }
}
