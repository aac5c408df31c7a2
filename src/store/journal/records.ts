/** One journal record per line: JSON, newline-terminated. */
import { describeError, type JournalRecord } from '../types.js';

/** The line appended for a record; throws when it cannot be serialised. */
export function encodeRecord(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}

export type DecodedLine = { ok: true; record: JournalRecord } | { ok: false; problem: string };

/** A stored line (without its newline) back to a record, or why it is skipped. */
export function decodeLine(text: string): DecodedLine {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `skipped a corrupt record (${describeError(err)})` };
  }
  if (!isJournalRecord(parsed)) return { ok: false, problem: 'skipped a record that is not {v, seq, event}' };
  return { ok: true, record: parsed };
}

function isJournalRecord(x: unknown): x is JournalRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  const ev = r.event;
  return Number.isSafeInteger(r.v) && Number.isSafeInteger(r.seq) && (r.seq as number) >= 0 && typeof ev === 'object' && ev !== null && typeof (ev as Record<string, unknown>).kind === 'string';
}
