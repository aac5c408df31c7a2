/** The result of an auto-configuration run, as answered on `media/bridge/response` (docs/mqtt.md). */
import type { AutoconfigureAction, AutoconfigureResult } from '../contract/index.js';
import type { PublicBase } from './urls.js';

/** What a run did on one service (the contract's shape). */
export type AutoconfigAction = AutoconfigureAction;

export interface AutoconfigResult extends AutoconfigureResult {
  /**
   * What to set by hand where the tracker cannot (Jellyfin's webhook plugin without an API key); the key
   * keeps the name the panel and docs/mqtt.md know it by.
   */
  jellyfin: string;
  transaction?: unknown;
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
