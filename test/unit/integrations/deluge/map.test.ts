/** The pure Deluge map: progress fields, failure and stuck reasons for each state. */
import { describe, expect, it } from 'vitest';
import type { DelugeTorrent } from '../../../../src/integrations/deluge/client.js';
import { clientState, failure, isComplete, progressFields, STALLED_AFTER_MS, STATES, stuckReason } from '../../../../src/integrations/deluge/map.js';

const H = 'c'.repeat(40);
const base: DelugeTorrent = {
  hash: H,
  state: 'Downloading',
  progress: 25,
  total_wanted: 4_000_000,
  total_remaining: 3_000_000,
  download_payload_rate: 1_048_576,
  eta: 120,
  is_finished: false,
  message: 'OK',
  tracker_status: 'Announce OK',
  num_seeds: 3,
  num_peers: 5,
};
const t = (over: Partial<DelugeTorrent>): DelugeTorrent => ({ ...base, ...over });

describe('progressFields', () => {
  it('downloading: progress from total_remaining/total_wanted, speed, ETA, size, size left, seeds', () => {
    expect(progressFields(base)).toEqual({ progress: 0.25, speed_bps: 1_048_576, eta_s: 120, size: 4_000_000, size_left: 3_000_000, complete: false, client_state: 'Downloading', seeds: 3 });
  });

  it('seeding (is_finished): complete, progress 1, no ETA (Deluge gives the time to the seed ratio)', () => {
    expect(progressFields(t({ state: 'Seeding', progress: 100, total_remaining: 0, is_finished: true, eta: 3600, download_payload_rate: 0 }))).toMatchObject({
      complete: true,
      progress: 1,
      eta_s: null,
      size_left: 0,
      client_state: 'Seeding',
    });
    // Paused once finished is still complete.
    expect(isComplete(t({ state: 'Paused', is_finished: true, total_remaining: 0 }))).toBe(true);
  });

  it('Checking is never complete; Error and Moving take progress from the bytes, not from Deluge`s task progress', () => {
    expect(progressFields(t({ state: 'Checking', is_finished: true, progress: 40 }))).toMatchObject({ complete: false, client_state: 'Checking', progress: 0.25 });
    expect(progressFields(t({ state: 'Error', progress: 100 }))).toMatchObject({ progress: 0.25, client_state: 'Error' });
    expect(progressFields(t({ state: 'Moving', progress: 10, total_remaining: 0 }))).toMatchObject({ progress: 1, complete: false });
  });

  it('eta 0 (no estimate) and -1 (over a year) are null; Deluge progress is the fallback without sizes', () => {
    expect(progressFields(t({ eta: 0 })).eta_s).toBeNull();
    expect(progressFields(t({ eta: -1 })).eta_s).toBeNull();
    expect(progressFields({ hash: H, state: 'Downloading', progress: 62.5, total_wanted: 10 }).progress).toBe(0.625);
  });

  it('a magnet without metadata (total_wanted 0): metaDL, no size', () => {
    const magnet = t({ total_wanted: 0, total_remaining: 0, progress: 0, eta: 0, download_payload_rate: 0 });
    expect(progressFields(magnet)).toMatchObject({ client_state: 'metaDL', complete: false, size: null, size_left: null, progress: 0 });
    expect(stuckReason(magnet, STALLED_AFTER_MS * 10)).toBeNull();
    expect(clientState(t({ total_wanted: 0, state: 'Paused' }))).toBe('metaDL');
  });

  it('every Deluge state is reported under its own name', () => {
    for (const state of STATES) if (state !== 'Seeding') expect(clientState(t({ state }))).toBe(state);
    expect(clientState(t({ state: undefined }))).toBe('unknown');
  });
});

describe('failure and stuck reasons', () => {
  it('Error before finishing: a failure with Deluge`s message, cut at 300 characters; none once finished', () => {
    expect(failure(t({ state: 'Error', message: 'Is a directory' }))).toBe('Deluge: Is a directory');
    const long = 'x'.repeat(400);
    expect(failure(t({ state: 'Error', message: long }))).toBe(`Deluge: ${'x'.repeat(300)}`);
    expect(failure(t({ state: 'Error', message: 'OK' }))).toBe('Deluge: error (disk full or files unwritable? see the Deluge log)');
    expect(failure(t({ state: 'Error', is_finished: true, total_remaining: 0 }))).toBeNull();
    expect(stuckReason(t({ state: 'Error', message: 'Is a directory' }))).toBeNull();
    expect(failure(base)).toBeNull();
  });

  it('Paused unfinished → "Deluge: paused"; Queued, Checking, Allocating, Moving → nothing', () => {
    expect(stuckReason(t({ state: 'Paused', download_payload_rate: 0 }))).toBe('Deluge: paused');
    for (const state of ['Queued', 'Checking', 'Allocating', 'Moving']) expect(stuckReason(t({ state }))).toBeNull();
  });

  it('no peer or seed and nothing arriving: "stalled, no peers" only once it lasted STALLED_AFTER_MS', () => {
    const alone = t({ download_payload_rate: 0, num_seeds: 0, num_peers: 0, eta: 0 });
    expect(stuckReason(alone, 0)).toBeNull();
    expect(stuckReason(alone, STALLED_AFTER_MS - 1)).toBeNull();
    expect(stuckReason(alone, STALLED_AFTER_MS)).toBe('Deluge: stalled, no peers');
    // A peer connected, or data arriving: not stalled.
    expect(stuckReason(t({ download_payload_rate: 0, num_seeds: 0, num_peers: 1 }), STALLED_AFTER_MS)).toBeNull();
    expect(stuckReason(t({ num_seeds: 0, num_peers: 0 }), STALLED_AFTER_MS)).toBeNull();
  });

  it('a tracker error while nothing arrives, in Deluge`s words; a warning or data arriving is not one', () => {
    expect(stuckReason(t({ download_payload_rate: 0, tracker_status: 'Error: Connection refused' }))).toBe('Deluge: tracker error: Error: Connection refused');
    expect(stuckReason(t({ tracker_status: 'Error: Connection refused' }))).toBeNull();
    expect(stuckReason(t({ download_payload_rate: 0, tracker_status: 'Warning: unregistered torrent' }))).toBeNull();
  });

  it('a complete torrent has no stuck reason whatever its state', () => {
    expect(stuckReason(t({ state: 'Paused', is_finished: true, total_remaining: 0 }))).toBeNull();
  });
});
