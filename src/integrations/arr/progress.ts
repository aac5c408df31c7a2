/**
 * Download progress from the Sonarr/Radarr queue, for the downloads no download-client watcher
 * follows (SABnzbd, NZBGet, Transmission… today: anything qBittorrent does not hold). Pure: time
 * comes from `nowMs`, and what was seen before comes in as `memory` and goes out updated.
 *
 * Per download id (Sonarr lists a season pack once per episode, with the size of the whole
 * download on every record): progress = 1 − sizeleft/size; ETA from `estimatedCompletionTime`
 * (else `timeleft`); speed from successive samples (bytes done between the two changes the queue
 * showed, over the time between them: the *arr refreshes its queue once a minute); finished when
 * the client says `completed` or the *arr is importing it. A paused download, an unavailable
 * client or a client warning is a stuck flag in the *arr's words; failures and blocked imports
 * are the snapshot's business (downloads.ts), which the caller runs when `escalate` says so.
 */
import type { UnstampedEvent } from '../../domain/events.js';
import { isBlocked, isFailed, type QueueGroup } from './downloads.js';
import type { ArrInstance } from './map.js';
import type { QueueRecord } from './api.js';

/** Minimum progress change worth an event. */
export const PROGRESS_STEP = 0.001;
/** While downloading, resend at least this often so speed and ETA stay fresh. */
export const REFRESH_MS = 60_000;
/** No change in the bytes done for this long (two and a half of the *arr's refreshes): speed 0. */
export const STALE_MS = 150_000;

const FINISHED_STATES: ReadonlySet<string> = new Set(['importPending', 'importing', 'importBlocked']);

/** What was last seen and sent for one download. */
export interface QueueSample {
  /** Bytes done when the queue last showed a change, and when (our clock). */
  done: number;
  changedAtMs: number;
  speed: number | null;
  sent: { progress: number; state: string; complete: boolean; atMs: number } | null;
  /** The stuck reason last sent for it (null: none, or cleared). */
  stuck: string | null;
  /** It failed or its import is blocked, and the snapshot was asked to say so. */
  escalated?: boolean;
}

export type QueueMemory = ReadonlyMap<string, QueueSample>;

export interface QueueProgressInput {
  inst: ArrInstance;
  groups: readonly QueueGroup[];
  /** Download ids (lower-case) some open request of this instance follows. */
  tracked: ReadonlySet<string>;
  /** A download-client watcher follows this download itself. */
  covers(downloadId: string): boolean;
  /** The stuck flag the request of a download carries now (to clear only our own). */
  stuckOf(downloadId: string): { reason: string; source: string } | null;
  memory: QueueMemory;
  nowMs: number;
}

export interface QueueProgress {
  events: UnstampedEvent[];
  memory: Map<string, QueueSample>;
  /** Queue-only downloads still in flight: the queue is worth reading at the download interval. */
  active: number;
  /** A queue-only download failed or its import is blocked: the full snapshot should run now. */
  escalate: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** .NET TimeSpan `[-][d.]hh:mm:ss[.fffffff]` → seconds, or null. */
export function timeSpanSeconds(v: string | null | undefined): number | null {
  const m = typeof v === 'string' ? /^(-)?(?:(\d+)\.)?(\d+):(\d+):(\d+)(?:\.(\d+))?$/.exec(v.trim()) : null;
  if (!m) return null;
  const s = Number(m[2] ?? 0) * 86_400 + Number(m[3]) * 3600 + Number(m[4]) * 60 + Number(m[5]) + (m[6] ? Number(`0.${m[6]}`) : 0);
  return m[1] ? -s : s;
}

function etaSeconds(rec: QueueRecord, nowMs: number): number | null {
  const at = rec.estimatedCompletionTime ? Date.parse(rec.estimatedCompletionTime) : Number.NaN;
  if (!Number.isNaN(at)) return Math.max(0, Math.round((at - nowMs) / 1000));
  const left = timeSpanSeconds(rec.timeleft);
  return left === null ? null : Math.max(0, Math.round(left));
}

export function isFinished(g: QueueGroup): boolean {
  return g.records.some((r) => r.status === 'completed') || FINISHED_STATES.has(g.state);
}

function messages(g: QueueGroup): string[] {
  const out: string[] = [];
  for (const r of g.records) {
    for (const m of r.statusMessages ?? []) for (const line of m.messages ?? []) if (line.trim() && !out.includes(line.trim())) out.push(line.trim());
    const error = r.errorMessage?.trim();
    if (error && !out.includes(error)) out.push(error);
  }
  return out;
}

/** Why a queue-only download is not moving, in the *arr's words, or null. */
export function queueStuckReason(inst: ArrInstance, g: QueueGroup): string | null {
  const rec = g.records[0]!;
  const client = rec.downloadClient ?? 'the download client';
  const said = messages(g);
  switch (rec.status) {
    case 'paused':
      return `${inst.label}: paused in ${client}`;
    case 'downloadClientUnavailable':
      return `${inst.label}: ${client} is unavailable${said.length ? ` (${said.join('; ')})` : ''}`;
    case 'warning':
      return `${inst.label}: ${said.length ? said.join('; ') : `${client} reports a problem with the download`}`;
    default:
      if (!isFinished(g) && g.records.some((r) => r.trackedDownloadStatus === 'warning' || r.trackedDownloadStatus === 'error') && said.length) return `${inst.label}: ${said.join('; ')}`;
      return null;
  }
}

export function queueProgress(input: QueueProgressInput): QueueProgress {
  const { inst, nowMs } = input;
  const events: UnstampedEvent[] = [];
  const memory = new Map<string, QueueSample>();
  let active = 0;
  let escalate = false;
  const base = `${inst.service}:${inst.name}:queue`;
  for (const g of input.groups) {
    const hash = g.hash;
    if (!input.tracked.has(hash) || input.covers(hash) || g.state === 'ignored') continue;
    if (isFailed(g) || isBlocked(g)) {
      // Said once: the snapshot (downloads.ts) turns it into FAILED or a blocked import.
      const last = input.memory.get(hash);
      if (!last?.escalated) escalate = true;
      memory.set(hash, { ...(last ?? { done: 0, changedAtMs: nowMs, speed: null, sent: null, stuck: null }), escalated: true });
      continue;
    }
    const rec = g.records[0]!;
    const complete = isFinished(g);
    const size = num(rec.size);
    const left = num(rec.sizeleft);
    const known = size !== null && size > 0;
    // To four decimals (0.01 %): the *arr's byte counts give no finer news, and 1 − 0.9 is 0.1.
    const progress = complete ? 1 : known && left !== null ? Math.round(Math.min(1, Math.max(0, 1 - left / size)) * 10_000) / 10_000 : 0;
    const done = known && left !== null ? Math.max(0, size - left) : 0;
    const state = rec.status ?? 'unknown';

    const last = input.memory.get(hash);
    let sample: QueueSample;
    if (!last) sample = { done, changedAtMs: nowMs, speed: null, sent: null, stuck: null, escalated: false };
    else if (done !== last.done) {
      const dt = (nowMs - last.changedAtMs) / 1000;
      const speed = done > last.done && dt > 0 ? Math.round((done - last.done) / dt) : null;
      sample = { ...last, done, changedAtMs: nowMs, speed, escalated: false };
    } else sample = { ...last, speed: nowMs - last.changedAtMs >= STALE_MS ? 0 : last.speed, escalated: false };
    const downloading = !complete && state === 'downloading';
    if (!complete) active++;

    const client = rec.downloadClient ?? undefined;
    const protocol = rec.protocol && rec.protocol !== 'unknown' ? rec.protocol : undefined;
    const sent = sample.sent;
    const emit = !sent || Math.abs(progress - sent.progress) >= PROGRESS_STEP - 1e-9 || complete !== sent.complete || state !== sent.state || (downloading && nowMs - sent.atMs >= REFRESH_MS);
    if (emit) {
      events.push({
        kind: 'download_progress',
        key: `${base}:${hash}:${progress.toFixed(3)}:${state}`,
        source: inst.service,
        match: { hash, scope: 'active' },
        hash,
        progress,
        speed_bps: downloading ? sample.speed : null,
        eta_s: complete ? null : etaSeconds(rec, nowMs),
        size: known ? size : null,
        size_left: complete ? 0 : left,
        complete,
        client_state: state,
        ...(client ? { client } : {}),
        ...(protocol ? { protocol } : {}),
      });
      sample = { ...sample, sent: { progress, state, complete, atMs: nowMs } };
    }

    const reason = queueStuckReason(inst, g);
    const flag = input.stuckOf(hash);
    if (reason && flag?.reason !== reason) {
      events.push(stuckEvent(inst, hash, reason));
    } else if (!reason && sample.stuck && flag && flag.source === inst.service && flag.reason === sample.stuck) {
      events.push(stuckEvent(inst, hash, null));
    }
    sample = { ...sample, stuck: reason };
    memory.set(hash, sample);
  }
  return { events, memory, active, escalate };
}

function stuckEvent(inst: ArrInstance, hash: string, reason: string | null): UnstampedEvent {
  return { kind: 'stuck', key: `${inst.service}:${inst.name}:queue:${hash}:stuck:${reason ?? 'cleared'}`, source: inst.service, match: { hash, scope: 'active' }, reason };
}
