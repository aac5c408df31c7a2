/**
 * How the tracker names what it talks to. Integrations are data (`<base>/bridge/info` lists
 * them), so one can be added without changing the contract; the core sources below are the
 * tracker's own.
 */

export interface IntegrationInfo {
  /** As in doctor checks, timeline sources and webhook routes: `sonarr`, `qbittorrent`. */
  id: string;
  /** How texts name it: `Sonarr`, `qBittorrent`. */
  label: string;
  /** What it does for the tracker (`requests`, `downloads`, `autoconfigure`, …). */
  roles: string[];
}

/** Sources and doctor subjects that are the tracker's own, not an integration. */
export const CORE_LABELS: Readonly<Record<string, string>> = {
  reconcile: 'Reconciliation',
  user: 'User',
  system: 'Media Tracker',
  mqtt: 'MQTT',
  store: 'Store',
};

/** The core doctor subjects, checked after the integrations. */
export const CORE_SUBJECTS = ['mqtt', 'store'] as const;

/** The label of an integration or core source; its id when neither knows it. */
export function serviceLabel(id: string, integrations: readonly IntegrationInfo[] = []): string {
  return integrations.find((i) => i.id === id)?.label ?? (Object.hasOwn(CORE_LABELS, id) ? CORE_LABELS[id]! : id);
}
