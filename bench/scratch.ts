/**
 * The throw-away data dir of a benchmark tracker process (target.ts, watch-target.ts, panel.ts):
 * a temp dir, and one shutdown however many callers (finish, IPC disconnect, error) — each
 * waits for the same tracker stop and removal of the dir.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tracker } from '../src/app.js';

export interface Scratch {
  dir: string;
  /** Stops the tracker `current()` returns (if any), then removes the dir; once. */
  shutdown(): Promise<void>;
  /** When the orchestrator goes away: shut down, exit 0. */
  exitOnDisconnect(): void;
}

export async function scratchDir(prefix: string, current: () => Tracker | null): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  let stopping: Promise<void> | null = null;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      await current()
        ?.stop()
        .catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    })());
  return { dir, shutdown, exitOnDisconnect: () => void process.on('disconnect', () => void shutdown().finally(() => process.exit(0))) };
}
