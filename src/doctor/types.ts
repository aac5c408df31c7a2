/**
 * The doctor's report, published retained on `media/bridge/doctor` (docs/mqtt.md). No key,
 * password or secret ever appears in it: every text goes through the logger's redaction.
 */
import { AUTOCONFIG_SERVICES } from '../autoconfig/types.js';
import { CORE_LABELS, type CheckKind, type CheckStatus, type DoctorCheck, type IntegrationInfo } from '../contract/index.js';
import { redact } from '../log.js';

export { CHECK_KINDS, type CheckKind, type CheckStatus, type DoctorCheck, type DoctorReport } from '../contract/index.js';

export const INTEGRATIONS = ['jellyseerr', 'sonarr', 'radarr', 'qbittorrent', 'jellyfin', 'shoko', 'mqtt', 'store'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

/** What each integration does for the tracker (`mqtt` and `store` are the tracker's own). */
const ROLES: Record<Exclude<Integration, 'mqtt' | 'store'>, string[]> = {
  jellyseerr: ['requests'],
  sonarr: ['series'],
  radarr: ['movies'],
  qbittorrent: ['downloads'],
  jellyfin: ['library'],
  shoko: ['anime'],
};

/** `Sonarr`, `qBittorrent`, `MQTT`: how an integration (or a core subject) is named in texts and in Home Assistant. */
export function integrationLabel(i: string): string {
  if (Object.hasOwn(CORE_LABELS, i)) return CORE_LABELS[i]!;
  if (i === 'qbittorrent') return 'qBittorrent';
  return i.charAt(0).toUpperCase() + i.slice(1);
}

/** The integrations as `<base>/bridge/info` lists them; auto-configuration's services get the `autoconfigure` role. */
export function integrationInfos(): IntegrationInfo[] {
  return INTEGRATIONS.flatMap((id) => {
    if (id === 'mqtt' || id === 'store') return [];
    const roles = (AUTOCONFIG_SERVICES as readonly string[]).includes(id) ? [...ROLES[id], 'autoconfigure'] : ROLES[id];
    return [{ id, label: integrationLabel(id), roles }];
  });
}

/** Which integration (and instance) a group of checks is about. */
export interface Subject {
  integration: Integration;
  instance: string | null;
}

export function subjectLabel(s: { integration: string; instance: string | null }): string {
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
