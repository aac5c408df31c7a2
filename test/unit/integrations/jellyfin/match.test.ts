/**
 * Matching open requests against the Jellyfin library index, and deletions
 * (src/integrations/jellyfin/match.ts): pure, no HTTP. Events are also run through the real
 * reducer to check what they do to a request.
 */
import { describe, expect, it } from 'vitest';
import type { TrackerEvent } from '../../../../src/domain/events.js';
import { episodeKey, type Episode, type MediaRequest } from '../../../../src/domain/model.js';
import { reduce } from '../../../helpers/reduce.js';
import type { EpisodeState, State } from '../../../../src/domain/states.js';
import type { BaseItemDto } from '../../../../src/integrations/jellyfin/client.js';
import { LibraryIndex, toLibItem, type LibItem } from '../../../../src/integrations/jellyfin/library.js';
import { AVAILABLE_REASON, DELETED_REASON, deletionEvents, matchRequest, matchRequests, pendingEpisodes, type AvailableOut } from '../../../../src/integrations/jellyfin/match.js';
import { blankRequest } from '../../../helpers/requests.js';

// ---------------------------------------------------------------------------------------
// Builders

let n = 0;
const nextId = (): string => (++n).toString(16).padStart(32, '0');
const AT = '2025-03-14T18:00:00.000Z';

function dto(o: Partial<BaseItemDto>): BaseItemDto {
  return { Id: nextId(), Name: 'x', LocationType: 'FileSystem', ...o } as BaseItemDto;
}
const movieItem = (ids: Record<string, string>, o: Partial<BaseItemDto> = {}) => toLibItem(dto({ Type: 'Movie', Path: '/data/movies/x.mkv', ProviderIds: ids, ...o }));
const seriesItem = (ids: Record<string, string>) => toLibItem(dto({ Type: 'Series', Path: '/data/tv/x', IsFolder: true, ProviderIds: ids }));
const episodeItem = (s: LibItem, season: number, episode: number, o: Partial<BaseItemDto> = {}) =>
  toLibItem(dto({ Type: 'Episode', SeriesId: s.id, ParentIndexNumber: season, IndexNumber: episode, Path: `/data/tv/S${season}E${episode}.mkv`, ...o }));

function lib(...items: LibItem[]): LibraryIndex {
  const l = new LibraryIndex();
  for (const i of items) l.upsert(i);
  return l;
}

function base(o: Partial<MediaRequest>): MediaRequest {
  return blankRequest({
    id: 'req',
    media_type: 'movie',
    jellyseerr_request_id: 1,
    phase: 'REQUESTED',
    state_since: '2025-03-14T17:00:00.000Z',
    created_at: '2025-03-14T16:00:00.000Z',
    updated_at: '2025-03-14T17:00:00.000Z',
    ...o,
  });
}

const movieReq = (o: Partial<MediaRequest> = {}) => base({ id: 'movie-1', media_type: 'movie', tmdb_id: 693134, ...o });

function ep(season: number, episode: number, state: EpisodeState = 'IMPORTING', o: Partial<Episode> = {}): Episode {
  return {
    season,
    episode,
    title: null,
    state,
    progress: 1,
    hash: null,
    file_path: null,
    release: null,
    air_date_utc: null,
    sonarr_episode_id: null,
    history: [{ at: '2025-03-14T17:00:00.000Z', state, source: 'sonarr' }],
    ...o,
  };
}

function tvReq(eps: Episode[], o: Partial<MediaRequest> = {}): MediaRequest {
  const episodes: Record<string, Episode> = {};
  for (const e of eps) episodes[episodeKey(e.season, e.episode)] = e;
  // Sonarr's episode list was read: these episodes are everything the request wants.
  return base({ id: 'tv-1', media_type: 'tv', tvdb_id: 371980, tmdb_id: 100088, requested_seasons: [], state: 'IMPORTING', phase: 'IMPORTING', episodes, roster: { from: 'sonarr', at: AT }, ...o });
}

function apply(r: MediaRequest, event: AvailableOut | ReturnType<typeof deletionEvents>[number]): MediaRequest {
  const out = reduce(r, { ...event, at: AT } as TrackerEvent, { verifyAvailability: true });
  return out.request ?? r;
}

// ---------------------------------------------------------------------------------------
// Movies

describe('movies', () => {
  it('matches a playable movie by exact Tmdb and emits one verified available event', () => {
    const m = movieItem({ Tmdb: '693134' });
    const r = movieReq();
    const match = matchRequest(r, lib(m));
    expect(match?.event).toEqual({
      kind: 'available',
      key: expect.stringMatching(new RegExp(`^jellyfin:available:movie-1:${m.id}:[0-9a-f]{8}$`)),
      source: 'jellyfin',
      match: { request_id: 'movie-1', scope: 'any' },
      verified: true,
      episodes: [],
      jellyfin_id: m.id,
      reason: AVAILABLE_REASON,
    });
    const after = apply(r, match!.event);
    expect(after.state).toBe('AVAILABLE');
    expect(after.jellyfin_id).toBe(m.id);
  });

  it('E2: unrelated items (what AnyProviderIdEquals returns) never match; near-miss ids neither', () => {
    const l = lib(
      movieItem({ Tmdb: '572154' }),
      movieItem({ Tmdb: '157336' }),
      movieItem({ Tmdb: '6931340' }),
      movieItem({ Tmdb: '69313' }),
      movieItem({ Imdb: 'tt693134' }),
      seriesItem({ Tmdb: '693134' }),
    );
    expect(matchRequest(movieReq(), l)).toBeNull();
  });

  it('E3: a metadata-only or virtual item never counts, and is reported for a later re-check', () => {
    const meta = movieItem({ Tmdb: '693134' }, { Path: null });
    const virtual = movieItem({ Tmdb: '693134' }, { LocationType: 'Virtual' });
    const report = matchRequests([movieReq()], lib(meta, virtual));
    expect(report.matches).toEqual([]);
    expect(report.unplayable.sort()).toEqual([meta.id, virtual.id].sort());
  });

  it('media sources alone make a movie playable', () => {
    const m = movieItem({ Tmdb: '693134' }, { Path: null, MediaSources: [{ Id: 'x' }] });
    expect(matchRequest(movieReq(), lib(m))?.event.jellyfin_id).toBe(m.id);
  });

  it('falls back to the exact Imdb id', () => {
    const m = movieItem({ Imdb: 'tt15239678' });
    expect(matchRequest(movieReq({ tmdb_id: null, imdb_id: 'tt15239678' }), lib(m))?.event.jellyfin_id).toBe(m.id);
    expect(matchRequest(movieReq({ imdb_id: 'tt15239678' }), lib(m))?.event.jellyfin_id).toBe(m.id);
  });

  it('Shokofin movies (no Tmdb) match through Shoko File; a compilation shown as an episode too (D3)', () => {
    const m = movieItem({ 'Shoko File': '4321', 'Shoko Episode': '77', 'Shoko Series': '9' });
    expect(matchRequest(movieReq({ shoko_file_id: 4321 }), lib(m))?.event.jellyfin_id).toBe(m.id);
    expect(matchRequest(movieReq({ shoko_file_id: 432 }), lib(m))).toBeNull();
    expect(matchRequest(movieReq({ shoko_file_id: null }), lib(m))).toBeNull();
    const s = seriesItem({ 'Shoko Series': '9' });
    const special = episodeItem(s, 0, 1, { ProviderIds: { 'Shoko File': '555' } });
    expect(matchRequest(movieReq({ shoko_file_id: 555 }), lib(s, special))?.event.jellyfin_id).toBe(special.id);
  });

  it('prefers the item the request already points at, else the smallest id', () => {
    const a = movieItem({ Tmdb: '693134' }, { Id: 'ffffffffffffffffffffffffffffffff' });
    const b = movieItem({ Tmdb: '693134' }, { Id: '00000000000000000000000000000001' });
    expect(matchRequest(movieReq(), lib(a, b))?.event.jellyfin_id).toBe(b.id);
    expect(matchRequest(movieReq({ jellyfin_id: a.id }), lib(a, b))?.event.jellyfin_id).toBe(a.id);
  });

  it('closed requests are skipped', () => {
    const m = movieItem({ Tmdb: '693134' });
    for (const state of ['AVAILABLE', 'DELETED', 'DECLINED'] as State[]) expect(matchRequest(movieReq({ state }), lib(m))).toBeNull();
    expect(matchRequest(movieReq({ state: 'APPROVED' }), lib(m))).not.toBeNull();
  });

  it('no title matching (E6): same name, no id → nothing', () => {
    const m = movieItem({}, { Name: 'Dune: Part Two', ProductionYear: 2024 });
    expect(matchRequest(movieReq({ title: 'Dune: Part Two', tmdb_id: 693134 }), lib(m))).toBeNull();
  });

  it('the key is stable for a repeated observation and changes after a new state (re-import)', () => {
    const m = movieItem({ Tmdb: '693134' });
    const l = lib(m);
    const k1 = matchRequest(movieReq(), l)!.event.key;
    expect(matchRequest(movieReq(), l)!.event.key).toBe(k1);
    expect(matchRequest(movieReq({ state_since: '2025-03-15T00:00:00.000Z' }), l)!.event.key).not.toBe(k1);
  });

  it("an available movie's imported upgrade is proven by the item holding the new file, and announced as upgraded", () => {
    const old = movieItem({ Tmdb: '693134' }, { Path: '/data/movies/Dune (2024)/Dune (2024) [Bluray-1080p].mkv' });
    const upgrade = { state: 'IMPORTING' as const, progress: 1, release: 'Dune.2024.2160p.Remux', hash: 'ab'.repeat(20), since: AT };
    const r = movieReq({ state: 'AVAILABLE', jellyfin_id: old.id, file_path: '/movies/Dune (2024)/Dune (2024) [Remux-2160p].mkv', upgrade });
    // Only the old file in the library: nothing proves the upgrade yet.
    expect(matchRequest(r, lib(old))).toBeNull();
    const fresh = movieItem({ Tmdb: '693134' }, { Path: '/data/movies/Dune (2024)/Dune (2024) [Remux-2160p].mkv' });
    const match = matchRequest(r, lib(old, fresh));
    expect(match?.event).toMatchObject({ kind: 'available', jellyfin_id: fresh.id, verified: true });
    const out = reduce(r, { ...match!.event, at: AT } as TrackerEvent, { verifyAvailability: true });
    expect(out.request).toMatchObject({ state: 'AVAILABLE', upgrade: null, jellyfin_id: fresh.id });
    expect(out.effects.map((e) => e.type)).toEqual(['upgraded']);
    // A file replaced under the same name keeps its item: a new key, not a repeat of the first proof.
    const same = movieReq({ state: 'AVAILABLE', jellyfin_id: old.id, file_path: '/movies/Dune (2024)/Dune (2024) [Bluray-1080p].mkv', upgrade });
    expect(matchRequest(same, lib(old))!.event.key).not.toBe(matchRequest(movieReq({ jellyfin_id: old.id }), lib(old))!.event.key);
    // Before the import (still downloading), the library proves nothing about the upgrade.
    expect(matchRequest({ ...r, upgrade: { ...upgrade, state: 'DOWNLOADING' } }, lib(old, fresh))).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------
// TV

describe('tv', () => {
  it('marks only the requested episodes the series really has as playable episodes', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const e1 = episodeItem(s, 1, 1);
    const e2 = episodeItem(s, 1, 2);
    const r = tvReq([ep(1, 1), ep(1, 2), ep(1, 3)]);
    const match = matchRequest(r, lib(s, e1, e2));
    expect(match?.event).toMatchObject({
      kind: 'available',
      verified: true,
      source: 'jellyfin',
      match: { request_id: 'tv-1', scope: 'any' },
      episodes: [
        { season: 1, episode: 1, jellyfin_id: e1.id },
        { season: 1, episode: 2, jellyfin_id: e2.id },
      ],
      reason: AVAILABLE_REASON,
    });
    expect(match?.event.key).toMatch(/^jellyfin:available:tv-1:S01E01,S01E02:[0-9a-f]{8}$/);
    const after = apply(r, match!.event);
    expect(after.state).toBe('PARTIALLY_AVAILABLE');
    expect(after.episodes.S01E01?.jellyfin_id).toBe(e1.id);
    expect(after.episodes.S01E03?.state).toBe('IMPORTING');
  });

  it('E5/A9: a series that exists (with an earlier season) proves nothing about a new season', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const l = lib(s, episodeItem(s, 1, 1), episodeItem(s, 1, 2), episodeItem(s, 2, 1, { LocationType: 'Virtual', Path: null }));
    const r = tvReq([ep(2, 1), ep(2, 2)], { requested_seasons: [2] });
    const report = matchRequests([r], l);
    expect(report.matches).toEqual([]);
    // It asks for the series' episode list instead.
    expect(report.wanted_series).toEqual([s.id]);
    // Once season 2's own episode is there, only that one.
    const e21 = episodeItem(s, 2, 1, { Id: 'e2100000000000000000000000000001' });
    l.upsert(e21);
    expect(matchRequest(r, l)?.event.episodes).toEqual([{ season: 2, episode: 1, jellyfin_id: e21.id }]);
  });

  it('virtual placeholders at the same numbers do not count; the real file beside them does', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const virtual = episodeItem(s, 1, 1, { LocationType: 'Virtual', Path: null, Id: '00000000000000000000000000000abc' });
    const r = tvReq([ep(1, 1)]);
    expect(matchRequest(r, lib(s, virtual))).toBeNull();
    const real = episodeItem(s, 1, 1, { Id: 'fff00000000000000000000000000abc' });
    expect(matchRequest(r, lib(s, virtual, real))?.event.episodes).toEqual([{ season: 1, episode: 1, jellyfin_id: real.id }]);
  });

  it('multi-episode files (IndexNumberEnd) cover every episode they hold', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const double = episodeItem(s, 1, 1, { IndexNumberEnd: 2 });
    const match = matchRequest(tvReq([ep(1, 1), ep(1, 2), ep(1, 3)]), lib(s, double));
    expect(match?.event.episodes).toEqual([
      { season: 1, episode: 1, jellyfin_id: double.id },
      { season: 1, episode: 2, jellyfin_id: double.id },
    ]);
    expect(match?.item_ids).toEqual([double.id]);
  });

  it('finds the series by Tmdb when it has no Tvdb id, never a movie with that id', () => {
    const s = seriesItem({ Tmdb: '100088' });
    const e = episodeItem(s, 1, 1);
    expect(matchRequest(tvReq([ep(1, 1)]), lib(s, e))?.event.episodes).toHaveLength(1);
    const m = movieItem({ Tmdb: '100088' });
    expect(matchRequest(tvReq([ep(1, 1)]), lib(m))).toBeNull();
  });

  it('episodes of another series with the same numbers do not count', () => {
    const other = seriesItem({ Tvdb: '999' });
    expect(matchRequest(tvReq([ep(1, 1)]), lib(other, episodeItem(other, 1, 1)))).toBeNull();
  });

  it('skips settled episodes and episodes outside the requested seasons', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const l = lib(s, episodeItem(s, 1, 1), episodeItem(s, 1, 2), episodeItem(s, 1, 3), episodeItem(s, 2, 1));
    const r = tvReq([ep(1, 1, 'AVAILABLE'), ep(1, 2, 'DELETED'), ep(1, 3, 'DOWNLOADING'), ep(2, 1)], { requested_seasons: [1] });
    expect(pendingEpisodes(r).map((e) => e.episode)).toEqual([3]);
    expect(matchRequest(r, l)?.event.episodes.map((e) => episodeKey(e.season, e.episode))).toEqual(['S01E03']);
    expect(matchRequest(tvReq([ep(1, 1, 'AVAILABLE')]), l)).toBeNull();
  });

  it('anime: episodes match through Shoko File when the Shokofin series has no Tvdb/Tmdb (§6.7)', () => {
    const s = seriesItem({ 'Shoko Series': '12' });
    const e3 = episodeItem(s, 1, 3, { ProviderIds: { 'Shoko File': '678', 'Shoko Episode': '345' } });
    const r = tvReq([ep(1, 3, 'ANIME_MATCHING', { shoko_file_id: 678 }), ep(1, 4, 'ANIME_MATCHING', { shoko_file_id: 679 })], { is_anime: true });
    const report = matchRequests([r], lib(s, e3));
    expect(report.matches[0]?.event.episodes).toEqual([{ season: 1, episode: 3, jellyfin_id: e3.id }]);
    // E04 is still unproven: the series of the matched file is worth loading.
    expect(report.wanted_series).toEqual([s.id]);
  });

  it('anime: Shokofin numbering differs — with a Shoko file id, a Shokofin item at the same numbers does not count', () => {
    const s = seriesItem({ Tvdb: '371980', 'Shoko Series': '12' });
    const wrong = episodeItem(s, 2, 1, { ProviderIds: { 'Shoko File': '111' } });
    const r = tvReq([ep(2, 1, 'ANIME_MATCHING', { shoko_file_id: 222 })]);
    expect(matchRequest(r, lib(s, wrong))).toBeNull();
    // A non-Shokofin library (Jellyfin's own TVDB scanner) still matches by numbers.
    const plain = seriesItem({ Tvdb: '371980' });
    const e = episodeItem(plain, 2, 1);
    expect(matchRequest(r, lib(plain, e))?.event.episodes).toEqual([{ season: 2, episode: 1, jellyfin_id: e.id }]);
    // Without a Shoko file id, numbers are all there is.
    expect(matchRequest(tvReq([ep(2, 1)]), lib(s, wrong))?.event.episodes).toEqual([{ season: 2, episode: 1, jellyfin_id: wrong.id }]);
  });

  it('all episodes present → AVAILABLE through the reducer', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const l = lib(s, episodeItem(s, 1, 1), episodeItem(s, 1, 2));
    const r = tvReq([ep(1, 1), ep(1, 2)], { requested_seasons: [1] });
    const after = apply(r, matchRequest(r, l)!.event);
    expect(after.state).toBe('AVAILABLE');
    expect(Object.values(after.episodes).every((e) => e.state === 'AVAILABLE' && e.jellyfin_id)).toBe(true);
    // Nothing left to say afterwards.
    expect(matchRequest(after, l)).toBeNull();
  });

  it('wanted_series is empty when everything pending was proven', () => {
    const s = seriesItem({ Tvdb: '371980' });
    const report = matchRequests([tvReq([ep(1, 1)])], lib(s, episodeItem(s, 1, 1)));
    expect(report.matches).toHaveLength(1);
    expect(report.wanted_series).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------
// Deletions

describe('deletionEvents', () => {
  const STAMP = '2025-03-14T19:00:00.000Z';

  it('a movie held by a request: scope media, by request id; the reducer moves it to DELETED', () => {
    const r = movieReq({ state: 'AVAILABLE', jellyfin_id: 'aa'.repeat(16) });
    const events = deletionEvents({ id: 'aa'.repeat(16), type: 'Movie', episodes: [] }, [r], STAMP);
    expect(events).toEqual([
      {
        kind: 'deleted',
        key: `jellyfin:deleted:${'aa'.repeat(16)}:movie-1:${STAMP}`,
        source: 'jellyfin',
        match: { request_id: 'movie-1', scope: 'any' },
        scope: 'media',
        episodes: [],
        reason: DELETED_REASON,
      },
    ]);
    expect(apply(r, events[0]!).state).toBe('DELETED');
  });

  it('an episode: scope files with exactly the episodes carrying that id', () => {
    const id = 'bb'.repeat(16);
    const r = tvReq([ep(1, 1, 'AVAILABLE', { jellyfin_id: id }), ep(1, 2, 'AVAILABLE', { jellyfin_id: id }), ep(1, 3, 'AVAILABLE', { jellyfin_id: 'cc'.repeat(16) })], {
      state: 'AVAILABLE',
    });
    const events = deletionEvents({ id, type: 'Episode', episodes: [{ season: 5, episode: 5 }] }, [r], STAMP);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      scope: 'files',
      match: { request_id: 'tv-1' },
      episodes: [
        { season: 1, episode: 1 },
        { season: 1, episode: 2 },
      ],
    });
    const after = apply(r, events[0]!);
    expect(after.episodes.S01E01?.state).toBe('DELETED');
    expect(after.episodes.S01E03?.state).toBe('AVAILABLE');
    expect(after.state).toBe('PARTIALLY_AVAILABLE');
  });

  it('a series: scope media for requests holding one of its episodes', () => {
    const epId = 'dd'.repeat(16);
    const r = tvReq([ep(1, 1, 'AVAILABLE', { jellyfin_id: epId })], { state: 'AVAILABLE' });
    const unrelated = tvReq([ep(1, 1, 'AVAILABLE', { jellyfin_id: 'ee'.repeat(16) })], { id: 'tv-2', state: 'AVAILABLE' });
    const events = deletionEvents({ id: 'ff'.repeat(16), type: 'Series', episodes: [], episode_ids: [epId] }, [r, unrelated], STAMP);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ scope: 'media', match: { request_id: 'tv-1' } });
    expect(apply(r, events[0]!).state).toBe('DELETED');
  });

  it('without known holders the engine finds requests by jellyfin_id (every state)', () => {
    expect(deletionEvents({ id: 'ab'.repeat(16), type: 'Movie', episodes: [] }, [], STAMP)).toEqual([
      expect.objectContaining({ match: { jellyfin_id: 'ab'.repeat(16), media_type: 'movie', scope: 'any' }, scope: 'media' }),
    ]);
    expect(deletionEvents({ id: 'ac'.repeat(16), type: 'Episode', episodes: [{ season: 1, episode: 4 }] }, [], STAMP)).toEqual([
      expect.objectContaining({ match: { jellyfin_id: 'ac'.repeat(16), media_type: 'tv', scope: 'any' }, scope: 'files', episodes: [{ season: 1, episode: 4, jellyfin_id: 'ac'.repeat(16) }] }),
    ]);
    expect(deletionEvents({ id: 'ad'.repeat(16), type: 'Episode', episodes: [] }, [], STAMP)).toEqual([]);
    expect(deletionEvents({ id: 'ae'.repeat(16), type: 'Series', episodes: [], episode_ids: ['01'.repeat(16), '02'.repeat(16)] }, [], STAMP)).toHaveLength(2);
    expect(deletionEvents({ id: 'af'.repeat(16), type: 'Season', episodes: [] }, [], STAMP)).toEqual([]);
  });

  it('a holder that no longer points at the item gets nothing', () => {
    const r = movieReq({ state: 'AVAILABLE', jellyfin_id: '12'.repeat(16) });
    expect(deletionEvents({ id: '34'.repeat(16), type: 'Movie', episodes: [] }, [r], STAMP)).toEqual([]);
  });
});
