/**
 * Pure mapping of a Transmission torrent (`torrent-get`; docs/download-clients.md §2.2, §7) to
 * the fields of a `DownloadProgressEvent`, a plain-words "stuck" reason, and a failure.
 *
 * - Complete: `leftUntilDone 0` with data wanted (`sizeWhenDone > 0`) and status stopped (0),
 *   queued to seed (5) or seeding (6). Verifying (1, 2) is not done yet.
 * - A magnet whose metadata has not arrived (`metadataPercentComplete < 1`, `sizeWhenDone 0`) is
 *   reported as `metaDL`, the tracker's name for "fetching metadata" (kept in GRABBING).
 * - `eta` −1 (not available) and −2 (unknown) are null.
 * - `error 3` (a local error: disk, permissions) is a failure; `error 1`/`2` (tracker warning,
 *   tracker error) are stuck reasons while nothing arrives.
 */
import type { DownloadProgressEvent } from '../../domain/events.js';
import type { TrTorrent } from './client.js';

/** Transmission's `status` values (rpc 14+), named as its own clients name them. */
export const STATUS_NAMES: Readonly<Record<number, string>> = {
  0: 'stopped',
  1: 'verify-queued',
  2: 'verifying',
  3: 'download-queued',
  4: 'downloading',
  5: 'seed-queued',
  6: 'seeding',
};

export const STOPPED = 0;
export const DOWNLOADING = 4;
const DONE_STATUSES: ReadonlySet<number> = new Set([0, 5, 6]);

/** `error` values: 1 tracker warning, 2 tracker error, 3 local error. */
export const LOCAL_ERROR = 3;

export type ProgressFields = Pick<DownloadProgressEvent, 'progress' | 'speed_bps' | 'eta_s' | 'size' | 'complete' | 'client_state' | 'seeds'>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Transmission's own words, trimmed to a length a reason can carry. */
const words = (t: TrTorrent): string => (t.errorString ?? '').trim().slice(0, 300);

export function isComplete(t: TrTorrent): boolean {
  const size = num(t.sizeWhenDone) ?? 0;
  return size > 0 && num(t.leftUntilDone) === 0 && DONE_STATUSES.has(num(t.status) ?? -1) && !lacksMetadata(t);
}

/** No metadata yet: the file list (and so the size) is unknown. */
export function lacksMetadata(t: TrTorrent): boolean {
  const meta = num(t.metadataPercentComplete);
  if (meta !== null) return meta < 1;
  return (num(t.sizeWhenDone) ?? 0) === 0 && (num(t.percentDone) ?? 0) < 1;
}

/** The state reported for the torrent: Transmission's status name, or `metaDL` while a magnet has no metadata. */
export function clientState(t: TrTorrent): string {
  if (lacksMetadata(t)) return 'metaDL';
  const status = num(t.status);
  return status === null ? 'unknown' : (STATUS_NAMES[status] ?? `status-${status}`);
}

export function progressFields(t: TrTorrent): ProgressFields {
  const complete = isComplete(t);
  const progress = complete ? 1 : Math.min(1, Math.max(0, num(t.percentDone) ?? 0));
  const eta = num(t.eta);
  const size = num(t.sizeWhenDone);
  return {
    progress,
    speed_bps: num(t.rateDownload),
    eta_s: complete || eta === null || eta < 0 ? null : eta,
    size: size !== null && size > 0 ? size : null,
    complete,
    client_state: clientState(t),
    seeds: num(t.peersSendingToUs),
  };
}

/** A local error (disk full, permissions): the download cannot go on by itself. Null when there is none. */
export function failure(t: TrTorrent): string | null {
  if (num(t.error) !== LOCAL_ERROR || isComplete(t)) return null;
  const text = words(t);
  return `Transmission: ${text || 'local error (disk full or files unwritable? see the Transmission log)'}`;
}

/** Why a torrent is not moving, in plain words, or null when nothing is wrong (or it failed: see `failure`). */
export function stuckReason(t: TrTorrent): string | null {
  if (isComplete(t) || failure(t) !== null) return null;
  const status = num(t.status);
  const text = words(t);
  const receiving = (num(t.rateDownload) ?? 0) > 0;
  if (status === STOPPED) return 'Transmission: paused';
  const error = num(t.error);
  if ((error === 1 || error === 2) && !receiving) return `Transmission: ${error === 2 ? 'tracker error' : 'tracker warning'}${text ? `: ${text}` : ''}`;
  // Fetching a magnet's metadata is a normal first step: the stuck monitor flags it past its threshold.
  if (lacksMetadata(t)) return null;
  if (t.isStalled === true) return 'Transmission: stalled, no data for a while';
  if (status === DOWNLOADING && !receiving && (num(t.peersSendingToUs) ?? 0) === 0) return 'Transmission: stalled, no peers sending data';
  return null;
}

export const REMOVED_REASON = 'Transmission: torrent removed before it finished';
