/** The store check: what was left out of the stored state at start-up (src/store/quarantine.ts). */
import { QUARANTINE_FILE } from '../store/quarantine.js';
import type { DoctorEnv } from './env.js';
import { makeCheck, type DoctorCheck } from './types.js';

const SHOWN = 10;

export function checkStore(env: DoctorEnv): DoctorCheck[] {
  const s = { integration: 'store' as const, instance: null };
  if (!env.quarantined) return [makeCheck(s, 'quarantine', 'skipped', 'Checked by the running tracker')];
  const items = env.quarantined();
  if (items.length === 0) return [makeCheck(s, 'quarantine', 'ok', 'Every stored request loaded')];
  const lines = items.slice(0, SHOWN).map((q) => `${q.origin === 'journal' ? `journal record ${q.seq}` : 'snapshot request'} ${JSON.stringify(q.id)}: ${q.reason}`);
  if (items.length > SHOWN) lines.push(`and ${items.length - SHOWN} more`);
  return [
    makeCheck(
      s,
      'quarantine',
      'error',
      `${items.length} stored item(s) could not be loaded and are not tracked`,
      `${lines.join('; ')}. They are kept in ${QUARANTINE_FILE} in the data directory; everything else loaded. Delete the file once reviewed.`,
    ),
  ];
}
