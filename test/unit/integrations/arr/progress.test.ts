/**
 * Queue progress (src/integrations/arr/progress.ts): the *arr queue's records of downloads no
 * watcher follows → download_progress and stuck events, through `queueProgress` alone.
 */
import { describe, expect, it } from 'vitest';
import type { QueueRecord } from '../../../../src/integrations/arr/api.js';
import { groupQueue } from '../../../../src/integrations/arr/downloads.js';
import type { ArrInstance } from '../../../../src/integrations/arr/map.js';
import { queueProgress, queueStuckReason, STALE_MS, timeSpanSeconds, type QueueMemory } from '../../../../src/integrations/arr/progress.js';

const inst: ArrInstance = { service: 'radarr', label: 'Radarr', name: 'radarr', sole: true };
const ID = 'sabnzbd_nzo_sf78tpj';
const T0 = Date.parse('2026-12-01T12:00:00Z');

const record = (patch: Partial<QueueRecord> = {}): QueueRecord => ({
  movieId: 412,
  downloadId: 'SABnzbd_nzo_sf78tpj',
  size: 1000,
  sizeleft: 750,
  timeleft: '00:45:00',
  status: 'downloading',
  trackedDownloadStatus: 'ok',
  trackedDownloadState: 'downloading',
  downloadClient: 'SABnzbd',
  protocol: 'usenet',
  ...patch,
});

function run(records: QueueRecord[], memory: QueueMemory = new Map(), nowMs = T0, opts: { covers?: boolean; stuck?: { reason: string; source: string } | null; tracked?: string[] } = {}) {
  return queueProgress({
    inst,
    groups: groupQueue(records),
    tracked: new Set(opts.tracked ?? [ID]),
    covers: () => opts.covers ?? false,
    stuckOf: () => opts.stuck ?? null,
    memory,
    nowMs,
  });
}

describe('timeSpanSeconds', () => {
  it('reads .NET TimeSpans, with days and fractions', () => {
    expect(timeSpanSeconds('00:45:00')).toBe(2700);
    expect(timeSpanSeconds('1.02:00:30')).toBe(93_630);
    expect(timeSpanSeconds('00:00:01.5000000')).toBe(1.5);
    expect(timeSpanSeconds('soon')).toBeNull();
    expect(timeSpanSeconds(undefined)).toBeNull();
  });
});

describe('queueProgress', () => {
  it('one event per download id (a season pack’s records are one download), with the queue’s fields', () => {
    const pack = [1, 2, 3].map((ep) => record({ movieId: undefined, seriesId: 12, episodeId: ep }));
    const out = run(pack);
    expect(out.events).toEqual([
      {
        kind: 'download_progress',
        key: `radarr:radarr:queue:${ID}:0.250:downloading`,
        source: 'radarr',
        match: { hash: ID, scope: 'active' },
        hash: ID,
        progress: 0.25,
        speed_bps: null,
        eta_s: 2700,
        size: 1000,
        size_left: 750,
        complete: false,
        client_state: 'downloading',
        client: 'SABnzbd',
        protocol: 'usenet',
      },
    ]);
    expect(out.active).toBe(1);
    expect(out.escalate).toBe(false);
  });

  it('speed from the bytes done between two changes of the queue, 0 once it stops changing', () => {
    const first = run([record()]);
    const same = run([record()], first.memory, T0 + 5_000);
    expect(same.events).toEqual([]);
    const moved = run([record({ sizeleft: 450 })], same.memory, T0 + 60_000);
    expect(moved.events[0]).toMatchObject({ progress: 0.55, speed_bps: 5 });
    const still = run([record({ sizeleft: 450 })], moved.memory, T0 + 60_000 + STALE_MS);
    // Unchanged for long: resent (speed and ETA stay fresh) with speed 0.
    expect(still.events[0]).toMatchObject({ progress: 0.55, speed_bps: 0 });
  });

  it('finished when the client says completed or the *arr imports it; ETA from estimatedCompletionTime first', () => {
    expect(run([record({ estimatedCompletionTime: new Date(T0 + 600_000).toISOString() })]).events[0]).toMatchObject({ eta_s: 600 });
    for (const patch of [
      { status: 'completed', trackedDownloadState: 'importPending' },
      { status: 'completed', trackedDownloadState: 'importing' },
    ]) {
      const out = run([record({ ...patch, sizeleft: 0 })]);
      expect(out.events[0]).toMatchObject({ progress: 1, complete: true, eta_s: null, speed_bps: null, size_left: 0 });
      expect(out.active).toBe(0);
    }
  });

  it('leaves alone what a watcher covers and what no request follows', () => {
    expect(run([record()], new Map(), T0, { covers: true }).events).toEqual([]);
    expect(run([record()], new Map(), T0, { tracked: ['other'] }).events).toEqual([]);
  });

  it('a failure or a blocked import asks for the whole snapshot, once', () => {
    const failed = run([record({ status: 'failed', trackedDownloadState: 'failedPending', errorMessage: 'Unpacking failed' })]);
    expect(failed).toMatchObject({ events: [], escalate: true, active: 0 });
    expect(run([record({ status: 'failed', trackedDownloadState: 'failedPending' })], failed.memory).escalate).toBe(false);
    const blocked = record({ status: 'completed', trackedDownloadState: 'importPending', trackedDownloadStatus: 'warning', statusMessages: [{ title: 'x', messages: ['No files found'] }] });
    expect(run([blocked]).escalate).toBe(true);
  });

  it('paused, an unavailable client or a client warning: a stuck flag in the *arr’s words, cleared when it ends (only our own)', () => {
    const g = (patch: Partial<QueueRecord>) => groupQueue([record(patch)])[0]!;
    expect(queueStuckReason(inst, g({ status: 'paused' }))).toBe('Radarr: paused in SABnzbd');
    expect(queueStuckReason(inst, g({ status: 'downloadClientUnavailable' }))).toBe('Radarr: SABnzbd is unavailable');
    expect(queueStuckReason(inst, g({ status: 'warning' }))).toBe('Radarr: SABnzbd reports a problem with the download');
    expect(queueStuckReason(inst, g({ status: 'warning', statusMessages: [{ title: 't', messages: ['Propagating'] }] }))).toBe('Radarr: Propagating');
    expect(queueStuckReason(inst, g({}))).toBeNull();

    const paused = run([record({ status: 'paused' })]);
    expect(paused.events.map((e) => e.kind)).toEqual(['download_progress', 'stuck']);
    expect(paused.events[1]).toMatchObject({ reason: 'Radarr: paused in SABnzbd', match: { hash: ID } });
    const flag = { reason: 'Radarr: paused in SABnzbd', source: 'radarr' };
    const resumed = run([record()], paused.memory, T0 + 5_000, { stuck: flag });
    expect(resumed.events.map((e) => (e.kind === 'stuck' ? e.reason : e.kind))).toEqual(['download_progress', null]);
    // Someone else's flag (an import block, the stuck monitor) is not ours to clear.
    const other = run([record()], paused.memory, T0 + 5_000, { stuck: { reason: 'Download made no progress for 40 min', source: 'system' } });
    expect(other.events.map((e) => e.kind)).toEqual(['download_progress']);
  });
});
