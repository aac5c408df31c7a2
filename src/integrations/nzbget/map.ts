/**
 * Pure mapping of NZBGet's queue groups and history items (docs/download-clients.md §5.2, §7) to
 * the fields of a `DownloadProgressEvent`, to a failure message in plain words, and to a
 * plain-words "stuck" reason.
 *
 * - Ids: the *arr's `downloadId` for NZBGet is the value of the `drone` post-processing parameter
 *   it adds on `append` (32 lower-case hex), not the NZBID; without one (NZBGet < 16) it is the
 *   NZBID as a decimal string (§1.6). `downloadIdOf` gives that id for a group or history item.
 * - Queue groups (`QUEUED, PAUSED, DOWNLOADING, FETCHING`) are downloading: progress from the
 *   sizes (paused par2 files left out while something else remains), size `FileSize`. NZBGet
 *   has no per-item speed or ETA: the watcher measures the speed from two readings of the
 *   remaining size and passes it in.
 * - Post-processing groups (`PP_QUEUED, LOADING_PARS, VERIFYING_SOURCES, REPAIRING, …,
 *   PP_FINISHED`, `QS_*`): all data is there, not finished yet (progress 1, not complete).
 * - History `SUCCESS/*` and `WARNING/*` are downloaded (the *arr imports most warnings; the
 *   worrying ones get a stuck reason); `FAILURE/*` and `DELETED/*` are failures in NZBGet's words.
 */
import type { DownloadProgressEvent } from '../../domain/events.js';
import { bytesOf, type NzbGroup, type NzbHistoryItem, type NzbStatus } from './client.js';

export type ProgressFields = Pick<DownloadProgressEvent, 'progress' | 'speed_bps' | 'eta_s' | 'size' | 'complete' | 'client_state'>;

const DRONE_ID = /^[0-9a-f]{32}$/;
/** An NZBID (a positive int32) as a decimal string. */
const NZB_ID = /^[1-9]\d{0,9}$/;

/** Whether a tracked (lower-case) download id can be an NZBGet one: a `drone` value, or an NZBID. */
export function isNzbgetId(tracked: string): boolean {
  const id = tracked.trim();
  return DRONE_ID.test(id) || NZB_ID.test(id);
}

/** The *arr's downloadId of a group or history item: its `drone` parameter (lower-cased), else its NZBID. */
export function downloadIdOf(item: Pick<NzbGroup, 'NZBID' | 'Parameters'>): string {
  const drone = item.Parameters.find((p) => p.Name === 'drone')?.Value.trim();
  return drone ? drone.toLowerCase() : String(item.NZBID);
}

/** Queue statuses in which data comes in (a speed and an ETA mean something). */
export const ACTIVE_STATUSES: ReadonlySet<string> = new Set(['DOWNLOADING', 'FETCHING']);
/** Queue statuses before post-processing; everything else in `listgroups` is a post-processing step. */
export const QUEUE_STATUSES: ReadonlySet<string> = new Set(['QUEUED', 'PAUSED', 'DOWNLOADING', 'FETCHING']);

export function isPostProcessing(group: Pick<NzbGroup, 'Status'>): boolean {
  return !QUEUE_STATUSES.has(group.Status);
}

/** Progress 0–1 of a queue group: paused files (extra par2 sets) count only when nothing else is left. */
export function groupProgress(group: NzbGroup): number {
  if (isPostProcessing(group)) return 1;
  const size = bytesOf(group, 'FileSize') ?? 0;
  const remaining = bytesOf(group, 'RemainingSize') ?? size;
  const paused = bytesOf(group, 'PausedSize') ?? 0;
  if (size <= 0) return 0;
  const raw = remaining > paused && size > paused ? 1 - (remaining - paused) / (size - paused) : 1 - remaining / size;
  return Math.round(Math.min(1, Math.max(0, raw)) * 10_000) / 10_000;
}

/** Bytes still to download (paused files left out while something else remains). */
export function bytesLeft(group: NzbGroup): number {
  const remaining = bytesOf(group, 'RemainingSize') ?? 0;
  const paused = bytesOf(group, 'PausedSize') ?? 0;
  return remaining > paused ? remaining - paused : remaining;
}

/**
 * A queue or post-processing group. `speedBps` is what the watcher measured for this group (null
 * when it has no two readings yet); it counts only while the group is downloading and the queue
 * is not paused.
 */
export function groupFields(group: NzbGroup, speedBps: number | null, status: Pick<NzbStatus, 'DownloadPaused'> | null = null): ProgressFields {
  const size = bytesOf(group, 'FileSize');
  const flowing = ACTIVE_STATUSES.has(group.Status) && status?.DownloadPaused !== true;
  const speed = flowing && speedBps !== null ? Math.max(0, Math.round(speedBps)) : null;
  const left = bytesLeft(group);
  return {
    progress: groupProgress(group),
    speed_bps: speed,
    eta_s: speed !== null && speed > 0 && left > 0 ? Math.ceil(left / speed) : null,
    size: size !== null && size > 0 ? size : null,
    complete: false,
    client_state: group.Status,
  };
}

/** `FAILURE/*` and `DELETED/*` are failures; `SUCCESS/*`, `WARNING/*` are downloaded. */
export function isFailed(item: Pick<NzbHistoryItem, 'Status'>): boolean {
  const [kind] = item.Status.split('/');
  return kind === 'FAILURE' || kind === 'DELETED';
}

/** A history item that is not a failure: all data there, complete. */
export function historyFields(item: NzbHistoryItem): ProgressFields {
  const size = bytesOf(item, 'FileSize');
  return { progress: 1, speed_bps: null, eta_s: null, size: size !== null && size > 0 ? size : null, complete: true, client_state: item.Status };
}

/** Permille → `83.2`, `85` (one decimal, none when it is `.0`). */
export function percent(permille: number): string {
  return (permille / 10).toFixed(1).replace(/\.0$/, '');
}

function healthNote(item: Pick<NzbHistoryItem, 'Health' | 'CriticalHealth'>): string {
  if (item.Health === undefined) return '';
  return item.CriticalHealth !== undefined && item.CriticalHealth > 0 ? `, health ${percent(item.Health)} %, critical ${percent(item.CriticalHealth)} %` : `, health ${percent(item.Health)} %`;
}

/** NZBGet's history status (`FAILURE/HEALTH`…) in plain words, by the part after the slash. */
const FAILURES: Record<string, string> = {
  'FAILURE/HEALTH': 'articles are missing on the news server (out of retention?); health fell below critical',
  'FAILURE/PAR': 'repair failed: not enough recovery blocks (par2)',
  'FAILURE/UNPACK': 'unpacking failed',
  'FAILURE/MOVE': 'moving the files to the destination directory failed',
  'FAILURE/SCAN': 'the NZB file could not be read',
  'FAILURE/BAD': 'marked bad',
  'FAILURE/FETCH': 'fetching the NZB from its URL failed',
  'DELETED/MANUAL': 'deleted in NZBGet before it finished',
  'DELETED/DUPE': 'deleted as a duplicate of another download',
  'DELETED/COPY': 'deleted as an exact copy of another download',
  'DELETED/GOOD': 'deleted: a duplicate of it already succeeded',
  'DELETED/HEALTH': 'deleted because its health fell below critical (articles missing)',
  'DELETED/SCAN': 'deleted: the NZB file could not be read',
  'DELETED/BAD': 'deleted and marked bad',
};

/** `NZBGet: <plain words> (<NZBGet's status>, health …)` for a failed history item. */
export function failureMessage(item: NzbHistoryItem): string {
  let plain = FAILURES[item.Status];
  if (item.Status === 'FAILURE/UNPACK' && item.UnpackStatus === 'PASSWORD') plain = 'unpacking failed: the release is encrypted (password protected)';
  if (item.Status === 'FAILURE/UNPACK' && item.UnpackStatus === 'SPACE') plain = 'unpacking failed: the disk is full';
  if (item.Status.startsWith('DELETED/') && item.MarkStatus === 'BAD') plain = 'deleted and marked bad';
  if (!plain && item.DeleteStatus && item.DeleteStatus !== 'NONE') plain = FAILURES[`DELETED/${item.DeleteStatus}`];
  const note = item.Status.endsWith('HEALTH') || item.DeleteStatus === 'HEALTH' ? healthNote(item) : '';
  return `NZBGet: ${plain ?? 'the download failed'} (${item.Status}${note})`;
}

export const PAUSED_REASON = 'NZBGet: paused';
export const QUEUE_PAUSED_REASON = 'NZBGet: the whole download queue is paused';
export const REMOVED_REASON = 'NZBGet: removed before it finished';
export const NO_DATA_REASON = 'NZBGet: downloading but no data arrives (news server unreachable or refusing the login?)';

/** "NZBGet: health 83.2 % is below the critical 85 % — articles are missing". */
export function healthReason(health: number, critical: number): string {
  return `NZBGet: health ${percent(health)} % is below the critical ${percent(critical)} % — articles are missing`;
}

/** History warnings that the *arr does not import by itself. */
const WARNINGS: Record<string, string> = {
  'WARNING/SPACE': 'NZBGet: finished with a warning: the disk is full',
  'WARNING/PASSWORD': 'NZBGet: finished with a warning: the release is encrypted (password protected)',
  'WARNING/DAMAGED': 'NZBGet: finished with a warning: the files are damaged',
  'WARNING/REPAIRABLE': 'NZBGet: finished with a warning: the files are damaged but repairable (par-check was skipped)',
};

/** Why a finished (non-failed) history item needs a look, or null. */
export function historyWarning(item: Pick<NzbHistoryItem, 'Status'>): string | null {
  return WARNINGS[item.Status] ?? null;
}

/**
 * Why a queued group is not moving, in plain words, or null when nothing is wrong. `noData` is the
 * watcher's finding that a downloading group's remaining size has not moved for a while.
 */
export function stuckReason(group: NzbGroup, status: Pick<NzbStatus, 'DownloadPaused'> | null, noData = false): string | null {
  const health = group.Health;
  const critical = group.CriticalHealth;
  // CriticalHealth 1000 (no par2) would flag every missing article; it still is the truth: the download cannot be repaired.
  if (health !== undefined && critical !== undefined && critical > 0 && health < critical) return healthReason(health, critical);
  if (isPostProcessing(group)) return null;
  if (group.Status === 'PAUSED') return PAUSED_REASON;
  if (status?.DownloadPaused === true) return QUEUE_PAUSED_REASON;
  if (noData && ACTIVE_STATUSES.has(group.Status)) return NO_DATA_REASON;
  return null;
}
