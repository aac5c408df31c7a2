/**
 * The doctor's report (`<base>/bridge/doctor`) and auto-configuration's answer, checked
 * before use (the tracker is trusted, but a half-written or older payload must not break the
 * panel): unknown statuses are dropped, and so are checks of integrations the tracker does not
 * list in `bridge/info` (when it lists them); text fields are kept as text.
 */
import {
  CHECK_STATUSES,
  CORE_SUBJECTS,
  type AutoconfigureAction,
  type AutoconfigureResult,
  type CheckStatus,
  type DoctorCheck,
  type DoctorReport,
  type IntegrationInfo,
} from '../../../src/contract/index.js';
import { isObject, oneOf } from './guards.js';

const text = (x: unknown): string | null => (typeof x === 'string' ? x : null);
const ACTIONS: readonly AutoconfigureAction['action'][] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];
const TESTS: readonly AutoconfigureAction['test'][] = ['passed', 'failed', 'not run'];

/** The doctor's subjects in the order they are shown: the listed integrations, then the tracker's own. */
function subjects(integrations: readonly IntegrationInfo[]): string[] {
  return [...integrations.map((i) => i.id), ...CORE_SUBJECTS];
}

function parseCheck(x: unknown, known: ReadonlySet<string> | null): DoctorCheck | null {
  if (!isObject(x)) return null;
  const integration = text(x.integration);
  const status = oneOf(x.status, CHECK_STATUSES);
  const id = text(x.id);
  const summary = text(x.summary);
  if (!integration || (known && !known.has(integration)) || !status || !id || summary === null) return null;
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

/** `integrations`: those `bridge/info` lists; null (not known yet) keeps every integration's checks. */
export function parseDoctorReport(raw: unknown, integrations: readonly IntegrationInfo[] | null = null): DoctorReport | null {
  if (!isObject(raw) || !Array.isArray(raw.checks)) return null;
  const known = integrations ? new Set(subjects(integrations)) : null;
  const checks = raw.checks.map((c) => parseCheck(c, known)).filter((c): c is DoctorCheck => c !== null);
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
  integration: string;
  /** The worst status among its checks (skipped only when all are). */
  status: CheckStatus;
  checks: DoctorCheck[];
}

/**
 * Checks grouped per integration, worst first within each: the integrations in the order
 * `bridge/info` lists them, then the tracker's own (MQTT, store), then any other.
 */
export function byIntegration(report: DoctorReport, integrations: readonly IntegrationInfo[]): IntegrationChecks[] {
  const order = [...new Set([...subjects(integrations), ...report.checks.map((c) => c.integration)])];
  return order.flatMap((integration) => {
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
