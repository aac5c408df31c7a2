/** Process facts for the benchmark: /proc memory fields, cross-process timestamps, digests. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Epoch ms with sub-ms resolution, comparable between processes on this machine. */
export const epoch = (): number => performance.timeOrigin + performance.now();

/** A /proc/<pid>/status memory field in kB (VmHWM: peak resident set), or null. */
export function vmKB(field: 'VmHWM' | 'VmRSS', pid: number | 'self' = 'self'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** A short content digest (to compare payloads across processes without sending them). */
export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex').slice(0, 16);
}
