/**
 * Stored requests and journal records that cannot be loaded. A store must never stop the
 * tracker from starting: what cannot be loaded (an id that would be a wildcard or a topic level,
 * a record the reducer throws on) is set aside here — logged, kept on disk in
 * `quarantine.jsonl` (the journal it came from is deleted by the next snapshot), never
 * published, and listed in the doctor's report — and everything else starts.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

export const QUARANTINE_FILE = 'quarantine.jsonl';

/** A request id usable as one MQTT topic level and a Home Assistant id. */
const TOPIC_ID = /^[a-z0-9_-]{1,200}$/;

export function isTopicSafeId(id: unknown): id is string {
  return typeof id === 'string' && TOPIC_ID.test(id);
}

export const QuarantinedSchema = z.object({
  /** Where it was: a snapshot request or a journal record (with its seq). */
  origin: z.enum(['snapshot', 'journal']),
  seq: z.number().nullable(),
  /** The request id it names (as stored, possibly the bad value). */
  id: z.string(),
  reason: z.string(),
  /** The stored value, unchanged. */
  data: z.unknown(),
});
export type Quarantined = z.infer<typeof QuarantinedSchema>;

const fingerprint = (q: Quarantined): string => `${q.origin}:${q.seq ?? ''}:${q.id}:${JSON.stringify(q.data)}`;

/** Everything set aside so far; a line that does not parse is skipped (the file is only a record). */
export async function readQuarantine(dir: string): Promise<Quarantined[]> {
  const text = await readFile(join(dir, QUARANTINE_FILE), 'utf8').catch(() => '');
  const out: Quarantined[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = QuarantinedSchema.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // A torn last line from a crash: the rest is still good.
    }
  }
  return out;
}

/** Appends the items not yet in the file (each start finds the same ones again until a snapshot drops them). */
export async function saveQuarantine(dir: string, items: readonly Quarantined[]): Promise<Quarantined[]> {
  const known = await readQuarantine(dir);
  const seen = new Set(known.map(fingerprint));
  const fresh = items.filter((q) => !seen.has(fingerprint(q)));
  if (fresh.length) await appendFile(join(dir, QUARANTINE_FILE), fresh.map((q) => `${JSON.stringify(q)}\n`).join(''));
  return [...known, ...fresh];
}
