/**
 * Pure mapping of SABnzbd's queue and history slots (docs/download-clients.md §4.2–4.3, §7) to the fields of a
 * `DownloadProgressEvent` — the same normalised progress qBittorrent's torrents give — to a
 * failure message in plain words, and to a plain-words "stuck" reason.
 *
 * - Queue slots (`Downloading, Queued, Fetching, Grabbing, Checking, Paused, Propagating`) are
 *   downloading: progress from `mb`/`mbleft` (else `percentage`), size `mb` MiB, ETA from the
 *   slot's cumulative `timeleft`, speed from the queue's `kbpersec` (SABnzbd's only speed, a
 *   global one) for a slot that is actually downloading.
 * - History `Completed` is downloaded; `Failed` is a failure with SABnzbd's `fail_message`; any
 *   other history status is a post-processing step (verify, repair, unpack, move, script): the
 *   data is all there, not finished yet.
 * - Ids: the *arr's `downloadId` for SABnzbd is the `nzo_id` verbatim (`SABnzbd_nzo_` + the
 *   lower-case suffix of a `tempfile.mkstemp` name). The tracker keeps download ids lower-cased,
 *   so `nzoIdOf` gives SABnzbd's spelling back; answers are compared case-insensitively.
 */
import type { DownloadProgressEvent } from '../../domain/events.js';
import type { HistorySlot, Queue, QueueSlot } from './client.js';

/** The prefix of every `nzo_id` (`sabnzbd/nzb/object.py`, `filesystem.py`). */
export const NZO_PREFIX = 'SABnzbd_nzo_';
const MIB = 1024 * 1024;

export type ProgressFields = Pick<DownloadProgressEvent, 'progress' | 'speed_bps' | 'eta_s' | 'size' | 'complete' | 'client_state'>;

/** A tracked (lower-case) download id as SABnzbd spells it; null when it is not a SABnzbd job (a torrent hash…). */
export function nzoIdOf(tracked: string): string | null {
  const id = tracked.trim();
  if (id.length <= NZO_PREFIX.length || id.slice(0, NZO_PREFIX.length).toLowerCase() !== NZO_PREFIX.toLowerCase()) return null;
  // The mkstemp suffix is lower-case letters, digits and "_": only the prefix has capitals.
  return NZO_PREFIX + id.slice(NZO_PREFIX.length).toLowerCase();
}

/** `"12.34"`, `12.34` → 12.34; anything else → null. */
export function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

/** `H:MM:SS` or `D:HH:MM:SS` → seconds; null when unparsable. */
export function parseTimeleft(v: string | undefined): number | null {
  if (!v || !/^\d+(:\d+){1,3}$/.test(v.trim())) return null;
  const parts = v.trim().split(':').map(Number);
  const units = [1, 60, 3600, 86_400];
  return parts.reverse().reduce((s, p, i) => s + p * (units[i] ?? 0), 0);
}

/** Slot statuses in which data is flowing in (speed and ETA mean something). */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['Downloading', 'Fetching', 'Grabbing']);

export function queueFields(slot: QueueSlot, queue: Pick<Queue, 'paused' | 'kbpersec'>): ProgressFields {
  const mb = num(slot.mb);
  const left = num(slot.mbleft);
  const pct = num(slot.percentage);
  const raw = mb !== null && mb > 0 && left !== null ? 1 - left / mb : pct !== null ? pct / 100 : 0;
  const progress = Math.min(1, Math.max(0, raw));
  const status = slot.status ?? 'unknown';
  const flowing = ACTIVE_STATUSES.has(status) && queue.paused !== true;
  const kbps = num(queue.kbpersec);
  const eta = parseTimeleft(slot.timeleft);
  return {
    // SABnzbd's speed is the whole queue's: it downloads one job at a time, in queue order.
    progress: Math.round(progress * 10_000) / 10_000,
    speed_bps: flowing && kbps !== null ? Math.round(kbps * 1024) : null,
    eta_s: flowing && eta !== null && eta > 0 ? eta : null,
    size: mb !== null && mb > 0 ? Math.round(mb * MIB) : null,
    complete: false,
    client_state: status,
  };
}

/** Post-processing and Completed history slots (a Failed one is a failure: `failureMessage`). */
export function historyFields(slot: HistorySlot): ProgressFields {
  const bytes = num(slot.bytes);
  return {
    progress: 1,
    speed_bps: null,
    eta_s: null,
    size: bytes !== null && bytes > 0 ? bytes : null,
    complete: slot.status === 'Completed',
    client_state: slot.status ?? 'unknown',
  };
}

export function isFailed(slot: HistorySlot): boolean {
  return slot.status === 'Failed';
}

/** SABnzbd's (English) `fail_message`s, in plain words. It is translated: another language falls through to the text as sent. */
const FAILURES: ReadonlyArray<[RegExp, string]> = [
  [/not-complete|cannot be completed|not on your server|missing articles|too much missing/i, 'out of retention / missing articles'],
  [/encrypt|password/i, 'the release is encrypted (password protected)'],
  [/disk is full|write error|no space/i, 'the disk is full (write error while unpacking)'],
  [/repair(ing)? failed|par2|not enough repair/i, 'repair failed: not enough recovery blocks'],
  [/unpack(ing)? failed/i, 'unpacking failed'],
  [/duplicate/i, 'a duplicate of a download already done'],
  [/aborted/i, 'aborted'],
];

/** `SABnzbd: <plain words> (<SABnzbd's own words>)` for a failed history slot. */
export function failureMessage(slot: HistorySlot): string {
  const said = (slot.fail_message ?? '').trim().replace(/\s+/g, ' ').slice(0, 200);
  if (!said) return 'SABnzbd: the download failed (no reason given)';
  const plain = FAILURES.find(([re]) => re.test(said))?.[1];
  return plain ? `SABnzbd: ${plain} (${said})` : `SABnzbd: ${said}`;
}

export const QUEUE_PAUSED_REASON = 'SABnzbd: the whole queue is paused';
export const PAUSED_REASON = 'SABnzbd: paused';
export const MISSING_REASON = 'SABnzbd: articles are missing on the server (out of retention?); the download may fail';
export const REMOVED_REASON = 'SABnzbd: job removed before it finished';

/** Why a queued job is not moving, in plain words, or null when nothing is wrong. */
export function stuckReason(slot: QueueSlot, queue: Pick<Queue, 'paused'>): string | null {
  if (slot.status === 'Paused') return PAUSED_REASON;
  if (queue.paused === true) return QUEUE_PAUSED_REASON;
  // `Propagating` is a delay the user set (wait n minutes after posting): a normal step, not a problem.
  const missing = num(slot.mbmissing);
  if ((missing !== null && missing > 0) || slot.labels?.some((l) => l.toUpperCase() === 'INCOMPLETE')) return MISSING_REASON;
  return null;
}
