/**
 * The doctor's report (`<base>/bridge/doctor`) and auto-configuration's answer, checked
 * before use (the tracker is trusted, but a half-written or older payload must not break the
 * panel): unknown statuses and integrations are dropped, text fields are kept as text.
 */
import { isObject, oneOf } from './guards.js';
import {
  AUTOCONFIGURABLE,
  INTEGRATIONS,
  type AutoconfigureAction,
  type AutoconfigureResult,
  type Autoconfigurable,
  type CheckStatus,
  type DoctorCheck,
  type DoctorReport,
  type Integration,
} from './types.js';

const text = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const STATUSES: readonly CheckStatus[] = ['ok', 'warning', 'error', 'skipped'];
const ACTIONS: readonly AutoconfigureAction['action'][] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];
const TESTS: readonly AutoconfigureAction['test'][] = ['passed', 'failed', 'not run'];

function parseCheck(x: unknown): DoctorCheck | null {
  if (!isObject(x)) return null;
  const integration = oneOf(x.integration, INTEGRATIONS);
  const status = oneOf(x.status, STATUSES);
  const id = text(x.id);
  const summary = text(x.summary);
  if (!integration || !status || !id || summary === null) return null;
  return {
    id,
    integration,
    instance: text(x.instance),
    check: text(x.check) ?? '',
    status,
    summary,
    detail: text(x.detail),
    fix: x.fix === 'autoconfigure' ? 'autoconfigure' : null,
  };
}

export function parseDoctorReport(raw: unknown): DoctorReport | null {
  if (!isObject(raw) || !Array.isArray(raw.checks)) return null;
  const checks = raw.checks.map(parseCheck).filter((c): c is DoctorCheck => c !== null);
  return { checked_at: text(raw.checked_at) ?? '', ok: raw.ok === true, checks };
}

export function parseAutoconfigureResult(raw: unknown): AutoconfigureResult | null {
  if (!isObject(raw) || !Array.isArray(raw.actions)) return null;
  const actions = raw.actions.flatMap((a): AutoconfigureAction[] => {
    if (!isObject(a)) return [];
    const action = oneOf(a.action, ACTIONS);
    const service = text(a.service);
    if (!action || !service) return [];
    return [{ service, instance: text(a.instance), action, detail: text(a.detail) ?? '', test: oneOf(a.test, TESTS) ?? 'not run' }];
  });
  return { actions, jellyfin: text(raw.jellyfin) };
}

const RANK: Record<CheckStatus, number> = { error: 0, warning: 1, ok: 2, skipped: 3 };

export interface IntegrationChecks {
  integration: Integration;
  /** The worst status among its checks (skipped only when all are). */
  status: CheckStatus;
  checks: DoctorCheck[];
}

/** Checks grouped per integration, in the contract's order, worst first within each. */
export function byIntegration(report: DoctorReport): IntegrationChecks[] {
  return INTEGRATIONS.flatMap((integration) => {
    const checks = report.checks.filter((c) => c.integration === integration).sort((a, b) => RANK[a.status] - RANK[b.status]);
    if (!checks.length) return [];
    return [{ integration, status: checks[0]!.status, checks }];
  });
}

/** How many checks have each status. */
export function statusCounts(report: DoctorReport | null): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, warning: 0, error: 0, skipped: 0 };
  for (const c of report?.checks ?? []) counts[c.status]++;
  return counts;
}

export function isAutoconfigurable(integration: string): integration is Autoconfigurable {
  return (AUTOCONFIGURABLE as readonly string[]).includes(integration);
}

export const INTEGRATION_LABELS: Record<Integration, string> = {
  jellyseerr: 'Jellyseerr',
  sonarr: 'Sonarr',
  radarr: 'Radarr',
  qbittorrent: 'qBittorrent',
  jellyfin: 'Jellyfin',
  shoko: 'Shoko',
  mqtt: 'MQTT',
  store: 'Store',
};
