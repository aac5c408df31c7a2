/** The result of an auto-configuration run, as answered on `media/bridge/response` (docs/mqtt.md). */
import type { PublicBase } from './urls.js';

export interface AutoconfigAction {
  /** The integration's id (src/integrations/registry.ts). */
  service: string;
  instance: string | null;
  action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  /** One or two sentences; never a key, password or secret. */
  detail: string;
  test: 'passed' | 'failed' | 'not run';
}

export interface AutoconfigResult {
  actions: AutoconfigAction[];
  /**
   * What to set by hand in services with no API for it (Jellyfin's webhook plugin); the key
   * keeps the name the panel and docs/mqtt.md know it by.
   */
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
