/**
 * The journal's segment files: their names, the file system seam tests use to inject
 * failures, and opening a segment for append with a torn last line cut off.
 */
import { constants as fsConstants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import path from 'node:path';

/** The subset of a `node:fs/promises` FileHandle the journal uses. */
export interface JournalHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
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

/** The journal files of `dir`, oldest first. */
export async function listJournalFiles(dir: string): Promise<Array<{ name: string; index: number }>> {
  return (await fsp.readdir(dir))
    .map((name) => ({ name, index: parseJournalFileName(name) }))
    .filter((f): f is { name: string; index: number } => f.index !== null)
    .sort((a, b) => a.index - b.index);
}

/** A segment open for append. */
export interface OpenFile {
  index: number;
  name: string;
  handle: JournalHandle;
  /** Bytes known durable; a failed batch is truncated back to this. */
  size: number;
  /** A failed batch may have left bytes after `size` that could not be removed yet. */
  dirty: boolean;
}

const OPEN_FLAGS = fsConstants.O_RDWR | fsConstants.O_CREAT;

/** Opens (creating if needed) a segment for append, cutting a torn last line. */
export async function openJournalFile(fs: JournalFs, dir: string, index: number): Promise<{ file: OpenFile; repaired: number }> {
  const name = journalFileName(index);
  const handle = await fs.open(path.join(dir, name), OPEN_FLAGS);
  try {
    const { size } = await handle.stat();
    const valid = await lastNewlineEnd(handle, size);
    if (valid < size) {
      await handle.truncate(valid);
      await handle.datasync();
    }
    if (size === 0) await syncDir(fs, dir); // make a new file's directory entry durable
    return { file: { index, name, handle, size: valid, dirty: false }, repaired: size - valid };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

async function syncDir(fs: JournalFs, dir: string): Promise<void> {
  const dh = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await dh.sync();
  } finally {
    await dh.close();
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
