/**
 * The doctor's report, published retained on `<base>/bridge/doctor` (docs/mqtt.md). No key,
 * password or secret ever appears in it.
 */

export const CHECK_KINDS = ['reachable', 'authenticated', 'version', 'webhook', 'last_event', 'signalr', 'library_mapping', 'broker', 'quarantine', 'download_clients'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export const CHECK_STATUSES = ['ok', 'warning', 'error', 'skipped'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export interface DoctorCheck {
  /** `sonarr/sonarr/webhook`, `jellyseerr/webhook`. */
  id: string;
  /** An integration's id (see IntegrationInfo) or a core subject (`mqtt`, `store`). */
  integration: string;
  instance: string | null;
  /** One of CHECK_KINDS for the tracker's own checks; an integration may add its own. */
  check: string;
  status: CheckStatus;
  summary: string;
  detail: string | null;
  /** Auto-configuration repairs it (`<base>/bridge/set/autoconfigure` with this integration). */
  fix: 'autoconfigure' | null;
}

export interface DoctorReport {
  checked_at: string;
  /** No check is an error (warnings allowed). */
  ok: boolean;
  checks: DoctorCheck[];
}
