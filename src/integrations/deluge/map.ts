/**
 * Pure mapping of a Deluge torrent (`core.get_torrents_status`; docs/download-clients.md §3.3,
 * §7) to the fields of a `DownloadProgressEvent`, a plain-words "stuck" reason, and a failure.
 *
 * - Complete: `is_finished` (every wanted piece present) and not `Checking`.
 * - Progress is `1 − total_remaining / total_wanted`: Deluge's own `progress` is the current
 *   task's (100 in `Error`, the share moved while `Moving`).
 * - A magnet whose metadata has not arrived (`total_wanted` 0, not finished) is reported as
 *   `metaDL`, the tracker's name for "fetching metadata" (kept in GRABBING).
 * - `eta` 0 (no estimate) and −1 (over a year) are null.
 * - `Error` on an unfinished torrent (disk full, files gone) is a failure with Deluge's
 *   `message`; a tracker error while nothing arrives, `Paused`, and no peer at all for a while
 *   are stuck reasons.
 */
import type { DownloadProgressEvent } from '../../domain/events.js';
import type { DelugeTorrent } from './client.js';

/** Deluge's torrent states (`deluge/core/torrent.py`), as it names them. */
export const STATES = ['Allocating', 'Checking', 'Downloading', 'Seeding', 'Paused', 'Error', 'Queued', 'Moving'] as const;

export type ProgressFields = Pick<DownloadProgressEvent, 'progress' | 'speed_bps' | 'eta_s' | 'size' | 'size_left' | 'complete' | 'client_state' | 'seeds'>;

/** How long a torrent may sit with no peer and nothing arriving before it is "stalled". */
export const STALLED_AFTER_MS = 120_000;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Deluge's own words, trimmed to a length a reason can carry. */
const words = (text: string | null | undefined): string => (text ?? '').trim().slice(0, 300);

export function isComplete(t: DelugeTorrent): boolean {
  return t.is_finished === true && t.state !== 'Checking';
}

/** No metadata yet: the file list (and so the size) is unknown. */
export function lacksMetadata(t: DelugeTorrent): boolean {
  return !isComplete(t) && (num(t.total_wanted) ?? 0) <= 0 && t.state !== 'Error';
}

/** The state reported for the torrent: Deluge's state, or `metaDL` while a magnet has no metadata. */
export function clientState(t: DelugeTorrent): string {
  if (lacksMetadata(t)) return 'metaDL';
  return t.state || 'unknown';
}

function progressOf(t: DelugeTorrent): number {
  const wanted = num(t.total_wanted) ?? 0;
  const remaining = num(t.total_remaining);
  if (wanted > 0 && remaining !== null) return 1 - remaining / wanted;
  return (num(t.progress) ?? 0) / 100;
}

export function progressFields(t: DelugeTorrent): ProgressFields {
  const complete = isComplete(t);
  const progress = complete ? 1 : Math.min(1, Math.max(0, progressOf(t)));
  const eta = num(t.eta);
  const size = num(t.total_wanted);
  const left = num(t.total_remaining);
  return {
    progress,
    speed_bps: num(t.download_payload_rate),
    eta_s: complete || eta === null || eta <= 0 ? null : eta,
    size: size !== null && size > 0 ? size : null,
    size_left: complete ? 0 : left !== null && left >= 0 && size !== null && size > 0 ? left : null,
    complete,
    client_state: clientState(t),
    seeds: num(t.num_seeds),
  };
}

/** `Error` before the download finished: it cannot go on by itself. Null when there is none. */
export function failure(t: DelugeTorrent): string | null {
  if (t.state !== 'Error' || isComplete(t)) return null;
  const text = words(t.message);
  return `Deluge: ${text && text !== 'OK' ? text : 'error (disk full or files unwritable? see the Deluge log)'}`;
}

/** Downloading with nothing arriving and no peer or seed connected (a stall once it lasts `STALLED_AFTER_MS`). */
export function isPeerless(t: DelugeTorrent): boolean {
  return t.state === 'Downloading' && !lacksMetadata(t) && !isComplete(t) && (num(t.download_payload_rate) ?? 0) === 0 && (num(t.num_seeds) ?? 0) === 0 && (num(t.num_peers) ?? 0) === 0;
}

/**
 * Why a torrent is not moving, in plain words, or null when nothing is wrong (or it failed: see
 * `failure`). `peerlessForMs`: how long the watcher has seen it peerless (`isPeerless`).
 */
export function stuckReason(t: DelugeTorrent, peerlessForMs = 0): string | null {
  if (isComplete(t) || failure(t) !== null) return null;
  if (t.state === 'Paused') return 'Deluge: paused';
  const receiving = (num(t.download_payload_rate) ?? 0) > 0;
  const tracker = words(t.tracker_status);
  // `tracker_status` is "<host>: Error: <text>" (or "Error: <text>") after a failed announce.
  if (!receiving && /(^|:\s*)error\b/i.test(tracker)) return `Deluge: tracker error: ${tracker}`;
  // Fetching a magnet's metadata is a normal first step: the stuck monitor flags it past its threshold.
  if (lacksMetadata(t)) return null;
  if (isPeerless(t) && peerlessForMs >= STALLED_AFTER_MS) return 'Deluge: stalled, no peers';
  return null;
}

export const REMOVED_REASON = 'Deluge: torrent removed before it finished';
