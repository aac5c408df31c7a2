/** The Jellyfin library index (src/integrations/jellyfin/library.ts): pure, no HTTP. */
import { describe, expect, it } from 'vitest';
import type { BaseItemDto } from '../../../../src/integrations/jellyfin/client.js';
import { episodeNumbers, isPlayable, isShokofin, LibraryIndex, toLibItem, type LibItem } from '../../../../src/integrations/jellyfin/library.js';

let n = 0;
const id = (): string => (++n).toString(16).padStart(32, '0');

function dto(o: Partial<BaseItemDto>): BaseItemDto {
  return { Id: id(), Name: 'x', ...o } as BaseItemDto;
}

const movie = (o: Partial<BaseItemDto> = {}) => toLibItem(dto({ Type: 'Movie', Path: '/m.mkv', LocationType: 'FileSystem', ...o }));
const series = (o: Partial<BaseItemDto> = {}) => toLibItem(dto({ Type: 'Series', Path: '/tv/Show', IsFolder: true, ...o }));
const episode = (s: LibItem, season: number, ep: number, o: Partial<BaseItemDto> = {}) =>
  toLibItem(dto({ Type: 'Episode', SeriesId: s.id, ParentIndexNumber: season, IndexNumber: ep, Path: `/tv/S${season}E${ep}.mkv`, LocationType: 'FileSystem', ...o }));

describe('toLibItem', () => {
  it('normalises ids (hyphens, case) and lower-cases provider keys, dropping empty values', () => {
    const item = toLibItem({
      Id: 'A1B2C3D4-E5F6-A7B8-C9D0-E1F2A3B4C5D6',
      Type: 'Episode',
      SeriesId: 'C0FFEE00-1122-3344-5566-778899AABBCC',
      ProviderIds: { Tmdb: ' 693134 ', 'Shoko File': '678', Tvdb: '', Imdb: null },
      ParentIndexNumber: 1,
      IndexNumber: 3,
    });
    expect(item.id).toBe('a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6');
    expect(item.series_id).toBe('c0ffee00112233445566778899aabbcc');
    expect(item.providers).toEqual({ tmdb: '693134', 'shoko file': '678' });
    expect(item.season).toBe(1);
    expect(item.episode).toBe(3);
  });

  it('keeps unknown types as Other (never indexed)', () => {
    const lib = new LibraryIndex();
    lib.upsert(toLibItem(dto({ Type: 'MusicAlbum' })));
    lib.upsert(toLibItem(dto({ Type: 'Season' })));
    expect(lib.size).toBe(0);
  });
});

describe('isPlayable (E3)', () => {
  it('a movie with a path or media sources is playable', () => {
    expect(isPlayable(movie())).toBe(true);
    expect(isPlayable(movie({ Path: null, MediaSources: [{ Id: 'x' }] }))).toBe(true);
  });

  it('a metadata-only movie (no path, no sources) is not', () => {
    expect(isPlayable(movie({ Path: null }))).toBe(false);
    expect(isPlayable(movie({ Path: null, MediaSources: [] }))).toBe(false);
  });

  it('a Virtual item is never playable, even with a path', () => {
    expect(isPlayable(movie({ LocationType: 'Virtual' }))).toBe(false);
    const s = series();
    expect(isPlayable(episode(s, 1, 1, { LocationType: 'Virtual', Path: null }))).toBe(false);
    expect(isPlayable(episode(s, 1, 1, { LocationType: 'Virtual' }))).toBe(false);
  });

  it('a series (a folder with a path) is never playable by itself (E5)', () => {
    expect(isPlayable(series())).toBe(false);
  });
});

describe('episodeNumbers', () => {
  it('covers IndexNumber..IndexNumberEnd for multi-episode files', () => {
    const s = series();
    expect(episodeNumbers(episode(s, 2, 5, { IndexNumberEnd: 7 }))).toEqual([
      { season: 2, episode: 5 },
      { season: 2, episode: 6 },
      { season: 2, episode: 7 },
    ]);
    expect(episodeNumbers(episode(s, 2, 5))).toEqual([{ season: 2, episode: 5 }]);
  });

  it('ignores nonsense ranges and items without numbers', () => {
    const s = series();
    expect(episodeNumbers(episode(s, 1, 5, { IndexNumberEnd: 3 }))).toEqual([{ season: 1, episode: 5 }]);
    expect(episodeNumbers(episode(s, 1, 1, { IndexNumberEnd: 500 }))).toEqual([{ season: 1, episode: 1 }]);
    expect(episodeNumbers(episode(s, 1, 1, { ParentIndexNumber: null }))).toEqual([]);
    expect(episodeNumbers(movie())).toEqual([]);
  });
});

describe('LibraryIndex', () => {
  it('finds movies by exact Tmdb/Imdb strings only', () => {
    const lib = new LibraryIndex();
    const a = movie({ ProviderIds: { Tmdb: '572154', Imdb: 'tt1' } });
    const b = movie({ ProviderIds: { Tmdb: '5721540' } });
    lib.upsert(a);
    lib.upsert(b);
    expect(lib.find('Movie', 'tmdb', 572154).map((i) => i.id)).toEqual([a.id]);
    expect(lib.find('Movie', 'tmdb', '5721540').map((i) => i.id)).toEqual([b.id]);
    expect(lib.find('Movie', 'tmdb', 57215)).toEqual([]);
    expect(lib.find('Movie', 'imdb', 'tt1').map((i) => i.id)).toEqual([a.id]);
    expect(lib.find('Movie', 'tmdb', null)).toEqual([]);
    // A series id is not a movie id.
    expect(lib.find('Series', 'tmdb', 572154)).toEqual([]);
  });

  it('indexes series by Tvdb/Tmdb and episodes per series', () => {
    const lib = new LibraryIndex();
    const s = series({ ProviderIds: { Tvdb: '371980', Tmdb: '100' } });
    lib.upsert(s);
    const e1 = episode(s, 1, 1);
    const e2 = episode(s, 1, 2);
    lib.upsert(e1);
    lib.upsert(e2);
    expect(lib.find('Series', 'tvdb', 371980)).toEqual([s]);
    expect(lib.find('Series', 'tmdb', 100)).toEqual([s]);
    expect(
      lib
        .episodesOf(s.id)
        .map((e) => e.id)
        .sort(),
    ).toEqual([e1.id, e2.id].sort());
    expect(lib.stats()).toEqual({ movies: 0, series: 1, episodes_indexed: 2 });
  });

  it('finds movies and episodes by Shoko File', () => {
    const lib = new LibraryIndex();
    const s = series({ ProviderIds: { 'Shoko Series': '12' } });
    const e = episode(s, 1, 3, { ProviderIds: { 'Shoko File': '678', 'Shoko Episode': '345' } });
    const m = movie({ ProviderIds: { 'Shoko File': '900' } });
    lib.upsert(s);
    lib.upsert(e);
    lib.upsert(m);
    expect(lib.byShokoFile(678)).toEqual([e]);
    expect(lib.byShokoFile('900')).toEqual([m]);
    expect(lib.byShokoFile(67)).toEqual([]);
    expect(isShokofin(e)).toBe(true);
    expect(isShokofin(movie({ ProviderIds: { Tmdb: '1' } }))).toBe(false);
  });

  it('re-indexes an item whose provider ids changed', () => {
    const lib = new LibraryIndex();
    const m = movie({ ProviderIds: {} });
    lib.upsert(m);
    expect(lib.find('Movie', 'tmdb', 1)).toEqual([]);
    lib.upsert({ ...m, providers: { tmdb: '1' } });
    expect(lib.find('Movie', 'tmdb', 1).map((i) => i.id)).toEqual([m.id]);
    lib.upsert({ ...m, providers: { tmdb: '2' } });
    expect(lib.find('Movie', 'tmdb', 1)).toEqual([]);
    expect(lib.stats().movies).toBe(1);
  });

  it('removing a series removes its episodes', () => {
    const lib = new LibraryIndex();
    const s = series({ ProviderIds: { Tvdb: '1' } });
    lib.upsert(s);
    lib.upsert(episode(s, 1, 1, { ProviderIds: { 'Shoko File': '5' } }));
    lib.upsert(episode(s, 1, 2));
    const removed = lib.remove(s.id);
    expect(removed.map((i) => i.type)).toEqual(['Series', 'Episode', 'Episode']);
    expect(lib.size).toBe(0);
    expect(lib.byShokoFile(5)).toEqual([]);
    expect(lib.find('Series', 'tvdb', 1)).toEqual([]);
    expect(lib.stats()).toEqual({ movies: 0, series: 0, episodes_indexed: 0 });
  });

  it('replaceSeriesEpisodes drops episodes no longer listed and marks the series loaded', () => {
    const lib = new LibraryIndex();
    const s = series();
    lib.upsert(s);
    const old = episode(s, 1, 1, { LocationType: 'Virtual', Path: null });
    lib.upsert(old);
    const real = episode(s, 1, 1);
    lib.replaceSeriesEpisodes(s.id, [real, { ...episode(s, 1, 2), series_id: null }], 1000);
    expect(lib.get(old.id)).toBeUndefined();
    expect(lib.episodesOf(s.id)).toHaveLength(2);
    expect(lib.loadedAt(s.id)).toBe(1000);
    lib.invalidateSeriesLoads();
    expect(lib.loadedAt(s.id)).toBeUndefined();
  });

  it('replaceInventory adds, replaces and removes movies/series but keeps episodes of kept series', () => {
    const lib = new LibraryIndex();
    const keep = series({ ProviderIds: { Tvdb: '1' } });
    const gone = movie({ ProviderIds: { Tmdb: '2' } });
    lib.upsert(keep);
    lib.upsert(gone);
    const ep = episode(keep, 1, 1);
    lib.upsert(ep);
    const fresh = movie({ ProviderIds: { Tmdb: '3' } });
    lib.replaceInventory([keep, fresh]);
    expect(lib.get(gone.id)).toBeUndefined();
    expect(lib.get(fresh.id)).toBeDefined();
    expect(lib.get(ep.id)).toBeDefined();
    expect(lib.stats()).toEqual({ movies: 1, series: 1, episodes_indexed: 1 });
  });

  it('looks items up by hyphenated or upper-case ids', () => {
    const lib = new LibraryIndex();
    const m = toLibItem({ Id: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', Type: 'Movie' });
    lib.upsert(m);
    expect(lib.get('A1B2C3D4-E5F6-A7B8-C9D0-E1F2A3B4C5D6')).toBe(m);
    expect(lib.has('a1b2c3d4-e5f6-a7b8-c9d0-e1f2a3b4c5d6')).toBe(true);
  });
});
