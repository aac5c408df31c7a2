/**
 * The doctor's report, published retained on `media/bridge/doctor` (docs/mqtt.md). No key,
 * password or secret ever appears in it: every text goes through the logger's redaction.
 */
import { redact } from '../log.js';

export const INTEGRATIONS = ['jellyseerr', 'sonarr', 'radarr', 'qbittorrent', 'jellyfin', 'shoko', 'mqtt', 'store'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

export const CHECK_KINDS = ['reachable', 'authenticated', 'version', 'webhook', 'last_event', 'signalr', 'library_mapping', 'broker', 'quarantine'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

export interface DoctorCheck {
  /** `sonarr/sonarr/webhook`, `jellyseerr/webhook`. */
  id: string;
  integration: Integration;
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

/** `Sonarr`, `qBittorrent`, `MQTT`: how an integration is named in texts and in Home Assistant. */
export function integrationLabel(i: Integration): string {
  if (i === 'qbittorrent') return 'qBittorrent';
  if (i === 'mqtt') return 'MQTT';
  return i.charAt(0).toUpperCase() + i.slice(1);
}

/** Which integration (and instance) a group of checks is about. */
export interface Subject {
  integration: Integration;
  instance: string | null;
}

export function subjectLabel(s: Subject): string {
  const label = integrationLabel(s.integration);
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
