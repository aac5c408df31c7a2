/**
 * Pure mapping of a qBittorrent torrent (docs/upstreams.md §4.2, §4.4) to the fields of a
 * `DownloadProgressEvent`, and to a plain-words "stuck" reason. 4.x (`paused*`) and 5.x
 * (`stopped*`) state names are both understood.
 *
 * A magnet whose metadata has not arrived has nothing to download yet: qBittorrent names it
 * `metaDL`/`forcedMetaDL` while it asks peers for the metadata, but `queuedDL` or `stoppedDL`
 * when it is queued or stopped, with `has_metadata: false` (5.x) and `total_size: -1`. All of
 * them are reported as `metaDL`, the state the reducer keeps in GRABBING ("fetching metadata").
 */
import type { DownloadProgressEvent } from '../../domain/events.js';
import type { TorrentFields } from './client.js';

/** qBittorrent's "infinite / unknown" ETA (100 days), also reported for finished or stopped torrents. */
export const INFINITE_ETA = 8_640_000;

/** Finished and seeding (or stopped/queued after finishing). `checkingUP` is not done yet. */
export const SEEDING_STATES: ReadonlySet<string> = new Set(['uploading', 'pausedUP', 'stoppedUP', 'queuedUP', 'stalledUP', 'forcedUP']);

/** qBittorrent's own names for "asking peers for the metadata". */
export const METADATA_STATES: ReadonlySet<string> = new Set(['metaDL', 'forcedMetaDL']);

/** States in which data is flowing in, so speed and ETA go stale quickly. */
export const DOWNLOADING_STATES: ReadonlySet<string> = new Set(['downloading', 'forcedDL']);

export type ProgressFields = Pick<DownloadProgressEvent, 'progress' | 'speed_bps' | 'eta_s' | 'size' | 'complete' | 'client_state' | 'seeds'>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function isComplete(t: TorrentFields): boolean {
  const state = t.state ?? '';
  const done = (num(t.progress) ?? 0) >= 1 || num(t.amount_left) === 0;
  return done && SEEDING_STATES.has(state);
}

/** No metadata yet: the file list (and so the size) is unknown, and nothing can be downloaded. */
export function lacksMetadata(t: TorrentFields): boolean {
  if (METADATA_STATES.has(t.state ?? '')) return true;
  return t.has_metadata === false || num(t.total_size) === -1;
}

/** The state reported for the torrent: qBittorrent's, except that a torrent without metadata is `metaDL`. */
export function clientState(t: TorrentFields): string {
  const state = t.state ?? 'unknown';
  if (METADATA_STATES.has(state) || !lacksMetadata(t) || isComplete(t)) return state;
  return 'metaDL';
}

export function progressFields(t: TorrentFields): ProgressFields {
  const progress = Math.min(1, Math.max(0, num(t.progress) ?? 0));
  const eta = num(t.eta);
  const size = num(t.size) ?? num(t.total_size);
  return {
    progress,
    speed_bps: num(t.dlspeed),
    eta_s: eta === null || eta < 0 || eta >= INFINITE_ETA ? null : eta,
    // 0 until a magnet's metadata arrives: unknown, not empty.
    size: size !== null && size > 0 ? size : null,
    complete: isComplete(t),
    client_state: clientState(t),
    seeds: num(t.num_seeds),
  };
}

/** Why a torrent is not moving, in plain words, or null when nothing is wrong. */
export function stuckReason(t: TorrentFields): string | null {
  const state = t.state ?? '';
  switch (state) {
    case 'stalledDL':
      return 'qBittorrent: stalled, 0 seeds';
    case 'error':
      return 'qBittorrent: the torrent stopped with an error (disk full or files unreadable? see the qBittorrent log)';
    case 'missingFiles':
      return 'qBittorrent: files missing';
    case 'pausedDL':
    case 'stoppedDL':
      return 'qBittorrent: paused';
    // metaDL/forcedMetaDL: fetching a magnet's metadata is a normal first step (seconds with
    // peers); the stuck monitor flags it past `stuck_after.grabbing_min`.
    default:
      return null;
  }
}

export const REMOVED_REASON = 'qBittorrent: torrent removed before it finished';
