/**
 * The JSON the tracker publishes (docs/mqtt.md), as the panel and Home Assistant read it.
 * Nothing here may carry a secret or an e-mail address.
 */
import type { EventType, PipelineState, State } from './states.js';
import type { IntegrationInfo } from './integrations.js';

/** The stages an upgrade goes through (the request stays AVAILABLE meanwhile), in order. */
export const UPGRADE_STATES = ['GRABBING', 'DOWNLOADING', 'DOWNLOADED', 'IMPORTING'] as const satisfies readonly PipelineState[];
export type UpgradeState = (typeof UPGRADE_STATES)[number];

export type MediaType = 'movie' | 'tv';

/** Where a request was first seen. */
export type RequestOrigin = 'jellyseerr' | 'sonarr' | 'radarr';

/** Which Radarr movie / Sonarr series a request follows. */
export interface ArrRefPayload {
  service: 'sonarr' | 'radarr';
  instance: string;
  id: number;
}

/** `upgrade` of a state or an episode: a better release on its way for something already playable. */
export interface UpgradePayload {
  state: UpgradeState;
  progress: number | null;
  release: string | null;
  since: string;
  /** TV, on the state: the episodes being upgraded (`S01E02`). */
  episodes: string[];
}

/** `<base>/<id>/state` (retained). */
/** How an estimate of when a request is watchable was made: this home's history, defaults, or none could be. */
export type WatchableConfidence = 'history' | 'default' | 'unknown';

/** An issue someone reported in Jellyseerr (`video`, `audio`, `subtitles`, `other`). */
export interface IssuePayload {
  id: number;
  type: string | null;
  reported_by: string | null;
  message: string | null;
  last_comment: { by: string | null; message: string } | null;
  since: string;
}

export interface StatePayload {
  id: string;
  state: State;
  state_label: string;
  state_since: string;
  title: string;
  year: number | null;
  media_type: MediaType;
  is_anime: boolean;
  anime_source: string | null;
  origin: RequestOrigin;
  tmdb_id: number | null;
  tvdb_id: number | null;
  imdb_id: string | null;
  jellyseerr_request_id: number | null;
  arr: ArrRefPayload | null;
  jellyfin_id: string | null;
  requested_by: string | null;
  /** From the `notify` option: the requester's HA person entity and notify service. */
  person: string | null;
  notify_service: string | null;
  requested_seasons: number[];
  /** A 4K request (its own HA device, followed on the 4K *arr instance). */
  is_4k: boolean;
  /** TV: where the wanted-episode list came from (`sonarr`, `jellyseerr`), null while only grabs are known. */
  roster: 'sonarr' | 'jellyseerr' | null;
  /** TV: the next wanted episode that has not aired yet (it is not late, just not out yet). */
  next_air_date: string | null;
  /** An upgrade in flight (TV: over the episodes being upgraded), else null. */
  upgrade: UpgradePayload | null;
  /**
   * When it should be watchable (docs/estimates.md): the client's ETA plus this home's learned
   * durations of the stages ahead; null (confidence `unknown`) when it cannot be said: waiting
   * for approval or a release, a stalled download, a raised problem, or nothing left ahead.
   */
  watchable_at: string | null;
  watchable_in_s: number | null;
  watchable_confidence: WatchableConfidence;
  /** Open issues reported in Jellyseerr about this media (a resolved one leaves the list; the timeline keeps it). */
  issues: IssuePayload[];
  poster_url: string | null;
  progress: number | null;
  speed_bps: number | null;
  eta_s: number | null;
  size: number | null;
  /**
   * The torrent client's state of the download in flight (`downloading`, `stalledDL`, ...); `metaDL`
   * while a magnet's metadata is being fetched (still GRABBING: nothing to download yet). Null when
   * no download is in flight.
   */
  client_state: string | null;
  /** The download client of the download followed (`SABnzbd`, `qBittorrent`), as the PVR names it; null when unknown. */
  download_client: string | null;
  /** `torrent` or `usenet`, when known. */
  protocol: string | null;
  downloads: number;
  episodes: { total: number; available: number; by_state: Record<string, number> };
  /** A plain-words problem; `source` raised it. */
  stuck: { since: string; reason: string; source?: string } | null;
  last_reason: string | null;
  created_at: string;
  updated_at: string;
}

/** One element of `<base>/<id>/episodes` (retained, TV only). */
export interface EpisodePayload {
  season: number;
  episode: number;
  title: string | null;
  state: string;
  progress: number | null;
  air_date_utc: string | null;
  /** False for an episode whose air date is still ahead: never flagged stuck. */
  aired: boolean;
  file: string | null;
  release: string | null;
  jellyfin_id: string | null;
  upgrade: UpgradePayload | null;
  /** The torrent client's state of this episode's download while it is in flight (`metaDL`: fetching metadata). */
  client_state: string | null;
}

/** One element of `<base>/<id>/timeline` (retained, the last 100). */
export interface TimelineEntry {
  at: string;
  source: string;
  /** Present when the state changed. */
  from?: State;
  to?: State;
  /** Plain-words explanation. */
  reason: string;
  /** Episodes concerned (`S01E02`), when not the whole request. */
  episodes?: string[];
}

/** `<base>/<id>/event` (not retained): one announcement for Home Assistant's event entity. */
export interface EventPayload {
  event_type: EventType;
  /** The previous state in lower case, when a state changed. */
  from: string | null;
  id: string;
  title: string;
  year: number | null;
  media_type: MediaType;
  is_anime: boolean;
  is_4k: boolean;
  requested_by: string | null;
  person: string | null;
  notify_service: string | null;
  poster_url: string | null;
  source: string;
  episodes: string[];
  /** A state being entered: why. */
  reason?: string;
  /** `upgraded`: the new release. */
  release?: string | null;
}

export interface WatcherStatus {
  name: string;
  healthy: boolean;
  last_ok: string | null;
  last_error: string | null;
  detail?: Record<string, unknown>;
}

export interface BridgeCounts {
  total: number;
  active: number;
  downloading: number;
  stuck: number;
  available_24h: number;
  by_state: Record<string, number>;
}

/** `<base>/bridge/info` (retained), at most once a second. */
export interface BridgeInfo {
  version: string;
  mode: string;
  started_at: string;
  counts: BridgeCounts;
  /** The integrations the tracker knows: their ids as they appear in doctor checks, labels and roles. */
  integrations: IntegrationInfo[];
  requests?: number;
  /** Per source: when its last event arrived. */
  last_event?: Record<string, string>;
  watchers?: WatcherStatus[];
  /** How right the watchable-time estimates were: the median absolute error (s) of the last 50 finished requests' estimates. */
  estimates?: { median_abs_error_s: number | null; compared: number };
}

/** `<base>/bridge/state` (retained); `unknown` until the retained message arrived. */
export type BridgeState = 'online' | 'offline' | 'unknown';
