/** The stored aggregate: one media request with its episodes and timeline. */
import type { ArrRef, MediaType, Source } from './events.js';
import type { EpisodeState, State } from './states.js';

export interface TimelineEntry {
  at: string;
  source: Source;
  /** Present when the state changed. */
  from?: State;
  to?: State;
  /** Plain-words explanation, shown in the panel and HA. */
  reason: string;
  /** Episodes concerned (`S01E02`), when not the whole request. */
  episodes?: string[];
}

export interface EpisodeHistoryEntry {
  at: string;
  state: EpisodeState;
  source: Source;
}

/**
 * A better release for something already playable: followed on its own, so the request stays
 * AVAILABLE and announces `upgraded` (never a second `available`) once the new file is playable.
 */
export interface Upgrade {
  state: 'GRABBING' | 'DOWNLOADING' | 'DOWNLOADED' | 'IMPORTING';
  progress: number | null;
  release: string | null;
  hash: string | null;
  since: string;
}

export interface Episode {
  season: number;
  episode: number;
  title: string | null;
  state: EpisodeState;
  progress: number | null;
  hash: string | null;
  file_path: string | null;
  release: string | null;
  air_date_utc: string | null;
  sonarr_episode_id: number | null;
  /** What the roster last said (Sonarr monitors it); absent for episodes only seen in grabs. */
  monitored?: boolean;
  jellyfin_id?: string | null;
  /** Shoko's file id once Shoko saw the file: Shokofin's Jellyfin items carry it as `Shoko File`. */
  shoko_file_id?: number | null;
  /** An upgrade of this (AVAILABLE) episode in flight. */
  upgrade?: Upgrade | null;
  history: EpisodeHistoryEntry[];
}

export interface Download {
  hash: string;
  progress: number;
  speed_bps: number | null;
  eta_s: number | null;
  size: number | null;
  complete: boolean;
  release: string | null;
  /** The download client's own state name (`downloading`, `stalledDL`, `stoppedUP` ...; from a PVR queue its `status`). */
  client_state?: string | null;
  /** The download client's name as the PVR knows it (`SABnzbd`, `qBittorrent`); absent in stores written before. */
  client?: string | null;
  /** `torrent` or `usenet`; absent when unknown. */
  protocol?: string | null;
  /** Bytes still to download, when the source says. */
  size_left?: number | null;
  seeds?: number | null;
  /** When progress last changed, for "no progress for N min". */
  progress_at?: string | null;
  /** The torrent disappeared from the client before finishing. */
  removed?: boolean;
  /** Replaced by a later grab (re-grab after a failure or a blocklist): it no longer moves the request. */
  superseded?: boolean;
  /** The download of an upgrade: it moves the upgrade block, not the request. */
  upgrade?: boolean;
}

/** Where a TV request's list of wanted episodes came from; null while only grabs are known. */
export interface Roster {
  from: 'sonarr' | 'jellyseerr';
  at: string;
}

export interface MediaRequest {
  /** Stable, `[a-z0-9_-]`, used in topics and HA unique ids. */
  id: string;
  origin: 'jellyseerr' | 'sonarr' | 'radarr';
  media_type: MediaType;
  title: string;
  year: number | null;
  tmdb_id: number | null;
  tvdb_id: number | null;
  imdb_id: string | null;
  poster_url: string | null;
  is_anime: boolean;
  /** Where `is_anime` came from; null while nothing has said. */
  anime_source: string | null;
  requested_by: string | null;
  requested_seasons: number[];
  /** A 4K request: only a 4K *arr instance's events belong to it (absent in stores written before 4K). */
  is_4k?: boolean;
  /** TV: the source of the wanted-episode roster (see Roster). */
  roster?: Roster | null;
  /** Movie: an upgrade in flight (TV keeps it per episode). */
  upgrade?: Upgrade | null;
  /** When the request first became AVAILABLE: `available` is announced once per request. */
  available_at?: string | null;
  /**
   * Imported history: Jellyseerr said this request was available since then when the tracker
   * first saw it (the back-fill). Its first AVAILABLE is dated then and announced to nobody.
   */
  history_since?: string | null;
  /** Ids of requests merged into this one (their retained topics and HA devices are cleared). */
  absorbed_ids?: string[];
  jellyseerr_request_id: number | null;
  /** Jellyseerr request ids merged into this one (explicit, recorded in the timeline). */
  merged_request_ids: number[];
  arr: ArrRef | null;
  state: State;
  /** Pre-download phase of a TV request before any episode is known. */
  phase: State;
  state_since: string;
  /** A plain-words problem flag; `source` says who raised it (only that source, or progress, clears it). */
  stuck: { since: string; reason: string; source: Source } | null;
  /** Every download that belongs to this request, keyed by lower-case hash. */
  downloads: Record<string, Download>;
  /** Problems reported in the request manager (absent in stores written before issues were kept). */
  issues?: RequestIssue[];
  /** Movie only: the imported file. */
  file_path: string | null;
  jellyfin_id: string | null;
  /** Movie only: Shoko's file id (see Episode.shoko_file_id). */
  shoko_file_id?: number | null;
  /** TV only, keyed `S01E02`. */
  episodes: Record<string, Episode>;
  timeline: TimelineEntry[];
  /** Keys of recently applied events, for idempotent re-delivery. */
  applied: string[];
  created_at: string;
  updated_at: string;
}

/** An issue reported in Jellyseerr about the request's media. */
export interface RequestIssue {
  id: number;
  type: string | null;
  status: 'open' | 'resolved';
  reported_by: string | null;
  message: string | null;
  /** The last comment on it. */
  last_comment: { by: string | null; message: string } | null;
  /** When the tracker first heard of it, and last. */
  since: string;
  updated_at: string;
}

/** Issues kept per request (the newest). */
export const ISSUE_LIMIT = 20;

export const TIMELINE_LIMIT = 200;
export const EPISODE_HISTORY_LIMIT = 20;
export const APPLIED_LIMIT = 256;

export function episodeKey(season: number, episode: number): string {
  return `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
}
