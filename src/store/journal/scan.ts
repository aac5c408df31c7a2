/** Reading the journal at startup. */
import * as fsp from 'node:fs/promises';
import path from 'node:path';
import { JOURNAL_FORMAT_VERSION, StoreError, type JournalRecord } from '../types.js';
import { listJournalFiles } from './files.js';
import { decodeLine } from './records.js';

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

/**
 * Reads every journal file of `dir` without modifying anything. Corrupt lines are
 * skipped with a warning; a record from a newer format is fatal, since skipping it
 * would silently lose data.
 */
export async function scanJournals(dir: string): Promise<JournalScan> {
  const names = await listJournalFiles(dir);
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
      const decoded = decodeLine(text);
      if (!decoded.ok) {
        warnings.push(`${name} line ${line}: ${decoded.problem}`);
        return;
      }
      const parsed = decoded.record;
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
