/**
 * Normalised events: every source adapter (webhook, poller, SignalR, command) turns its
 * input into these plain, JSON-serialisable records. They are what the journal stores,
 * so replaying the journal through the reducer rebuilds the state exactly.
 */
import type { State } from './states.js';

export type MediaType = 'movie' | 'tv';

/**
 * Who said it: an integration's id (its descriptor's `id`, so a new integration needs no edit
 * here) or one of the tracker's own sources: `reconcile`, `user`, `system`.
 */
export type Source = string;

/** Which *arr record an event talks about. `service` + `instance` + `id` is unique. */
export interface ArrRef {
  service: 'sonarr' | 'radarr';
  /** Instance name (route suffix, payload `instanceName`, or the service name). */
  instance: string;
  /** Radarr movie id / Sonarr series id. */
  id: number;
}

/**
 * What an event can be correlated by. Correlation tries, in order: the download hash,
 * the Jellyseerr request id, the *arr record, then tmdb/tvdb ids.
 */
export interface Match {
  media_type?: MediaType;
  /** Lower-case info-hash. */
  hash?: string;
  jellyseerr_request_id?: number;
  arr?: ArrRef;
  /** An imported file's absolute path (as the *arr saw it), for Shoko/Jellyfin path matching. */
  file_path?: string;
  /** A Jellyfin item id (32 lower-case hex, no hyphens). */
  jellyfin_id?: string;
  /** Our own request id, for events that already know it (stuck monitor, commands). */
  request_id?: string;
  tmdb_id?: number;
  tvdb_id?: number;
  /**
   * The event comes from a 4K *arr instance (true) or a standard one (false); absent when the
   * source cannot tell (Jellyfin, Shoko, the download client). Requests only match their own kind.
   */
  is_4k?: boolean;
  /**
   * `active`: only requests that are not closed (pipeline events).
   * `any`: every state, AVAILABLE included (deletes and other lifecycle events).
   */
  scope: 'active' | 'any';
}

/** Descriptive fields that fill in a request; later events only fill what is unknown. */
export interface MediaInfo {
  media_type: MediaType;
  title?: string;
  year?: number | null;
  tmdb_id?: number | null;
  tvdb_id?: number | null;
  imdb_id?: string | null;
  poster_url?: string | null;
}

export interface AnimeVerdict {
  is_anime: boolean;
  /** Why, e.g. `sonarr series type "anime"` or `radarr tag "anime"`. */
  source: string;
}

export interface EpisodeRef {
  season: number;
  episode: number;
  title?: string | null;
  air_date_utc?: string | null;
  sonarr_episode_id?: number | null;
  /** The Jellyfin item that holds this episode (available events). */
  jellyfin_id?: string | null;
}

/** One episode as a roster source lists it. */
export interface RosterEpisode extends EpisodeRef {
  /** Sonarr monitors it (Jellyseerr's counts are always wanted). */
  monitored: boolean;
  /** The *arr already has a file for it. */
  has_file: boolean;
}

export interface ReleaseInfo {
  title?: string;
  size?: number | null;
  quality?: string;
  indexer?: string;
  download_client?: string;
  /** `torrent` or `usenet`, when the source says. */
  protocol?: string;
}

export interface ImportedFile {
  path: string;
  /** Episodes contained in this file (TV); empty for movies. */
  episodes: EpisodeRef[];
}

export interface EventBase {
  /** Same upstream fact ⇒ same key; used to make re-delivery idempotent. */
  key: string;
  source: Source;
  /** ISO-8601 time the tracker accepted the event. */
  at: string;
  match: Match;
}

/**
 * A Jellyseerr notification about a request. Creates the request if unknown. Without a request
 * id (Overseerr's 2021 template has no request block) it only updates the open request of its
 * media and never creates one.
 */
export interface RequestEvent extends EventBase {
  kind: 'request';
  jellyseerr_request_id: number | null;
  status: 'pending' | 'approved' | 'auto_approved' | 'declined' | 'failed' | 'available';
  notification_type: string;
  media: MediaInfo;
  requested_by?: string | null;
  requested_seasons?: number[];
  /** A 4K request (Jellyseerr `is4k`, or a "New 4K ..." notification); absent when unknown. */
  is_4k?: boolean;
  /**
   * When Jellyseerr last changed the request (imported history): a request this event finishes
   * finished then, not when it was imported, so Home Assistant retention counts from then.
   */
  since?: string;
}

/** Radarr MovieAdded / Sonarr SeriesAdd. */
export interface MediaAddedEvent extends EventBase {
  kind: 'media_added';
  arr: ArrRef;
  media: MediaInfo;
  anime?: AnimeVerdict;
}

/** A release was sent to the download client. */
export interface GrabbedEvent extends EventBase {
  kind: 'grabbed';
  arr: ArrRef;
  media: MediaInfo;
  anime?: AnimeVerdict;
  hash: string | null;
  release: ReleaseInfo;
  /** TV: every episode in the release (a season pack lists the whole season). */
  episodes: EpisodeRef[];
  /** The *arr says the movie/episodes already have a file (queue `episodeHasFile`, movie `hasFile`): an upgrade. */
  has_file?: boolean;
}

/**
 * What a TV request covers: every episode of the listed seasons, from Sonarr's episode list
 * or Jellyseerr's season episode counts. Episodes of those seasons that the listing lacks, or
 * that it lists as unmonitored without a file, are not waited for.
 */
export interface RosterEvent extends EventBase {
  kind: 'roster';
  /** Sonarr's listing wins over Jellyseerr's counts. */
  from: 'sonarr' | 'jellyseerr';
  /** The seasons the listing is complete for. */
  seasons: number[];
  episodes: RosterEpisode[];
}

/** Download progress observed in the download client, or in the PVR's queue for a client no watcher follows. */
export interface DownloadProgressEvent extends EventBase {
  kind: 'download_progress';
  hash: string;
  progress: number;
  speed_bps: number | null;
  eta_s: number | null;
  size: number | null;
  complete: boolean;
  client_state?: string;
  /** Seeds connected / in the swarm, when the client reports them. */
  seeds?: number | null;
  /** The torrent disappeared from the client. */
  removed?: boolean;
  /** Bytes still to download, when the source says (the *arr queue's `sizeleft`). */
  size_left?: number | null;
  /** The download client's name as the PVR knows it (`SABnzbd`), when the source says. */
  client?: string;
  /** `torrent` or `usenet`, when the source says. */
  protocol?: string;
}

/** Files were imported into the library by Radarr/Sonarr. */
export interface ImportedEvent extends EventBase {
  kind: 'imported';
  arr: ArrRef;
  media: MediaInfo;
  anime?: AnimeVerdict;
  hash: string | null;
  files: ImportedFile[];
  /** TV: episodes covered by this import (all files). */
  episodes: EpisodeRef[];
  is_upgrade: boolean;
}

/** A completed download the *arr cannot import on its own. */
export interface ImportBlockedEvent extends EventBase {
  kind: 'import_blocked';
  arr: ArrRef;
  hash: string | null;
  message: string;
  episodes: EpisodeRef[];
}

/** A download failed for good (nothing replaced it). */
export interface DownloadFailedEvent extends EventBase {
  kind: 'download_failed';
  hash: string | null;
  message: string;
  episodes: EpisodeRef[];
}

/** Something says the media (or some episodes) is watchable. */
export interface AvailableEvent extends EventBase {
  kind: 'available';
  /** True when a playable library item was matched; false for hints (Jellyseerr). */
  verified: boolean;
  /** TV: which episodes; empty means "everything requested". */
  episodes: EpisodeRef[];
  jellyfin_id?: string | null;
  reason: string;
}

/** Media or files were removed. */
export interface DeletedEvent extends EventBase {
  kind: 'deleted';
  /** `media`: the whole movie/series; `files`: only the listed episodes (or the movie file). */
  scope: 'media' | 'files';
  episodes: EpisodeRef[];
  reason: string;
}

/**
 * Shoko saw an imported anime file: `detected`/`hashed` (working on it), `matched` (linked
 * to AniDB; Jellyfin should follow), `not_matched` (needs a manual link in Shoko).
 */
export interface AnimeMatchEvent extends EventBase {
  kind: 'anime_match';
  result: 'detected' | 'matched' | 'not_matched';
  /** TV: the episodes of the file (empty when only the path is known). */
  episodes: EpisodeRef[];
  shoko_file_id: number | null;
  reason: string;
}

/**
 * A plain-words problem, or its end (`reason: null`): set by the stuck monitor and by
 * watchers (a stalled torrent, a queue warning). Not a state: the stage is kept.
 */
export interface StuckEvent extends EventBase {
  kind: 'stuck';
  reason: string | null;
}

/**
 * Someone reported a problem with watchable media in the request manager (Jellyseerr's
 * `ISSUE_*`): the issue, a comment on it, or its resolution. Not a state: the request keeps its
 * stage, the issue goes on its timeline and attributes.
 */
export interface IssueEvent extends EventBase {
  kind: 'issue';
  action: 'created' | 'comment' | 'resolved' | 'reopened' | 'other';
  issue_id: number;
  /** `video`, `audio`, `subtitles`, `other` (lower case); null when not said. */
  issue_type: string | null;
  status: 'open' | 'resolved';
  reported_by: string | null;
  /** What the reporter wrote (the issue's first message). */
  message: string | null;
  comment: { by: string | null; message: string } | null;
}

/** A user action from the panel or Home Assistant. */
export interface CommandEvent extends EventBase {
  kind: 'command';
  request_id: string;
  action: 'retry' | 'forget';
}

export type TrackerEvent =
  | RequestEvent
  | RosterEvent
  | MediaAddedEvent
  | GrabbedEvent
  | DownloadProgressEvent
  | ImportedEvent
  | ImportBlockedEvent
  | DownloadFailedEvent
  | AvailableEvent
  | DeletedEvent
  | AnimeMatchEvent
  | StuckEvent
  | IssueEvent
  | CommandEvent;

export type EventKind = TrackerEvent['kind'];

/** A state an event proves, used in tests and the timeline. */
export type Evidence = { state: State; reason: string };

/** Distributes Omit over the union so each kind keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What adapters return: the engine stamps `at` when it accepts the event. */
export type UnstampedEvent = DistributiveOmit<TrackerEvent, 'at'>;
