/** Shared types of the durable store. */
import type { TrackerEvent } from '../domain/events.js';
import type { MediaRequest } from '../domain/model.js';

/** Version of the journal line format (`v` field). */
export const JOURNAL_FORMAT_VERSION = 1;

/** One journal line. `seq` is assigned by the engine and strictly increases. */
export interface JournalRecord {
  v: number;
  seq: number;
  event: TrackerEvent;
}

/** What a snapshot holds, in memory (file form: `schema_version`, `last_seq`, …). */
export interface SnapshotData {
  schemaVersion: number;
  lastSeq: number;
  savedAt: string;
  requests: MediaRequest[];
}

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
export type LogFn = (level: LogLevel, msg: string) => void;

/** A problem with the stored data the store refuses to paper over (startup stops). */
export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/** `ENOSPC: no space left on device` style text for any thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
