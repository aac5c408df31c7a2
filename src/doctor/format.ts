/** The doctor's report as text for a terminal (`npm run doctor`). */
import { REGISTRY, registryLabels, type Registry } from '../integrations/registry.js';
import { subjectLabel, type DoctorCheck, type DoctorReport } from './types.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warning: 'WARN', error: 'FAIL', skipped: '--  ' };

export function formatReport(r: DoctorReport, registry: Registry = REGISTRY): string {
  const labels = registryLabels(registry);
  const lines: string[] = [];
  let group = '';
  for (const c of r.checks) {
    const label = labels[c.integration];
    const head = subjectLabel({ integration: c.integration, instance: c.instance, ...(label ? { label } : {}) });
    if (head !== group) {
      group = head;
      lines.push('', head);
    }
    lines.push(`  [${MARK[c.status]}] ${c.check.padEnd(15)} ${c.summary}`);
    if (c.detail && c.status !== 'ok') lines.push(`         ${' '.repeat(15)} ${c.detail}`);
    if (c.fix === 'autoconfigure') lines.push(`         ${' '.repeat(15)} fix: npm run autoconfigure (or the panel's Auto-configure)`);
  }
  const count = (s: DoctorCheck['status']) => r.checks.filter((c) => c.status === s).length;
  lines.push('', `${r.ok ? 'No errors' : `${count('error')} error(s)`}, ${count('warning')} warning(s), ${count('ok')} ok, ${count('skipped')} skipped (checked at ${r.checked_at}).`);
  return `Media Tracker doctor\n${lines.join('\n')}\n`;
}
