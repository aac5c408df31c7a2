/**
 * The panel reads what the tracker publishes. Both compile the same contract (src/contract),
 * so the payload types cannot drift; what is checked here is the behaviour: payloads the
 * tracker builds go through the panel's parsers unchanged, and payloads of a tracker that
 * predates a field get the value the field means when absent. The two server types that
 * are still declared outside the contract are checked against it. Real payloads from a
 * running tracker go through the store in panel.connection.test.ts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parseEpisode, parseRequestState } from '../../../../frontend/src/data/payloads.js';
import type { AutoconfigResult } from '../../../../src/autoconfig/types.js';
import type { AutoconfigureResult, WatcherStatus } from '../../../../src/contract/index.js';
import type { Episode } from '../../../../src/domain/model.js';
import { episodesPayload, statePayload } from '../../../../src/features/home-assistant/payloads.js';
import type { WatcherStatus as ServerWatcherStatus } from '../../../../src/watchers/loop.js';
import { blankRequest } from '../../../helpers/requests.js';

const NOW = '2026-12-01T12:00:00.000Z';

const omit = (o: object, keys: string[]): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

function ep(episode: number, patch: Partial<Episode> = {}): Episode {
  return {
    season: 1,
    episode,
    title: `Episode ${episode}`,
    state: 'AVAILABLE',
    progress: 1,
    hash: null,
    file_path: `/tv/Show/Season 01/Show - S01E0${episode}.mkv`,
    release: 'Show.S01.1080p',
    air_date_utc: '2026-11-01T20:00:00Z',
    sonarr_episode_id: null,
    history: [],
    ...patch,
  };
}

/** An airing season: two episodes out (one being upgraded), one still to air. */
const airing = blankRequest({
  id: 'jellyseerr-7',
  media_type: 'tv',
  state: 'PARTIALLY_AVAILABLE',
  is_4k: true,
  roster: { from: 'sonarr', at: NOW },
  episodes: {
    S01E01: ep(1, { upgrade: { state: 'DOWNLOADING', progress: 0.42, release: 'Show.S01E01.2160p', hash: 'ab', since: NOW } }),
    S01E02: ep(2),
    S01E03: ep(3, { state: 'SEARCHING', progress: null, file_path: null, release: null, air_date_utc: '2026-12-14T20:00:00Z' }),
  },
});

describe('the panel reads what the tracker publishes', () => {
  it('server types declared outside the contract stay assignable to it', () => {
    expectTypeOf<ServerWatcherStatus>().toExtend<WatcherStatus>();
    expectTypeOf<AutoconfigResult>().toExtend<AutoconfigureResult>();
  });

  it('parses the new fields as the tracker sends them, without losing any', () => {
    const state = JSON.parse(JSON.stringify(statePayload(airing, undefined, NOW))) as unknown;
    const parsed = parseRequestState(state);
    expect(parsed).toEqual(state);
    expect(parsed).toMatchObject({ is_4k: true, roster: 'sonarr', next_air_date: '2026-12-14T20:00:00Z' });
    expect(parsed?.upgrade).toEqual({ state: 'DOWNLOADING', progress: 0.42, release: 'Show.S01E01.2160p', since: NOW, episodes: ['S01E01'] });

    const episodes = JSON.parse(JSON.stringify(episodesPayload(airing, NOW))) as unknown[];
    const parsedEpisodes = episodes.map((e) => parseEpisode(e, Date.parse(NOW)));
    expect(parsedEpisodes).toEqual(episodes);
    expect(parsedEpisodes.map((e) => e?.aired)).toEqual([true, true, false]);
    expect(parsedEpisodes[0]?.upgrade).toMatchObject({ state: 'DOWNLOADING', progress: 0.42 });
  });

  it('gives payloads without the new fields what their absence means', () => {
    const older = omit(statePayload(airing, undefined, NOW), ['is_4k', 'roster', 'next_air_date', 'upgrade', 'issues']);
    expect(parseRequestState(older)).toMatchObject({ is_4k: false, roster: null, next_air_date: null, upgrade: null, issues: [] });

    const [first, , last] = episodesPayload(airing, NOW).map((e) => omit(e, ['aired', 'upgrade']));
    // Without `aired`, the air date decides, as on the tracker.
    expect(parseEpisode(first, Date.parse(NOW))).toMatchObject({ aired: true, upgrade: null });
    expect(parseEpisode(last, Date.parse(NOW))).toMatchObject({ aired: false, upgrade: null });
  });

  it('keeps the open issues the tracker sends, the resolved ones out, a malformed one left out', () => {
    const issue = {
      id: 7,
      type: 'audio' as const,
      status: 'open' as const,
      reported_by: 'bob',
      message: 'Out of sync',
      last_comment: { by: 'carol', message: 'Same here' },
      since: NOW,
      updated_at: NOW,
    };
    const withIssues = { ...airing, issues: [issue, { ...issue, id: 8, status: 'resolved' as const }] };
    const state = JSON.parse(JSON.stringify(statePayload(withIssues, undefined, NOW))) as Record<string, unknown>;
    expect(parseRequestState(state)?.issues).toEqual([{ id: 7, type: 'audio', reported_by: 'bob', message: 'Out of sync', last_comment: { by: 'carol', message: 'Same here' }, since: NOW }]);
    expect(parseRequestState({ ...state, issues: [{ id: 'x' }, ...(state.issues as unknown[])] })?.issues.map((i) => i.id)).toEqual([7]);
  });

  it('shows no upgrade rather than a malformed one', () => {
    const state = { ...statePayload(airing, undefined, NOW), upgrade: { state: 'PAUSED', since: NOW } };
    expect(parseRequestState(state)?.upgrade).toBeNull();
    expect(parseRequestState({ ...state, roster: 'plex' })?.roster).toBeNull();
  });
});
