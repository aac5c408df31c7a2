/** The result of an auto-configuration run, as answered on `media/bridge/response` (docs/mqtt.md). */
import type { PublicBase } from './urls.js';

export const AUTOCONFIG_SERVICES = ['sonarr', 'radarr', 'jellyseerr'] as const;
export type AutoconfigService = (typeof AUTOCONFIG_SERVICES)[number];

export interface AutoconfigAction {
  service: AutoconfigService;
  instance: string | null;
  action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  /** One or two sentences; never a key, password or secret. */
  detail: string;
  test: 'passed' | 'failed' | 'not run';
}

export interface AutoconfigResult {
  actions: AutoconfigAction[];
  /** What to set in Jellyfin's webhook plugin, which has no API to do it for us. */
  jellyfin: string;
}

/** Counts valid webhooks the tracker received, per `source` or `source/instance`. */
export interface Receipts {
  count(key: string): number;
}

/** What a run needs besides the options. */
export interface AutoconfigContext {
  base: PublicBase;
  secret: string;
  receipts: Receipts;
  /** HTTP timeout per call (default 15 s; a service test may take a while). */
  timeoutMs?: number;
}
