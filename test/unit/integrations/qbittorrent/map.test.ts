/** Torrent → DownloadProgressEvent fields, and stuck reasons (docs/upstreams.md §4.2, §4.4). */
import { describe, expect, it } from 'vitest';
import { clientState, isComplete, lacksMetadata, progressFields, stuckReason } from '../../../../src/integrations/qbittorrent/map.js';
import { fakeTorrent } from '../../../helpers/qbittorrent.js';

const H = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';

describe('progressFields', () => {
  it('maps a downloading torrent', () => {
    const t = fakeTorrent(H, { progress: 0.6142, dlspeed: 18874368, eta: 312, size: 15_032_385_536, num_seeds: 12, state: 'downloading' });
    expect(progressFields(t)).toEqual({
      progress: 0.6142,
      speed_bps: 18874368,
      eta_s: 312,
      size: 15_032_385_536,
      complete: false,
      client_state: 'downloading',
      seeds: 12,
    });
  });

  it('8640000 (and negative) ETA means unknown', () => {
    expect(progressFields(fakeTorrent(H, { eta: 8_640_000 })).eta_s).toBeNull();
    expect(progressFields(fakeTorrent(H, { eta: -1 })).eta_s).toBeNull();
    expect(progressFields(fakeTorrent(H, { eta: 0 })).eta_s).toBe(0);
  });

  it('size 0 (magnet without metadata) is unknown; missing fields are null', () => {
    expect(progressFields(fakeTorrent(H, { state: 'metaDL', size: 0, total_size: 0 })).size).toBeNull();
    expect(progressFields({ state: 'downloading' })).toEqual({
      progress: 0,
      speed_bps: null,
      eta_s: null,
      size: null,
      complete: false,
      client_state: 'downloading',
      seeds: null,
    });
  });

  it.each(['uploading', 'pausedUP', 'stoppedUP', 'queuedUP', 'stalledUP', 'forcedUP'])('progress 1 + %s is complete', (state) => {
    expect(progressFields(fakeTorrent(H, { progress: 1, amount_left: 0, state, eta: 8_640_000 }))).toMatchObject({ complete: true, progress: 1, eta_s: null, client_state: state });
  });

  it('amount_left 0 with a seeding state is complete even when progress rounds below 1', () => {
    expect(isComplete({ progress: 0.99999, amount_left: 0, state: 'stalledUP' })).toBe(true);
  });

  it.each(['checkingUP', 'downloading', 'pausedDL', 'stoppedDL', 'checkingDL', 'moving', 'checkingResumeData', 'error', 'missingFiles', 'unknown'])('progress 1 + %s is not complete', (state) => {
    expect(isComplete({ progress: 1, amount_left: 0, state })).toBe(false);
  });

  it('a seeding state with data missing is not complete', () => {
    expect(isComplete({ progress: 0.5, amount_left: 100, state: 'stalledUP' })).toBe(false);
  });

  it('clamps progress to 0..1', () => {
    expect(progressFields({ progress: 1.0000001, state: 'uploading' }).progress).toBe(1);
    expect(progressFields({ progress: -0.1, state: 'downloading' }).progress).toBe(0);
  });
});

describe('stuckReason', () => {
  it.each([
    ['stalledDL', 'qBittorrent: stalled, 0 seeds'],
    ['error', 'qBittorrent: the torrent stopped with an error (disk full or files unreadable? see the qBittorrent log)'],
    ['missingFiles', 'qBittorrent: files missing'],
    ['pausedDL', 'qBittorrent: paused'],
    ['stoppedDL', 'qBittorrent: paused'],
  ])('%s → %s', (state, reason) => {
    expect(stuckReason({ state })).toBe(reason);
  });

  it.each([
    'metaDL',
    'forcedMetaDL',
    'downloading',
    'forcedDL',
    'queuedDL',
    'checkingDL',
    'uploading',
    'stalledUP',
    'pausedUP',
    'stoppedUP',
    'checkingUP',
    'moving',
    'checkingResumeData',
    'allocating',
  ])('%s → null', (state) => {
    expect(stuckReason({ state })).toBeNull();
  });
});

describe('a torrent without metadata', () => {
  // qBittorrent 5.x: a magnet nobody has sent the metadata of (total_size -1, has_metadata false).
  const magnet = { progress: 0, size: 0, total_size: -1, has_metadata: false, amount_left: 0, eta: 8_640_000, dlspeed: 0 };

  it.each(['metaDL', 'forcedMetaDL'])('%s keeps its name and has no size', (state) => {
    expect(progressFields({ ...magnet, state })).toMatchObject({ client_state: state, size: null, progress: 0, complete: false, eta_s: null });
  });

  it.each(['queuedDL', 'stoppedDL', 'pausedDL', 'stalledDL', 'downloading'])('%s without metadata is reported as metaDL', (state) => {
    expect(clientState({ ...magnet, state })).toBe('metaDL');
    expect(progressFields({ ...magnet, state }).size).toBeNull();
  });

  it('4.x (no has_metadata field) is told by total_size -1', () => {
    const { has_metadata: _omit, ...old } = magnet;
    expect(lacksMetadata({ ...old, state: 'queuedDL' })).toBe(true);
    expect(clientState({ ...old, state: 'queuedDL' })).toBe('metaDL');
  });

  it("with metadata, the state is qBittorrent's own", () => {
    const t = { state: 'queuedDL', progress: 0, size: 4096, total_size: 4096, has_metadata: true };
    expect(lacksMetadata(t)).toBe(false);
    expect(clientState(t)).toBe('queuedDL');
    expect(clientState({ state: 'stalledDL' })).toBe('stalledDL');
  });

  it('a stopped magnet keeps qBittorrent\'s "paused" reason; fetching metadata is not a stuck reason here', () => {
    expect(stuckReason({ ...magnet, state: 'stoppedDL' })).toBe('qBittorrent: paused');
    expect(stuckReason({ ...magnet, state: 'metaDL' })).toBeNull();
  });
});
