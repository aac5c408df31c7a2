/**
 * The words of the stuck monitor, shared by the rules for a whole request (stuck.ts) and per
 * episode (stuck-episodes.ts), so both say the same thing about the same stage.
 */
import type { Options } from '../../config/schema.js';
import type { Download } from '../../domain/model.js';

export type StuckThresholds = Options['stuck_after'];

export interface StuckContext {
  /** Jellyfin is configured, so "not in the library" can be said. */
  jellyfin: boolean;
  /** How the PVR of a request is named: its linked service's label, else the one for its media. */
  pvrLabel(media: 'movie' | 'tv', service: string | null): string;
}

/** The stages past which something is flagged; `metadata` is GRABBING while the client fetches a magnet's metadata. */
export type Stage = 'APPROVED' | 'SEARCHING' | 'GRABBING' | 'metadata' | 'DOWNLOADING' | 'DOWNLOADED' | 'IMPORTING' | 'ANIME_MATCHING';

export interface PhraseContext extends StuckContext {
  /** The request's PVR (`Sonarr`). */
  arr: string;
  anime: boolean;
}

export function formatDuration(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 90) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} days`;
}

/** qBittorrent is still asking peers for the torrent's metadata (the watcher reports every such torrent as `metaDL`). */
export function fetchingMetadata(d: Download): boolean {
  return !d.complete && !d.removed && (d.client_state === 'metaDL' || d.client_state === 'forcedMetaDL');
}

/** What is wrong at each stage, after `dur`, as the tail of a sentence. */
export const PHRASES: Record<Stage, (dur: string, c: PhraseContext) => string> = {
  APPROVED: (dur, c) => `approved ${dur} ago, but ${c.arr} has reported nothing (is its webhook to Media Tracker configured?)`,
  SEARCHING: (dur) => `no release grabbed after ${dur}`,
  GRABBING: (dur) => `grabbed ${dur} ago, but the download has not started`,
  metadata: (dur) => `grabbed ${dur} ago, still fetching metadata (no peers with the torrent's metadata)`,
  DOWNLOADING: (dur) => `download made no progress for ${dur}`,
  DOWNLOADED: (dur, c) => `downloaded ${dur} ago, but ${c.arr} has not imported it`,
  IMPORTING: (dur, c) => {
    if (c.anime) return `Shoko: no sign of the file ${dur} after import (is the folder an import folder in Shoko?)`;
    return c.jellyfin ? `Jellyfin: not in library ${dur} after import` : `imported ${dur} ago; no library has confirmed it yet`;
  },
  ANIME_MATCHING: (dur) => `Shoko matched it ${dur} ago, but Jellyfin does not show it (check Shokofin's SignalR connection and library mapping)`,
};

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
