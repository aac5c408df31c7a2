/**
 * What the rest of the tracker asks of a running integration, by role, without knowing which
 * service answers: a user's retry asks the PVR for a search, the stuck monitor asks the library
 * for a scan, the doctor asks the anime matcher about its live connection.
 */
import type { MediaRequest } from '../domain/model.js';

/** A PVR (Sonarr, Radarr). */
export interface Pvr {
  /** Sends a search for the request (the user's retry); undefined when the request is not this PVR's. */
  search(request: MediaRequest): Promise<string> | undefined;
}

/** A media library (Jellyfin). */
export interface Library {
  /** Asks for a library scan (rate-limited); resolves with what happened once the scan is over. */
  refresh(reason: string): Promise<string>;
  /** A request the stuck monitor has just flagged: the library may know what helps (a scan). */
  onFlag?(request: MediaRequest, reason: string): void;
}

/** An anime matcher (Shoko), whose matches arrive on a live connection. */
export interface AnimeMatcher {
  connection(): { connected: boolean; connecting: boolean; detail: string | null };
}

/** A download client (qBittorrent, Transmission, Deluge, SABnzbd, NZBGet) whose watcher follows downloads itself. */
export interface DownloadClient {
  /**
   * It follows this download itself (the *arr's `downloadId`, lower-cased: one of its torrents'
   * hashes, a SABnzbd `nzo_id`, or the `drone` parameter of an NZBGet download), so the PVR's queue need not report its progress.
   */
  covers(downloadId: string): boolean;
}

/** Every running download client, asked as one; the tracker adds each as it starts. */
export interface DownloadClients {
  /** Some running download client follows this download itself. */
  covers(downloadId: string): boolean;
  add(client: DownloadClient): void;
}

/** A request manager (Jellyseerr): decides a request waiting for approval, in its own place. */
export interface RequestManager {
  /** Sends the decision; undefined when the request is not one of this manager's. */
  decide(r: MediaRequest, decision: 'approve' | 'decline'): Promise<string> | undefined;
}

export interface Capabilities {
  pvr?: Pvr;
  library?: Library;
  animeMatcher?: AnimeMatcher;
  downloadClient?: DownloadClient;
  requestManager?: RequestManager;
}

/**
 * What the doctor may read from a configured library while no tracker runs (the command line):
 * plugin settings, since Shokofin keeps its library mapping inside Jellyfin.
 */
export interface LibraryPlugins {
  /** The plugin's version and configuration (keys lower-cased), or null when it is not installed. */
  plugin(id: string): Promise<{ version: string | null; config: unknown } | null>;
}
