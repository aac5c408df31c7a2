/**
 * The doctor's report, published retained on `media/bridge/doctor` (docs/mqtt.md). No key,
 * password or secret ever appears in it: every text goes through the logger's redaction.
 */
import { CORE_LABELS, CORE_SUBJECTS as CONTRACT_CORE_SUBJECTS, type CheckKind, type CheckStatus, type DoctorCheck } from '../contract/index.js';
import { redact } from '../log.js';

export { CHECK_KINDS, type CheckKind, type CheckStatus, type DoctorCheck, type DoctorReport } from '../contract/index.js';

/** The doctor's own subjects besides the integrations (whose ids and labels come from the registry). */
export const CORE_SUBJECTS: Readonly<Record<string, string>> = Object.fromEntries(CONTRACT_CORE_SUBJECTS.map((id) => [id, CORE_LABELS[id]!]));

/** Which integration (and instance) a group of checks is about. */
export interface Subject {
  integration: string;
  instance: string | null;
  /** How it is named in texts (`Sonarr`, `qBittorrent`): its descriptor's label; else a core label or the id capitalised. */
  label?: string;
}

/** `Sonarr (4k)`, `Jellyseerr`. */
export function subjectLabel(s: Subject): string {
  const label = s.label ?? CORE_SUBJECTS[s.integration] ?? s.integration.charAt(0).toUpperCase() + s.integration.slice(1);
  return s.instance && s.instance !== s.integration ? `${label} (${s.instance})` : label;
}

export function makeCheck(s: Subject, check: CheckKind, status: CheckStatus, summary: string, detail: string | null = null, fix: DoctorCheck['fix'] = null): DoctorCheck {
  return {
    id: [s.integration, s.instance, check].filter(Boolean).join('/'),
    integration: s.integration,
    instance: s.instance,
    check,
    status,
    summary: redact(summary),
    detail: detail === null ? null : redact(detail),
    fix,
  };
}

/** The checks that could not run because an earlier one failed. */
export function skippedAfter(s: Subject, checks: readonly CheckKind[], reason: string): DoctorCheck[] {
  return checks.map((c) => makeCheck(s, c, 'skipped', `Not checked: ${reason}`));
}
