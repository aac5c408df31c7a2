import { describe, expect, it } from 'vitest';
import { parseRadarr } from '../../../../src/integrations/radarr/adapter.js';
import type { AdapterContext } from '../../../../src/adapters/types.js';
import { errors, fixtures, one } from '../../../helpers/adapters.js';

const ctx: AdapterContext = { anime: { tags: ['anime'], path_patterns: ['/anime-movies/'] } };
const { fixture, edited } = fixtures('radarr');

const DUNE_ARR = { service: 'radarr', instance: 'radarr', id: 412 } as const;
const DUNE_HASH = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';

const FIXTURES = ['grab', 'download', 'movie-added', 'movie-delete', 'movie-file-delete', 'manual-interaction-required', 'test'];

describe('parseRadarr: fixtures', () => {
  it.each(FIXTURES)('%s parses', (name) => {
    const result = parseRadarr(fixture(name), ctx);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) for (const e of result.events) expect(e.source).toBe('radarr');
  });

  it('Grab → grabbed', () => {
    const e = one(parseRadarr(fixture('grab'), ctx), 'grabbed');
    expect(e.hash).toBe(DUNE_HASH);
    expect(e.arr).toEqual(DUNE_ARR);
    expect(e.episodes).toEqual([]);
    expect(e.media).toEqual({
      media_type: 'movie',
      title: 'Dune: Part Two',
      year: 2024,
      tmdb_id: 693134,
      imdb_id: 'tt15239678',
      poster_url: 'https://image.tmdb.org/t/p/original/1pdfLvkbY9ohJlCjQH2CZjjYVvJ.jpg',
    });
    expect(e.release).toEqual({
      title: 'Dune.Part.Two.2024.1080p.BluRay.x264-GROUP',
      size: 15032385536,
      quality: 'Bluray-1080p',
      indexer: 'TorrentLeech (Prowlarr)',
      download_client: 'qBittorrent',
      // From `downloadClientType`: the grab says torrent before any client is read.
      protocol: 'torrent',
    });
    expect(e.anime).toEqual({ is_anime: false, source: 'radarr: no anime tag or folder' });
    expect(e.match).toEqual({ media_type: 'movie', hash: DUNE_HASH, arr: DUNE_ARR, tmdb_id: 693134, scope: 'active' });
    expect(e.key).toBe(`radarr:radarr:grab:${DUNE_HASH}:412`);
  });

  it('Grab: the protocol follows the client implementation the grab names; Download Station and unknown names say none', () => {
    const protocolOf = (type: unknown) =>
      one(
        parseRadarr(
          edited('grab', (b) => (type === undefined ? delete b.downloadClientType : (b.downloadClientType = type))),
          ctx,
        ),
        'grabbed',
      ).release.protocol;
    expect(protocolOf('SABnzbd')).toBe('usenet');
    expect(protocolOf('NZBGet')).toBe('usenet');
    expect(protocolOf('Deluge')).toBe('torrent');
    expect(protocolOf('Transmission')).toBe('torrent');
    expect(protocolOf('Download Station')).toBeUndefined();
    expect(protocolOf('Some Future Client')).toBeUndefined();
    expect(protocolOf(null)).toBeUndefined();
    expect(protocolOf(undefined)).toBeUndefined();
  });

  it('Download (§2.3) → imported with the movie file', () => {
    const e = one(parseRadarr(fixture('download'), ctx), 'imported');
    expect(e.hash).toBe(DUNE_HASH);
    expect(e.files).toEqual([{ path: '/data/movies/Dune Part Two (2024)/Dune Part Two (2024) [Bluray-1080p].mkv', episodes: [] }]);
    expect(e.episodes).toEqual([]);
    expect(e.is_upgrade).toBe(false);
    expect(e.media.poster_url).toBeNull(); // images: []
    expect(e.match).toEqual({ media_type: 'movie', hash: DUNE_HASH, arr: DUNE_ARR, tmdb_id: 693134, scope: 'active' });
    expect(e.key).toBe('radarr:radarr:download:977');
  });

  it('Download without downloadId (manual import) → hash null, no match.hash', () => {
    const e = one(
      parseRadarr(
        edited('download', (b) => delete b.downloadId),
        ctx,
      ),
      'imported',
    );
    expect(e.hash).toBeNull();
    expect(e.match).not.toHaveProperty('hash');
  });

  it('MovieAdded → media_added, anime by folder', () => {
    const e = one(parseRadarr(fixture('movie-added'), ctx), 'media_added');
    expect(e.arr).toEqual({ service: 'radarr', instance: 'radarr', id: 518 });
    expect(e.media).toMatchObject({ media_type: 'movie', title: 'Suzume', year: 2022, tmdb_id: 916224 });
    expect(e.anime).toEqual({ is_anime: true, source: 'radarr folder "/anime-movies/"' });
    expect(e.match).toEqual({
      media_type: 'movie',
      arr: { service: 'radarr', instance: 'radarr', id: 518 },
      tmdb_id: 916224,
      scope: 'active',
    });
    expect(e.key).toBe('radarr:radarr:add:518');
  });

  it('anime tag wins over folder, case-insensitively', () => {
    const body = edited('movie-added', (b) => (b.movie.tags = ['ANIME']));
    const e = one(parseRadarr(body, ctx), 'media_added');
    expect(e.anime).toEqual({ is_anime: true, source: 'radarr tag "ANIME"' });
  });

  it('MovieDelete → deleted scope media', () => {
    const e = one(parseRadarr(fixture('movie-delete'), ctx), 'deleted');
    expect(e.scope).toBe('media');
    expect(e.episodes).toEqual([]);
    expect(e.reason).toBe('Radarr: movie deleted (files deleted)');
    expect(e.match).toEqual({ media_type: 'movie', arr: DUNE_ARR, tmdb_id: 693134, scope: 'any' });
    expect(e.key).toBe('radarr:radarr:delete:412');
  });

  it('MovieFileDelete → deleted scope files', () => {
    const e = one(parseRadarr(fixture('movie-file-delete'), ctx), 'deleted');
    expect(e.scope).toBe('files');
    expect(e.reason).toBe('Radarr: movie file deleted (missingFromDisk)');
    expect(e.match.scope).toBe('any');
    expect(e.key).toBe('radarr:radarr:file-delete:977');
  });

  it('MovieFileDelete for an upgrade → no event', () => {
    const result = parseRadarr(
      edited('movie-file-delete', (b) => (b.deleteReason = 'upgrade')),
      ctx,
    );
    expect(result).toEqual({ ok: true, events: [], note: expect.stringContaining('replaced by an upgrade') });
  });

  it('ManualInteractionRequired → import_blocked', () => {
    const e = one(parseRadarr(fixture('manual-interaction-required'), ctx), 'import_blocked');
    expect(e.hash).toBe(DUNE_HASH);
    expect(e.episodes).toEqual([]);
    expect(e.message).toBe(
      'Radarr: import blocked — Dune.Part.Two.2024.1080p.BluRay.x264-GROUP: Movie [Dune: Part Two (2024)][tt15239678, 693134] ' +
        'was not found in the grabbed release: Dune.Part.Two.2024.1080p.BluRay.x264-GROUP',
    );
    expect(e.match).toMatchObject({ hash: DUNE_HASH, scope: 'active' });
    expect(e.key).toBe(`radarr:radarr:blocked:${DUNE_HASH}`);
  });

  it('ManualInteractionRequired without messages falls back to the status', () => {
    const body = edited('manual-interaction-required', (b) => delete b.downloadStatusMessages);
    const e = one(parseRadarr(body, ctx), 'import_blocked');
    expect(e.message).toBe('Radarr: import blocked — download status Warning');
  });

  it('Test (§2.1) → ok, no events', () => {
    expect(parseRadarr(fixture('test'), ctx)).toEqual({
      ok: true,
      events: [],
      note: 'Radarr test event, nothing to track',
    });
  });

  it.each(['ApplicationUpdate', 'Rename'])('%s → ok, no events', (eventType) => {
    const result = parseRadarr({ eventType, level: 'warning', message: 'x', instanceName: 'Radarr' }, ctx);
    expect(result).toMatchObject({ ok: true, events: [] });
  });

  it.each([
    ['Health', false],
    ['HealthRestored', true],
  ] as const)('%s → no events, a health notice (restored: %s)', (eventType, restored) => {
    const body = {
      eventType,
      level: 'Error',
      message: 'No download client is available',
      type: 'DownloadClientCheck',
      wikiUrl: 'https://wiki.servarr.com/radarr/system#no-download-client-is-available',
      instanceName: 'Radarr 4K',
      applicationUrl: '',
    };
    expect(parseRadarr(body, ctx)).toMatchObject({
      ok: true,
      events: [],
      notices: [{ kind: 'health', instance: 'radarr-4k', restored, level: 'error', check: 'DownloadClientCheck', message: 'No download client is available', wiki_url: body.wikiUrl }],
    });
  });

  it('keys are distinct across fixtures and stable across parses', () => {
    const keys = FIXTURES.flatMap((n) => {
      const r = parseRadarr(fixture(n), ctx);
      return r.ok ? r.events.map((e) => e.key) : [];
    });
    expect(keys).toHaveLength(6);
    expect(new Set(keys).size).toBe(6);
    for (const n of FIXTURES) expect(parseRadarr(fixture(n), ctx)).toEqual(parseRadarr(fixture(n), ctx));
  });

  it('a different upgrade file gets a different download key', () => {
    const a = one(parseRadarr(fixture('download'), ctx), 'imported');
    const b = one(
      parseRadarr(
        edited('download', (x) => {
          x.movieFile.id = 978;
          x.isUpgrade = true;
        }),
        ctx,
      ),
      'imported',
    );
    expect(b.key).not.toBe(a.key);
    expect(b.is_upgrade).toBe(true);
  });

  it('instance from the route context', () => {
    const e = one(parseRadarr(fixture('grab'), { ...ctx, instance: 'Radarr4K' }), 'grabbed');
    expect(e.arr.instance).toBe('radarr4k');
    expect(e.key.startsWith('radarr:radarr4k:grab:')).toBe(true);
  });

  it('tmdbId 0 is omitted from match and null in media', () => {
    const e = one(
      parseRadarr(
        edited('movie-added', (b) => (b.movie.tmdbId = 0)),
        ctx,
      ),
      'media_added',
    );
    expect(e.match).not.toHaveProperty('tmdb_id');
    expect(e.media.tmdb_id).toBeNull();
  });
});

describe('parseRadarr: invalid input', () => {
  it.each([null, '{"eventType":"Grab"}', 3.14, []])('non-object body %j → (body)', (body) => {
    expect(errors(parseRadarr(body, ctx))).toEqual([{ path: '(body)', message: expect.any(String) }]);
  });

  it('missing eventType', () => {
    expect(errors(parseRadarr({ movie: {} }, ctx)).map((e) => e.path)).toEqual(['eventType']);
  });

  it('eventType of the wrong type', () => {
    expect(errors(parseRadarr({ eventType: 4 }, ctx))).toEqual([{ path: 'eventType', message: expect.stringContaining('expected a string') }]);
  });

  it('unknown eventType lists the accepted values', () => {
    const [err] = errors(parseRadarr({ eventType: 'SeriesAdd' }, ctx));
    expect(err!.path).toBe('eventType');
    expect(err!.message).toContain('MovieAdded');
    expect(err!.message).toContain('MovieFileDelete');
  });

  it('names each bad field', () => {
    const body = edited('download', (b) => {
      b.movie.tmdbId = '693134';
      delete b.movie.id;
      b.movieFile.path = null;
      b.isUpgrade = 'no';
      b.downloadId = 123;
    });
    const errs = errors(parseRadarr(body, ctx));
    // isUpgrade is descriptive: a wrong type drops it, it never refuses the event.
    expect(errs.map((e) => e.path).sort()).toEqual(['downloadId', 'movie.id', 'movie.tmdbId', 'movieFile.path']);
    expect(errs).toContainEqual({ path: 'movie.tmdbId', message: 'expected a number, got string' });
  });

  it('missing movie object', () => {
    const body = edited('grab', (b) => delete b.movie);
    expect(errors(parseRadarr(body, ctx))).toEqual([{ path: 'movie', message: 'required (expected an object)' }]);
  });
});
