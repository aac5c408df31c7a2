/**
 * The fault suite's figures: every suite records what it sent, what was acknowledged and
 * stored, what was lost and how often the tracker died unasked; the global teardown prints
 * them together at the end of the run (`npm run test:faults`).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Figure {
  suite: string;
  rounds?: number;
  sent: number;
  acknowledged: number;
  stored: number;
  losses: number;
  crashes: number;
  /** Plain-words details (times, seeds, counts). */
  notes: string[];
}

const FILE_ENV = 'MEDIA_TRACKER_FAULT_FIGURES';

/** Prints a suite's figures now and keeps them for the summary. */
export function record(f: Figure): void {
  console.log(`${f.suite}: ${line(f)}\n${f.notes.map((n) => `  ${n}`).join('\n')}`);
  const file = process.env[FILE_ENV];
  if (file) appendFileSync(file, `${JSON.stringify(f)}\n`);
}

function line(f: Figure): string {
  return `${f.rounds !== undefined ? `rounds ${f.rounds}, ` : ''}webhooks sent ${f.sent}, acknowledged ${f.acknowledged}, stored ${f.stored}, losses ${f.losses}, crashes ${f.crashes}`;
}

/** vitest globalSetup: a file the workers append to, printed once every suite has run. */
export function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'media-tracker-figures-'));
  const file = join(dir, 'figures.jsonl');
  appendFileSync(file, '');
  process.env[FILE_ENV] = file;
  return () => {
    const figures = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Figure);
    rmSync(dir, { recursive: true, force: true });
    if (figures.length === 0) return;
    const total = (k: 'sent' | 'acknowledged' | 'stored' | 'losses' | 'crashes') => figures.reduce((n, f) => n + f[k], 0);
    const rows = figures.map((f) => `  ${f.suite.padEnd(34)} ${line(f)}`);
    process.stdout.write(
      `\nFault suite figures\n${rows.join('\n')}\n  ${'total'.padEnd(34)} webhooks sent ${total('sent')}, acknowledged ${total('acknowledged')}, ` +
        `stored ${total('stored')}, losses ${total('losses')}, crashes ${total('crashes')}\n`,
    );
  };
}
