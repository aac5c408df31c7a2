/**
 * Commands over MQTT: publish `<base>/<id>/set/<action>` (a request) or
 * `<base>/bridge/set/<action>` (the bridge) with an empty payload, `PRESS` or
 * `{"transaction": …}`; the answer comes on `<base>/<id>/response` (`<base>/bridge/response`).
 */

/** Actions on one request. */
export const REQUEST_ACTIONS = ['retry', 'search', 'forget', 'refresh', 'approve', 'decline'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];

/** Actions of the bridge itself. */
export const BRIDGE_ACTIONS = ['doctor', 'autoconfigure'] as const;
export type BridgeAction = (typeof BRIDGE_ACTIONS)[number];

/** A command's answer; `transaction` is echoed from the command. */
export interface CommandResponse {
  action: string;
  status: 'ok' | 'error';
  error?: string;
  result?: unknown;
  /** retry: whether Radarr/Sonarr was asked to search again. */
  search?: string;
  /** refresh: what Jellyfin was asked (or why not: a scan is rate-limited). */
  refresh?: string;
  /** approve/decline: what the request manager did. */
  decision?: string;
  transaction?: unknown;
}

/** What an auto-configuration run did on one service. */
export interface AutoconfigureAction {
  service: string;
  instance: string | null;
  action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  /** One or two sentences; never a key, password or secret. */
  detail: string;
  test: 'passed' | 'failed' | 'not run';
}

/** `result` of an `autoconfigure` answer. */
export interface AutoconfigureResult {
  actions: AutoconfigureAction[];
  /** What to set in the Jellyfin webhook plugin by hand: empty when auto-configuration did it (a Jellyfin API key is configured). */
  jellyfin: string | null;
}
