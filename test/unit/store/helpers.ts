/** Shared fixtures for the store tests (not a test file itself). */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommandEvent } from '../../../src/domain/events.js';
import type { MediaRequest } from '../../../src/domain/model.js';
import type { JournalRecord } from '../../../src/store/types.js';
import { blankRequest } from '../../helpers/requests.js';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mt-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function record(seq: number): JournalRecord {
  const event: CommandEvent = {
    kind: 'command',
    key: `cmd-${seq}`,
    source: 'user',
    at: '2024-01-01T00:00:00.000Z',
    match: { scope: 'any' },
    request_id: `req-${seq}`,
    action: 'retry',
  };
  return { v: 1, seq, event };
}

export function line(seq: number): string {
  return `${JSON.stringify(record(seq))}\n`;
}

export function request(id: string): MediaRequest {
  return blankRequest(
    {
      id,
      media_type: 'movie',
      title: `Title ${id}`,
      year: 2020,
      tmdb_id: 1,
      requested_by: 'alice',
      jellyseerr_request_id: 1,
      state: 'REQUESTED',
      phase: 'REQUESTED',
    },
    '2024-01-01T00:00:00.000Z',
  );
}

/** Every file of `dir` with its bytes, to prove nothing was modified. */
export async function dirBytes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    out[name] = (await readFile(path.join(dir, name))).toString('base64');
  }
  return out;
}

export async function readLines(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter((l) => l.length > 0);
}
