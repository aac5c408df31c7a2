/**
 * The panel's words for how far a request has come (frontend/src/data/progress-text.ts): the
 * episode count with the next air date, an upgrade in flight, and an episode of the grid that
 * has not aired (waited for, never counted as missing). Air dates are at noon UTC so the
 * local day is the same in every time zone the suite runs in.
 */
import { describe, expect, it } from 'vitest';
import { seasonRows, stateCounts } from '../../../../frontend/src/data/episodes.js';
import { availabilityText, episodeText, shownState, stateLabel, UNAIRED, upgradeText, watchableText } from '../../../../frontend/src/data/progress-text.js';
import type { UpgradePayload } from '../../../../src/contract/index.js';
import { episode, request } from '../../../../frontend/test/fixtures.js';

const upgrade = (patch: Partial<UpgradePayload> = {}): UpgradePayload => ({
  state: 'DOWNLOADING',
  progress: 0.42,
  release: 'Dune.2021.2160p.UHD.BluRay',
  since: '2026-12-01T10:00:00.000Z',
  episodes: [],
  ...patch,
});
const tv = (available: number, total: number, patch = {}) =>
  request('jellyseerr-1', { media_type: 'tv', state: 'PARTIALLY_AVAILABLE', roster: 'sonarr', episodes: { total, available, by_state: {} }, ...patch });

describe('availabilityText', () => {
  it('counts the wanted episodes and names the day the next one airs', () => {
    expect(availabilityText(tv(8, 10, { next_air_date: '2026-12-14T12:00:00Z' }))).toBe('8/10 available · next episode airs 2026-12-14');
    expect(availabilityText(tv(10, 10, { state: 'AVAILABLE' }))).toBe('10/10 available');
  });

  it('says when the count is of the episodes seen so far, not of a known episode list', () => {
    expect(availabilityText(tv(5, 5, { roster: null }))).toBe('5/5 available · episode list not read yet');
    // Jellyseerr vouched for the whole request: nothing is missing.
    expect(availabilityText(tv(5, 5, { roster: null, state: 'AVAILABLE' }))).toBe('5/5 available');
  });
});

describe('upgradeText', () => {
  it('names the stage, with the progress while downloading', () => {
    expect(upgradeText(upgrade())).toBe('Upgrading: downloading 42 %');
    expect(upgradeText(upgrade({ state: 'GRABBING', progress: null }))).toBe('Upgrading: grabbed');
    expect(upgradeText(upgrade({ state: 'IMPORTING', progress: 1 }))).toBe('Upgrading: importing');
    expect(upgradeText(upgrade({ progress: null }))).toBe('Upgrading: downloading');
  });

  it('names the episodes of a TV upgrade, or counts them when there are many', () => {
    expect(upgradeText(upgrade({ episodes: ['S01E01', 'S01E02'] }))).toBe('Upgrading S01E01, S01E02: downloading 42 %');
    expect(upgradeText(upgrade({ episodes: ['S01E01', 'S01E02', 'S01E03'] }))).toBe('Upgrading 3 episodes: downloading 42 %');
  });
});

describe('episodes in the grid', () => {
  const unaired = { ...episode(1, 9, 'SEARCHING'), progress: null, aired: false, air_date_utc: '2026-12-14T12:00:00Z' };
  const searching = { ...episode(1, 8, 'SEARCHING'), progress: null, air_date_utc: '2026-12-07T12:00:00Z' };

  it('an episode that has not aired is shown as such, with the day it airs', () => {
    expect(shownState(unaired)).toBe(UNAIRED);
    expect(stateLabel(UNAIRED)).toBe('Not aired yet');
    expect(episodeText(unaired)).toBe('S01E09 Episode 9 · Not aired yet · airs 2026-12-14');
    // An aired one that nobody found yet is searching, and says when it aired.
    expect(shownState(searching)).toBe('SEARCHING');
    expect(episodeText(searching)).toBe('S01E08 Episode 8 · Searching · aired 2026-12-07');
  });

  it('the legend counts unaired episodes apart from the searching ones', () => {
    const eps = [episode(1, 1, 'AVAILABLE'), searching, unaired];
    expect(
      stateCounts(
        eps.map((e) => ({ state: shownState(e) })),
        [UNAIRED, 'SEARCHING', 'AVAILABLE'],
      ),
    ).toEqual([
      { state: UNAIRED, count: 1 },
      { state: 'SEARCHING', count: 1 },
      { state: 'AVAILABLE', count: 1 },
    ]);
  });

  it('a season row holds only the listed episodes: one left out of the roster is no gap to fill', () => {
    // E02 was unmonitored in Sonarr, so the tracker does not publish it.
    const [row] = seasonRows([episode(1, 3, 'AVAILABLE'), episode(1, 1, 'AVAILABLE'), unaired]);
    expect(row!.episodes.map((e) => e.episode)).toEqual([1, 3, 9]);
    expect(row!.available).toBe(2);
  });

  it('an episode being upgraded says how far the upgrade is and which release', () => {
    const e = { ...episode(1, 1, 'AVAILABLE'), progress: 1, upgrade: upgrade({ release: 'Show.S01E01.2160p' }) };
    expect(episodeText(e)).toBe('S01E01 Episode 1 · Available · upgrade downloading 42 % (Show.S01E01.2160p)');
  });
});

describe('when it should be watchable', () => {
  const now = Date.parse('2026-12-01T20:00:00.000Z');
  const at = (min: number) => new Date(now + min * 60_000).toISOString();

  it('in minutes within the next 90, as a time of day after that, and "any moment" once due', () => {
    expect(watchableText({ watchable_at: at(25), watchable_confidence: 'history' }, now)).toEqual({ text: 'ready in ~25 min', why: 'Estimated from how long each stage took in this home' });
    expect(watchableText({ watchable_at: at(2), watchable_confidence: 'history' }, now)?.text).toBe('ready in ~2 min');
    expect(watchableText({ watchable_at: at(-3), watchable_confidence: 'history' }, now)?.text).toBe('ready any moment now');
    expect(watchableText({ watchable_at: at(100), watchable_confidence: 'history' }, now, 'UTC')?.text).toBe('ready around 21:40');
  });

  it('says when the estimate is made from defaults, and nothing without one', () => {
    expect(watchableText({ watchable_at: at(5), watchable_confidence: 'default' }, now)?.why).toMatch(/default stage durations/);
    expect(watchableText({ watchable_at: null, watchable_confidence: 'unknown' }, now)).toBeNull();
    expect(watchableText(request('x'), now)).toBeNull();
  });
});
