/**
 * The payloads the panel reads, as published by the tracker (docs/mqtt.md). They mirror
 * `StatePayload`/`EpisodePayload` in src/mqtt/contract.ts; test/unit/panel.contract.test.ts
 * checks at type level that the server's payloads stay assignable to these.
 */

export const STATES = [
  'REQUESTED',
  'APPROVED',
  'SEARCHING',
  'GRABBING',
  'DOWNLOADING',
  'DOWNLOADED',
  'IMPORTING',
  'ANIME_MATCHING',
  'PARTIALLY_AVAILABLE',
  'AVAILABLE',
  'FAILED',
  'DECLINED',
  'DELETED',
] as const;

export type State = (typeof STATES)[number];

export const STATE_LABELS: Record<State, string> = {
  REQUESTED: 'Requested',
  APPROVED: 'Approved',
  SEARCHING: 'Searching',
  GRABBING: 'Grabbed',
  DOWNLOADING: 'Downloading',
  DOWNLOADED: 'Downloaded',
  IMPORTING: 'Importing',
  ANIME_MATCHING: 'Matching in Shoko',
  PARTIALLY_AVAILABLE: 'Partially available',
  AVAILABLE: 'Available',
  FAILED: 'Failed',
  DECLINED: 'Declined',
  DELETED: 'Deleted',
};

export function isState(value: unknown): value is State {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value);
}

/** `media/<id>/state` */
export interface RequestState {
  id: string;
  state: State;
  state_label: string;
  state_since: string;
  title: string;
  year: number | null;
  media_type: 'movie' | 'tv';
  is_anime: boolean;
  anime_source: string | null;
  origin: string;
  tmdb_id: number | null;
  tvdb_id: number | null;
  imdb_id: string | null;
  jellyseerr_request_id: number | null;
  arr: { service: string; instance: string; id: number } | null;
  jellyfin_id: string | null;
  requested_by: string | null;
  requested_seasons: number[];
  /** A 4K request: its own device in Home Assistant, followed on the 4K Radarr/Sonarr. */
  is_4k: boolean;
  /** TV: where the wanted-episode list came from; null while only grabs are known. */
  roster: 'sonarr' | 'jellyseerr' | null;
  /** TV: when the next wanted episode airs (it is not late, just not out yet). */
  next_air_date: string | null;
  /** A better release on its way for something already playable. */
  upgrade: Upgrade | null;
  poster_url: string | null;
  progress: number | null;
  speed_bps: number | null;
  eta_s: number | null;
  size: number | null;
  downloads: number;
  episodes: { total: number; available: number; by_state: Record<string, number> };
  stuck: { since: string; reason: string; source?: string } | null;
  last_reason: string | null;
  created_at: string;
  updated_at: string;
}

export const UPGRADE_STATES = ['GRABBING', 'DOWNLOADING', 'DOWNLOADED', 'IMPORTING'] as const;
export type UpgradeState = (typeof UPGRADE_STATES)[number];

/** `upgrade` of a state or an episode: the request stays AVAILABLE while it runs. */
export interface Upgrade {
  state: UpgradeState;
  progress: number | null;
  release: string | null;
  since: string;
  /** TV, on the state: the episodes being upgraded (`S01E02`). */
  episodes: string[];
}

/** One element of `media/<id>/episodes`. */
export interface Episode {
  season: number;
  episode: number;
  title: string | null;
  state: string;
  progress: number | null;
  air_date_utc: string | null;
  /** False while the air date is ahead: waiting for it is not being stuck. */
  aired: boolean;
  file: string | null;
  release: string | null;
  jellyfin_id: string | null;
  upgrade: Upgrade | null;
}

/** One element of `media/<id>/timeline`. */
export interface TimelineEntry {
  at: string;
  source: string;
  from?: string;
  to?: string;
  reason: string;
  episodes?: string[];
}

export interface WatcherStatus {
  name: string;
  healthy: boolean;
  last_ok: string | null;
  last_error: string | null;
  detail?: Record<string, unknown>;
}

/** `media/bridge/info` */
export interface BridgeInfo {
  version: string;
  mode: string;
  started_at: string;
  requests?: number;
  last_event?: Record<string, string>;
  watchers?: WatcherStatus[];
  counts?: { total: number; active: number; downloading: number; stuck: number; available_24h: number; by_state: Record<string, number> };
}

/** `media/bridge/state`; `unknown` until the retained message arrived. */
export type BridgeState = 'online' | 'offline' | 'unknown';

/** `media/<id>/response` */
export interface CommandResponse {
  action: string;
  status: 'ok' | 'error';
  error?: string;
  result?: unknown;
  /** retry: whether Radarr/Sonarr was asked to search again. */
  search?: string;
  /** refresh: what Jellyfin was asked (or why not: a scan is rate-limited). */
  refresh?: string;
  transaction?: unknown;
}

export const ACTIONS = ['retry', 'refresh', 'forget'] as const;
export type Action = (typeof ACTIONS)[number];

/** Commands on `<base>/bridge/set/<action>` (docs: the doctor and auto-configuration contract). */
export const BRIDGE_ACTIONS = ['doctor', 'autoconfigure'] as const;
export type BridgeAction = (typeof BRIDGE_ACTIONS)[number];

export const INTEGRATIONS = ['jellyseerr', 'sonarr', 'radarr', 'qbittorrent', 'jellyfin', 'shoko', 'mqtt', 'store'] as const;
export type Integration = (typeof INTEGRATIONS)[number];

export type CheckStatus = 'ok' | 'warning' | 'error' | 'skipped';

/** One check of `<base>/bridge/doctor`. */
export interface DoctorCheck {
  id: string;
  integration: Integration;
  instance: string | null;
  check: string;
  status: CheckStatus;
  summary: string;
  detail: string | null;
  fix: 'autoconfigure' | null;
}

/** `<base>/bridge/doctor` (retained), republished after every doctor run. */
export interface DoctorReport {
  checked_at: string;
  ok: boolean;
  checks: DoctorCheck[];
}

/** Services auto-configuration can set up (their webhooks). */
export const AUTOCONFIGURABLE = ['sonarr', 'radarr', 'jellyseerr'] as const;
export type Autoconfigurable = (typeof AUTOCONFIGURABLE)[number];

export interface AutoconfigureAction {
  service: string;
  instance: string | null;
  action: 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';
  detail: string;
  test: 'passed' | 'failed' | 'not run';
}

/** `result` of an `autoconfigure` answer on `<base>/bridge/response`. */
export interface AutoconfigureResult {
  actions: AutoconfigureAction[];
  /** What to set in the Jellyfin webhook plugin (it has no API for it). */
  jellyfin: string | null;
}
