/** The stuck monitor's rules: per request, per episode (aired or not), and when a flag is raised, replaced or cleared. */
import { pvrLabeller } from '../../../../src/integrations/registry.js';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../../../src/config/load.js';
import type { StuckEvent } from '../../../../src/domain/events.js';
import { episodeKey, type Download, type Episode, type MediaRequest } from '../../../../src/domain/model.js';
import type { EpisodeState } from '../../../../src/domain/states.js';
import { episodeRuns } from '../../../../src/features/stuck/episodes.js';
import { stuckEvents, stuckReason } from '../../../../src/features/stuck/monitor.js';
import type { TrackedView } from '../../../../src/watchers/types.js';
import { blankRequest } from '../../../helpers/requests.js';

const T = parseOptions({}).stuck_after;
const NOW = new Date('2026-03-10T12:00:00Z');
const ago = (min: number): string => new Date(NOW.getTime() - min * 60_000).toISOString();
const ctx = { jellyfin: true, pvrLabel: pvrLabeller() };

function ep(season: number, episode: number, state: EpisodeState, opts: { since?: string; air?: string | null; hash?: string } = {}): Episode {
  return {
    season,
    episode,
    title: null,
    state,
    progress: null,
    hash: opts.hash ?? null,
    file_path: null,
    release: null,
    air_date_utc: opts.air ?? null,
    sonarr_episode_id: null,
    history: [{ at: opts.since ?? ago(10 * 24 * 60), state, source: 'sonarr' }],
  };
}

function show(eps: Episode[], o: Partial<MediaRequest> = {}): MediaRequest {
  return blankRequest({
    id: 'jellyseerr-7',
    media_type: 'tv',
    state: 'SEARCHING',
    phase: 'SEARCHING',
    state_since: ago(10 * 24 * 60),
    roster: { from: 'sonarr', at: ago(10 * 24 * 60) },
    episodes: Object.fromEntries(eps.map((e) => [episodeKey(e.season, e.episode), e])),
    ...o,
  });
}

function download(hash: string, d: Partial<Download> = {}): Record<string, Download> {
  return { [hash]: { hash, progress: 0, speed_bps: null, eta_s: null, size: null, complete: false, release: 'R', ...d } };
}

describe('stuck reasons per episode', () => {
  it('names the aired episodes that found no release, never the unaired ones', () => {
    const r = show(
      [
        ep(1, 1, 'AVAILABLE'),
        ep(1, 2, 'AVAILABLE'),
        ep(1, 3, 'SEARCHING', { air: '2026-03-01T20:00:00Z' }),
        ep(1, 4, 'SEARCHING', { air: '2026-03-08T20:00:00Z' }),
        ep(1, 5, 'SEARCHING', { air: '2026-03-15T20:00:00Z' }),
        ep(1, 6, 'SEARCHING', { air: '2026-03-22T20:00:00Z' }),
      ],
      { state: 'PARTIALLY_AVAILABLE' },
    );
    // E04 aired 40 h ago: the shortest wait of the two is the one said.
    expect(stuckReason(r, NOW, T, ctx)).toBe('S01E03–E04: no release grabbed after 40 h');
  });

  it('starts the search clock when the episode airs, not when the roster listed it', () => {
    const r = show([ep(1, 1, 'SEARCHING', { air: ago(30) })]);
    expect(stuckReason(r, NOW, T, ctx)).toBeNull();
    expect(stuckReason(r, new Date(NOW.getTime() + 31 * 60_000), T, ctx)).toBe('S01E01: no release grabbed after 61 min');
  });

  it('an undated episode of a season that has not aired only waits for its season; a season with no dates at all counts as aired', () => {
    const waiting = show([ep(1, 1, 'AVAILABLE', { air: '2025-01-01T20:00:00Z' }), ep(2, 1, 'SEARCHING', { air: '2026-06-01T20:00:00Z' }), ep(2, 2, 'SEARCHING'), ep(2, 3, 'SEARCHING')], {
      state: 'PARTIALLY_AVAILABLE',
    });
    expect(stuckReason(waiting, NOW, T, ctx)).toBeNull();
    const undated = show([ep(1, 1, 'SEARCHING'), ep(1, 2, 'SEARCHING')]);
    expect(stuckReason(undated, NOW, T, ctx)).toBe('S01E01–E02: no release grabbed after 10 days');
  });

  it('one clause per stage, in pipeline order', () => {
    const h = 'a'.repeat(40);
    const r = show(
      [ep(1, 1, 'IMPORTING', { since: ago(50) }), ep(1, 2, 'SEARCHING', { air: ago(120) }), ep(1, 4, 'SEARCHING', { air: ago(180) }), ep(1, 3, 'DOWNLOADING', { since: ago(300), hash: h })],
      { state: 'DOWNLOADING', downloads: download(h, { progress: 0.4, progress_at: ago(45), client_state: 'stalledDL' }) },
    );
    expect(stuckReason(r, NOW, T, ctx)).toBe('S01E02, S01E04: no release grabbed after 2 h; S01E03: download made no progress for 45 min; S01E01: Jellyfin: not in library 50 min after import');
  });

  it('an episode grabbed as a magnet nobody sends the metadata of says so', () => {
    const h = 'b'.repeat(40);
    const r = show([ep(1, 1, 'GRABBING', { since: ago(31), hash: h }), ep(1, 2, 'GRABBING', { since: ago(31), hash: h })], {
      state: 'GRABBING',
      downloads: download(h, { client_state: 'metaDL' }),
    });
    expect(stuckReason(r, NOW, T, ctx)).toBe("S01E01–E02: grabbed 31 min ago, still fetching metadata (no peers with the torrent's metadata)");
    const started = { ...r, downloads: download(h, { client_state: 'queuedDL' }) };
    expect(stuckReason(started, NOW, T, ctx)).toBe('S01E01–E02: grabbed 31 min ago, but the download has not started');
  });

  it('an episode being upgraded, or already playable, is not judged here', () => {
    const playable = ep(1, 1, 'AVAILABLE');
    const upgrading = { ...playable, upgrade: { state: 'GRABBING' as const, progress: null, release: null, hash: null, since: ago(600) } };
    expect(stuckReason(show([upgrading], { state: 'AVAILABLE' }), NOW, T, ctx)).toBeNull();
  });

  it('before approval the request is judged as a whole', () => {
    const r = show([ep(1, 1, 'APPROVED')], { state: 'APPROVED', state_since: ago(31) });
    expect(stuckReason(r, NOW, T, ctx)).toBe('Approved 31 min ago, but Sonarr has reported nothing (is its webhook to Media Tracker configured?)');
  });
});

describe('stuck reasons per request', () => {
  const movie = (o: Partial<MediaRequest>): MediaRequest => blankRequest({ id: 'jellyseerr-1', media_type: 'movie', arr: { service: 'radarr', instance: 'radarr', id: 3 }, ...o });

  it('a movie grabbed as a magnet without metadata says so instead of "has not started"', () => {
    const h = 'c'.repeat(40);
    const r = movie({ state: 'GRABBING', state_since: ago(45), downloads: download(h, { client_state: 'forcedMetaDL' }) });
    expect(stuckReason(r, NOW, T, ctx)).toBe("Grabbed 45 min ago, still fetching metadata (no peers with the torrent's metadata)");
    expect(stuckReason({ ...r, downloads: download(h) }, NOW, T, ctx)).toBe('Grabbed 45 min ago, but the download has not started');
  });

  it('keeps the wording of each stage', () => {
    expect(stuckReason(movie({ state: 'SEARCHING', state_since: ago(61) }), NOW, T, ctx)).toBe('Radarr: no release grabbed after 61 min of searching');
    expect(stuckReason(movie({ state: 'DOWNLOADED', state_since: ago(31) }), NOW, T, ctx)).toBe('Downloaded 31 min ago, but Radarr has not imported it');
    expect(stuckReason(movie({ state: 'IMPORTING', state_since: ago(31) }), NOW, T, { ...ctx, jellyfin: false })).toBe('Imported 31 min ago; no library has confirmed it yet');
    expect(stuckReason(movie({ state: 'IMPORTING', state_since: ago(31), is_anime: true }), NOW, T, ctx)).toBe(
      'Shoko: no sign of the file 31 min after import (is the folder an import folder in Shoko?)',
    );
  });
});

describe('stuck events', () => {
  const view = (rs: MediaRequest[]): TrackedView => ({ openRequests: () => rs.values(), request: (id) => rs.find((r) => r.id === id), trackedHashes: () => new Set() });
  const reasons = (rs: MediaRequest[], at = NOW): Array<string | null> => stuckEvents(view(rs), at, T, ctx).map((e) => (e as StuckEvent).reason);
  const searching = [ep(1, 3, 'SEARCHING', { air: ago(120) }), ep(1, 4, 'SEARCHING', { air: ago(120) })];

  it('raises a flag once, and does not raise it again only because time passed', () => {
    const r = show(searching);
    expect(reasons([r])).toEqual(['S01E03–E04: no release grabbed after 2 h']);
    const flagged = { ...r, stuck: { since: NOW.toISOString(), reason: 'S01E03–E04: no release grabbed after 2 h', source: 'system' as const } };
    expect(reasons([flagged], new Date(NOW.getTime() + 3 * 3_600_000))).toEqual([]);
  });

  it('replaces its own flag when other episodes are stuck, and clears it when none is', () => {
    const flagged = (r: MediaRequest): MediaRequest => ({ ...r, stuck: { since: ago(5), reason: 'S01E03–E04: no release grabbed after 2 h', source: 'system' } });
    const one = show([ep(1, 3, 'GRABBING', { since: ago(1) }), searching[1]!], { state: 'GRABBING' });
    expect(reasons([flagged(one)])).toEqual(['S01E04: no release grabbed after 2 h']);
    const none = show([ep(1, 3, 'GRABBING', { since: ago(1) }), ep(1, 4, 'GRABBING', { since: ago(1) })], { state: 'GRABBING' });
    expect(reasons([flagged(none)])).toEqual([null]);
  });

  it("leaves a service's own flag alone", () => {
    const r = { ...show(searching), stuck: { since: ago(5), reason: 'Sonarr: import blocked', source: 'sonarr' as const } };
    expect(reasons([r])).toEqual([]);
  });
});

describe('episodeRuns', () => {
  it('joins runs of consecutive episodes and summarises long lists', () => {
    const e = (season: number, episode: number) => ({ season, episode });
    expect(episodeRuns([e(1, 4), e(1, 3)])).toBe('S01E03–E04');
    expect(episodeRuns([e(1, 1), e(1, 3), e(2, 1), e(2, 2)])).toBe('S01E01, S01E03, S02E01–E02');
    expect(episodeRuns([e(1, 1), e(1, 3), e(1, 5), e(1, 7)])).toBe('S01E01–S01E07 (4 episodes)');
  });
});
