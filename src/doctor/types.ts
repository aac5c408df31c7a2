/**
 * The doctor's report, published retained on `media/bridge/doctor` (docs/mqtt.md). No key,
 * password or secret ever appears in it: every text goes through the logger's redaction.
 */
import { redact } from '../log.js';

/** The doctor's own subjects besides the integrations (whose ids and labels come from the registry). */
export const CORE_SUBJECTS: Readonly<Record<string, string>> = { mqtt: 'MQTT', store: 'Store' };

export const CHECK_KINDS = ['reachable', 'authenticated', 'version', 'webhook', 'last_event', 'signalr', 'library_mapping', 'broker', 'quarantine'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

export interface DoctorCheck {
  /** `sonarr/sonarr/webhook`, `jellyseerr/webhook`. */
  id: string;
  /** An integration's id (src/integrations/registry.ts), or `mqtt` / `store`. */
  integration: string;
  instance: string | null;
  check: CheckKind;
  status: CheckStatus;
  summary: string;
  detail: string | null;
  fix: 'autoconfigure' | null;
}

export interface DoctorReport {
  checked_at: string;
  /** No check is an error (warnings allowed). */
  ok: boolean;
  checks: DoctorCheck[];
}

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

export function makeCheck(
  s: Subject,
  check: CheckKind,
  status: CheckStatus,
  summary: string,
  detail: string | null = null,
  fix: DoctorCheck['fix'] = null,
): DoctorCheck {
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
