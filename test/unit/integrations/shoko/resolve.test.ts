/** Which tracked file a Shoko file is (A7, D9, D10), and the anime_match events it becomes (E1, C6). */
import { describe, expect, it } from 'vitest';
import type { MediaRequest } from '../../../../src/domain/model.js';
import { episodeKey } from '../../../../src/domain/model.js';
import { crossRefSignature, fileEvent, isAddedReason, movieAddedEvent, REASONS } from '../../../../src/integrations/shoko/map.js';
import { parseShokoEvent, type ShokoMessage } from '../../../../src/integrations/shoko/payloads.js';
import { animeMovieByTmdb, buildCatalog, resolveFile, type Resolution } from '../../../../src/integrations/shoko/resolve.js';
import { v4, v5 } from '../../../fakes/shoko.js';
import { blankRequest } from '../../../helpers/requests.js';

const AT = '2025-03-14T18:00:00.000Z';

function base(id: string, media_type: 'movie' | 'tv', title: string): MediaRequest {
  return blankRequest({ id, media_type, title, is_anime: true, anime_source: 'test', requested_seasons: media_type === 'tv' ? [1] : [] }, AT);
}

function movie(id: string, path: string, extra: Partial<MediaRequest> = {}): MediaRequest {
  return { ...base(id, 'movie', extra.title ?? id), file_path: path, ...extra };
}

function show(id: string, title: string, files: Record<number, string>, extra: Partial<MediaRequest> = {}, shokoIds: Record<number, number> = {}): MediaRequest {
  const r = { ...base(id, 'tv', title), ...extra };
  for (const [ep, path] of Object.entries(files)) {
    const e = Number(ep);
    r.episodes[episodeKey(1, e)] = {
      season: 1,
      episode: e,
      title: null,
      state: 'IMPORTING',
      progress: null,
      hash: null,
      file_path: path,
      release: null,
      air_date_utc: null,
      sonarr_episode_id: null,
      shoko_file_id: shokoIds[e] ?? null,
      history: [],
    };
  }
  return r;
}

const MOVIE = '/data/anime/movies/Summer Ghost (2021)/Summer Ghost (2021) [Bluray-1080p].mkv';
const ep = (e: number, root = '/data/anime'): string => `${root}/Dan Da Dan/Season 01/Dan Da Dan - S01E${String(e).padStart(2, '0')} - Episode ${e} [WEBDL-1080p].mkv`;

function parsed(name: Parameters<typeof parseShokoEvent>[0], payload: unknown): ShokoMessage {
  const r = parseShokoEvent(name, payload);
  if (!r.ok) throw new Error(r.error);
  return r.message;
}

function found(res: Resolution): Exclude<Resolution, { via: 'none' }> {
  if (res.via === 'none') throw new Error(`not resolved: ${res.why}`);
  return res;
}

describe('resolveFile', () => {
  const requests = [movie('m1', MOVIE), show('t1', 'Dan Da Dan', { 1: ep(1), 2: ep(2), 3: ep(3) })];
  const cat = buildCatalog(requests);

  it('matches the mapped absolute path exactly, whatever the separators', () => {
    expect(resolveFile(cat, { fileId: 1, absolutePath: MOVIE, relativePath: 'x' })).toMatchObject({ via: 'path', requestId: 'm1', filePath: MOVIE });
    expect(resolveFile(cat, { fileId: 1, absolutePath: ep(2).replace(/\//g, '\\'), relativePath: 'x' })).toMatchObject({ via: 'path', requestId: 't1', filePath: ep(2) });
  });

  it('falls back to the path tail when the import folder is mounted elsewhere, or unknown', () => {
    const mounted = found(resolveFile(cat, { fileId: 1, absolutePath: ep(3, 'D:/Shoko/Anime'), relativePath: 'Dan Da Dan/Season 01/…' }));
    expect(mounted).toMatchObject({ via: 'path tail', requestId: 't1', filePath: ep(3), episodes: [] });
    const movieOnly = found(resolveFile(cat, { fileId: 1, absolutePath: null, relativePath: '\\Summer Ghost (2021)\\Summer Ghost (2021) [Bluray-1080p].mkv' }));
    expect(movieOnly).toMatchObject({ via: 'path tail', requestId: 'm1', filePath: MOVIE });
  });

  it('never matches on the file name alone, nor on an ambiguous tail (A7)', () => {
    expect(resolveFile(cat, { fileId: 1, absolutePath: '/elsewhere/Summer Ghost (2021) [Bluray-1080p].mkv', relativePath: '' }).via).toBe('none');
    const twins = buildCatalog([movie('a', '/data/anime/x/Film/Film.mkv'), movie('b', '/data/anime/y/Film/Film.mkv')]);
    const res = resolveFile(twins, { fileId: 1, absolutePath: '/mnt/Film/Film.mkv', relativePath: 'Film/Film.mkv' });
    expect(res).toMatchObject({ via: 'none' });
    expect(res.via === 'none' && res.why).toMatch(/matches 2 tracked files/);
    // Three segments tell them apart.
    expect(resolveFile(twins, { fileId: 1, absolutePath: '/mnt/y/Film/Film.mkv', relativePath: 'y/Film/Film.mkv' })).toMatchObject({ via: 'path tail', requestId: 'b' });
  });

  it('uses the tail only for anime requests', () => {
    const notAnime = buildCatalog([movie('m2', MOVIE, { is_anime: false })]);
    expect(resolveFile(notAnime, { fileId: 1, absolutePath: '/mnt/x/Summer Ghost (2021)/Summer Ghost (2021) [Bluray-1080p].mkv', relativePath: '' }).via).toBe('none');
    expect(resolveFile(notAnime, { fileId: 1, absolutePath: MOVIE, relativePath: '' }).via).toBe('path');
  });

  it('falls back to (series, SxxEyy) for an anime TV request that tracks the episode', () => {
    const res = found(resolveFile(cat, { fileId: 1, absolutePath: '/mnt/Dandadan/Season 1/[Group] Dan Da Dan S01E02 [1080p].mkv', relativePath: '' }));
    expect(res).toEqual({ via: 'episode numbers', requestId: 't1', mediaType: 'tv', filePath: null, episodes: [{ season: 1, episode: 2 }] });
    // An episode the request does not track, or another series, is nobody's.
    expect(resolveFile(cat, { fileId: 1, absolutePath: '/mnt/Dandadan/Season 1/Dan Da Dan S01E09.mkv', relativePath: '' }).via).toBe('none');
    expect(resolveFile(cat, { fileId: 1, absolutePath: '/mnt/Frieren/Season 1/Frieren S01E02.mkv', relativePath: '' }).via).toBe('none');
  });

  it('knows a Shoko file id once a request carries it (after a Shoko rename/move)', () => {
    const withIds = buildCatalog([movie('m1', MOVIE, { shoko_file_id: 77 }), show('t1', 'Dan Da Dan', { 1: ep(1), 2: ep(2) }, {}, { 2: 88 })]);
    expect(resolveFile(withIds, { fileId: 77, absolutePath: '/data/anime/renamed/whatever.mkv', relativePath: '' })).toMatchObject({ via: 'file id', requestId: 'm1', filePath: MOVIE });
    expect(resolveFile(withIds, { fileId: 88, absolutePath: '/data/anime/renamed/x.mkv', relativePath: '' })).toMatchObject({
      via: 'file id',
      requestId: 't1',
      episodes: [{ season: 1, episode: 2 }],
    });
  });

  it('an empty path matches nothing, even with candidates around (D10)', () => {
    for (const p of ['', '/', '\\', '  ']) expect(resolveFile(cat, { fileId: 3, absolutePath: null, relativePath: p })).toEqual({ via: 'none', why: 'empty path' });
  });

  it('animeMovieByTmdb only finds open anime movies, newest first', () => {
    const list = [
      movie('old', MOVIE, { tmdb_id: 5, created_at: '2024-01-01T00:00:00Z' }),
      movie('new', MOVIE, { tmdb_id: 5, created_at: '2025-01-01T00:00:00Z' }),
      movie('plain', MOVIE, { tmdb_id: 6, is_anime: false }),
    ];
    expect(animeMovieByTmdb(list, 5)?.id).toBe('new');
    expect(animeMovieByTmdb(list, 6)).toBeUndefined();
  });
});

describe('fileEvent', () => {
  const res: Exclude<Resolution, { via: 'none' }> = { via: 'path', requestId: 'm1', mediaType: 'movie', filePath: MOVIE, episodes: [] };
  const file = { fileId: 41, fileLocationId: 141, importFolderId: 1, relativePath: 'movies/Summer Ghost (2021)/Summer Ghost (2021) [Bluray-1080p].mkv' };

  it('FileDetected / FileHashed → detected; the path is the correlation key', () => {
    const detected = fileEvent(parsed('FileDetected', v5.fileDetected(file)), res, MOVIE)!;
    expect(detected).toEqual({
      kind: 'anime_match',
      key: `shoko:FileDetected:0:${MOVIE}`,
      source: 'shoko',
      match: { file_path: MOVIE, scope: 'active' },
      episodes: [],
      shoko_file_id: null,
      result: 'detected',
      reason: 'Shoko: file detected',
    });
    expect(fileEvent(parsed('FileHashed', v5.fileEvent(file)), res, MOVIE)).toMatchObject({
      key: 'shoko:FileHashed:41:141',
      result: 'detected',
      reason: 'Shoko: file hashed',
      shoko_file_id: 41,
    });
  });

  it('FileMatched with cross-references → matched, with AniDB ids in the reason', () => {
    const m = parsed('FileMatched', v5.fileEvent({ ...file, crossReferences: [{ episodeId: 9, anidbEpisodeId: 210000, seriesId: 8, anidbAnimeId: 15000, groupId: 7 }] }));
    expect(fileEvent(m, res, MOVIE)).toMatchObject({
      key: 'shoko:FileMatched:41:141:15000.210000.8.9',
      result: 'matched',
      reason: 'Shoko: matched to AniDB (anime 15000, episode 210000)',
      shoko_file_id: 41,
      match: { file_path: MOVIE, scope: 'active' },
    });
    const two = parsed(
      'FileMatched',
      v5.fileEvent({
        ...file,
        crossReferences: [
          { episodeId: null, anidbEpisodeId: 1, seriesId: null, anidbAnimeId: 15000, groupId: null },
          { episodeId: null, anidbEpisodeId: 2, seriesId: null, anidbAnimeId: 15000, groupId: null },
        ],
      }),
    );
    expect(fileEvent(two, res, MOVIE)?.reason).toBe('Shoko: matched to AniDB (anime 15000, episodes 1, 2)');
  });

  it('FileMatched without cross-references → detected, and a later full one is a new event (C6)', () => {
    const early = fileEvent(parsed('FileMatched', v5.fileEvent(file)), res, MOVIE)!;
    expect(early).toMatchObject({ result: 'detected', reason: REASONS.waitingXrefs, key: 'shoko:FileMatched:41:141:none' });
    const late = fileEvent(parsed('FileMatched', v5.fileEvent({ ...file, crossReferences: [{ episodeId: null, anidbEpisodeId: 1, seriesId: null, anidbAnimeId: 2, groupId: null }] })), res, MOVIE)!;
    expect(late.key).not.toBe(early.key);
  });

  it('v4.2.2 FileMatched names the Shoko ids; the key falls back to the path without a location id', () => {
    const m = parsed('FileMatched', v4.fileEvent({ relativePath: 'a\\b.mkv', fileId: 12, importFolderId: 1, crossRefs: [{ episodeId: 45, seriesId: 6, groupId: 7 }] }));
    expect(fileEvent(m, res, '/data/anime/a/b.mkv')).toMatchObject({
      result: 'matched',
      reason: 'Shoko: matched (Shoko series 6, episode 45)',
      key: 'shoko:FileMatched:12:/data/anime/a/b.mkv:..6.45',
    });
  });

  it('FileNotMatched → not_matched with a plain reason; the UDP ban is said', () => {
    expect(fileEvent(parsed('FileNotMatched', v5.fileNotMatched(file, { autoMatchAttempts: 2 })), res, MOVIE)).toMatchObject({
      result: 'not_matched',
      reason: 'Shoko: file not matched to AniDB (needs a manual link in Shoko)',
      key: 'shoko:FileNotMatched:41:141:2',
    });
    expect(fileEvent(parsed('FileNotMatched', v5.fileNotMatched(file, { isUdpBanned: true })), res, MOVIE)?.reason).toMatch(/UDP-banned/);
  });

  it('moves, renames and deletes are not match signals', () => {
    expect(fileEvent(parsed('FileDeleted', v5.fileEvent(file)), res, MOVIE)).toBeNull();
    expect(fileEvent(parsed('FileMoved', v5.fileMoved(file, { previousRelativePath: 'a', previousImportFolderId: 1 })), res, MOVIE)).toBeNull();
    expect(fileEvent(parsed('FileRenamed', v5.fileRenamed(file, { fileName: 'a', previousFileName: 'b' })), res, MOVIE)).toBeNull();
  });

  it('tail and episode fallbacks correlate by the tracked path or the request id, with episodes', () => {
    const tailRes: Exclude<Resolution, { via: 'none' }> = { via: 'path tail', requestId: 't1', mediaType: 'tv', filePath: ep(2), episodes: [] };
    expect(fileEvent(parsed('FileHashed', v5.fileEvent(file)), tailRes, '/mnt/elsewhere.mkv')?.match).toEqual({ file_path: ep(2), scope: 'active' });
    const epRes: Exclude<Resolution, { via: 'none' }> = { via: 'episode numbers', requestId: 't1', mediaType: 'tv', filePath: null, episodes: [{ season: 1, episode: 2 }] };
    expect(fileEvent(parsed('FileHashed', v5.fileEvent(file)), epRes, null)).toMatchObject({ match: { request_id: 't1', scope: 'active' }, episodes: [{ season: 1, episode: 2 }] });
  });

  it('never produces anything that says available (E1)', () => {
    const all = [
      parsed('FileDetected', v5.fileDetected(file)),
      parsed('FileHashed', v5.fileEvent(file)),
      parsed('FileMatched', v5.fileEvent({ ...file, crossReferences: [{ episodeId: 1, anidbEpisodeId: 1, seriesId: 1, anidbAnimeId: 1, groupId: 1 }] })),
      parsed('FileNotMatched', v5.fileNotMatched(file)),
    ];
    for (const m of all) expect(['detected', 'matched', 'not_matched']).toContain(fileEvent(m, res, MOVIE)!.result);
    for (const m of all) expect(fileEvent(m, res, MOVIE)!.kind).toBe('anime_match');
  });
});

describe('MovieUpdated', () => {
  it('only Reason "Added" counts; the image reasons are ignored (D1)', () => {
    expect(isAddedReason('Added')).toBe(true);
    expect(isAddedReason('added')).toBe(true);
    for (const r of ['ImageAdded', 'ImageUpdated', 'ImageRemoved', 'Updated', 'Removed', 'None', null]) expect(isAddedReason(r)).toBe(false);
  });

  it('becomes detected for the movie by TMDB id', () => {
    expect(movieAddedEvent(791373, 'TMDB')).toEqual({
      kind: 'anime_match',
      key: 'shoko:MovieUpdated:791373:Added',
      source: 'shoko',
      match: { tmdb_id: 791373, media_type: 'movie', scope: 'active' },
      result: 'detected',
      episodes: [],
      shoko_file_id: null,
      reason: 'Shoko: TMDB movie 791373 added to Shoko',
    });
  });

  it('cross-reference signatures are order-independent', () => {
    const a = { anidbAnimeId: 1, anidbEpisodeId: 2, shokoSeriesId: null, shokoEpisodeId: null };
    const b = { anidbAnimeId: 1, anidbEpisodeId: 3, shokoSeriesId: null, shokoEpisodeId: null };
    expect(crossRefSignature([a, b])).toBe(crossRefSignature([b, a]));
    expect(crossRefSignature([])).toBe('none');
  });
});
