import { describe, expect, it } from 'vitest';
import { parseSonarr } from '../../../../src/integrations/sonarr/adapter.js';
import type { AdapterContext } from '../../../../src/adapters/types.js';
import { errors, fixtures, one, paths } from '../../../helpers/adapters.js';

const ctx: AdapterContext = { anime: { tags: ['anime'], path_patterns: ['/anime/'] } };
const { fixture, edited } = fixtures('sonarr');

const FIXTURES = [
  'grab-anime-season-pack',
  'grab-season-pack',
  'download-episode',
  'download-import-complete',
  'series-add',
  'series-delete',
  'episode-file-delete',
  'manual-interaction-required',
  'test',
  'health',
];

describe('parseSonarr: fixtures', () => {
  it.each(FIXTURES)('%s parses', (name) => {
    const result = parseSonarr(fixture(name), ctx);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    if (result.ok) {
      for (const e of result.events) {
        expect(e.source).toBe('sonarr');
        expect(e).not.toHaveProperty('at');
      }
    }
  });

  it('anime season-pack Grab (§1.10)', () => {
    const e = one(parseSonarr(fixture('grab-anime-season-pack'), ctx), 'grabbed');
    expect(e.hash).toBe('3c0f9a1b7e2d4c6a8b9e0f1a2b3c4d5e6f708192');
    expect(e.arr).toEqual({ service: 'sonarr', instance: 'sonarr', id: 57 });
    expect(e.anime).toEqual({ is_anime: true, source: 'sonarr series type "anime"' });
    expect(e.media).toEqual({
      media_type: 'tv',
      title: 'Dan Da Dan',
      year: 2024,
      tmdb_id: 240411,
      tvdb_id: 433925,
      imdb_id: 'tt30217403',
      poster_url: 'https://artworks.thetvdb.com/banners/v4/series/433925/posters/66d2.jpg',
    });
    expect(e.release).toEqual({
      title: '[SubsPlease] Dandadan (01-12) (1080p) [Batch]',
      size: 17179869184,
      quality: 'WEBDL-1080p',
      indexer: 'Nyaa (Prowlarr)',
      download_client: 'qBittorrent',
      protocol: 'torrent',
    });
    expect(e.episodes).toEqual([
      {
        season: 1,
        episode: 1,
        title: "That's How Love Starts, Ya Know?",
        air_date_utc: '2024-10-03T15:25:00Z',
        sonarr_episode_id: 4101,
      },
    ]);
    expect(e.match).toEqual({
      media_type: 'tv',
      hash: '3c0f9a1b7e2d4c6a8b9e0f1a2b3c4d5e6f708192',
      arr: { service: 'sonarr', instance: 'sonarr', id: 57 },
      tmdb_id: 240411,
      tvdb_id: 433925,
      scope: 'active',
    });
    expect(e.key).toBe('sonarr:sonarr:grab:3c0f9a1b7e2d4c6a8b9e0f1a2b3c4d5e6f708192:4101');
  });

  it('regular season-pack Grab lists all 10 episodes, not anime', () => {
    const e = one(parseSonarr(fixture('grab-season-pack'), ctx), 'grabbed');
    expect(e.hash).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f9001122334');
    expect(e.episodes.map((x) => `${x.season}x${x.episode}`)).toEqual(['2x1', '2x2', '2x3', '2x4', '2x5', '2x6', '2x7', '2x8', '2x9', '2x10']);
    expect(e.episodes.map((x) => x.sonarr_episode_id)).toEqual([2201, 2202, 2203, 2204, 2205, 2206, 2207, 2208, 2209, 2210]);
    expect(e.anime).toEqual({ is_anime: false, source: 'sonarr series type "standard"' });
    // The banner comes first in images[]; the poster is picked.
    expect(e.media.poster_url).toBe('https://artworks.thetvdb.com/banners/v4/series/403245/posters/62c3.jpg');
    expect(e.key).toBe('sonarr:sonarr:grab:a1b2c3d4e5f60718293a4b5c6d7e8f9001122334:2201,2202,2203,2204,2205,2206,2207,2208,2209,2210');
  });

  it('Grab key does not depend on episode order', () => {
    const a = one(parseSonarr(fixture('grab-season-pack'), ctx), 'grabbed');
    const b = one(
      parseSonarr(
        edited('grab-season-pack', (b) => b.episodes.reverse()),
        ctx,
      ),
      'grabbed',
    );
    expect(b.key).toBe(a.key);
    expect(b.episodes).toEqual(a.episodes);
  });

  it('Grab without downloadId: hash null, no match.hash, key falls back to the release title', () => {
    const e = one(
      parseSonarr(
        edited('grab-season-pack', (b) => delete b.downloadId),
        ctx,
      ),
      'grabbed',
    );
    expect(e.hash).toBeNull();
    expect(e.match).not.toHaveProperty('hash');
    expect(e.key).toContain(':grab:The.Bear.S02.1080p.DSNP.WEB-DL.DDP5.1.H.264-NTb:');
  });

  it('per-file Download → imported with that file and its episode', () => {
    const e = one(parseSonarr(fixture('download-episode'), ctx), 'imported');
    expect(e.hash).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f9001122334');
    const ep = { season: 2, episode: 1, title: 'Beef', air_date_utc: '2023-06-22T04:00:00Z', sonarr_episode_id: 2201 };
    expect(e.files).toEqual([{ path: '/data/tv/The Bear/Season 02/The Bear - S02E01 - Beef [WEBDL-1080p].mkv', episodes: [ep] }]);
    expect(e.episodes).toEqual([ep]);
    expect(e.is_upgrade).toBe(false);
    expect(e.match.scope).toBe('active');
    expect(e.key).toBe('sonarr:sonarr:download:8801');
  });

  it('per-file Download of an upgrade keeps is_upgrade', () => {
    const e = one(
      parseSonarr(
        edited('download-episode', (b) => (b.isUpgrade = true)),
        ctx,
      ),
      'imported',
    );
    expect(e.is_upgrade).toBe(true);
  });

  it('manual import (no downloadId) → hash null', () => {
    const e = one(
      parseSonarr(
        edited('download-episode', (b) => {
          delete b.downloadId;
          delete b.downloadClient;
          delete b.downloadClientType;
          b.release = { releaseType: 'unknown' };
        }),
        ctx,
      ),
      'imported',
    );
    expect(e.hash).toBeNull();
    expect(e.match).not.toHaveProperty('hash');
  });

  it('import-complete Download maps each file to ITS episodes, incl. the double episode', () => {
    const e = one(parseSonarr(fixture('download-import-complete'), ctx), 'imported');
    expect(e.hash).toBe('d4e5f60718293a4b5c6d7e8f9001122334a1b2c3');
    expect(e.is_upgrade).toBe(false);
    const byPath = Object.fromEntries(e.files.map((f) => [f.path, f.episodes.map((x) => x.sonarr_episode_id)]));
    expect(byPath).toEqual({
      '/data/tv/Andor/Season 01/Andor - S01E03 - Reckoning [WEBDL-2160p].mkv': [5003],
      '/data/tv/Andor/Season 01/Andor - S01E01-E02 - Kassa + That Would Be Me [WEBDL-2160p].mkv': [5001, 5002],
      '/data/tv/Andor/Season 01/Andor - S01E04 - Aldhani [WEBDL-2160p].mkv': [5004],
    });
    // File order is the payload's; episodes are never paired by position.
    expect(e.files[0]!.episodes[0]).toEqual({
      season: 1,
      episode: 3,
      title: 'Reckoning',
      air_date_utc: '2022-09-21T08:20:00Z',
      sonarr_episode_id: 5003,
    });
    expect(e.episodes.map((x) => x.episode)).toEqual([1, 2, 3, 4]);
    expect(e.key).toBe('sonarr:sonarr:download-complete:d4e5f60718293a4b5c6d7e8f9001122334a1b2c3:7102,7103,7104');
  });

  it('import-complete: S01E01E02 naming is understood too', () => {
    const e = one(
      parseSonarr(
        edited('download-import-complete', (b) => {
          b.episodeFiles[1].relativePath = 'Season 01/Andor.S01E01E02.2160p.mkv';
          b.episodeFiles[1].path = '/data/tv/Andor/Season 01/Andor.S01E01E02.2160p.mkv';
        }),
        ctx,
      ),
      'imported',
    );
    expect(e.files[1]!.episodes.map((x) => x.episode)).toEqual([1, 2]);
  });

  it('import-complete: a file whose episodes cannot be determined gets []', () => {
    const e = one(
      parseSonarr(
        edited('download-import-complete', (b) => {
          for (const f of b.episodeFiles) {
            f.relativePath = f.relativePath.replace(/S01E\d+(-E\d+)?/, 'Part');
            f.path = f.path.replace(/S01E\d+(-E\d+)?/, 'Part');
            delete f.sceneName;
          }
        }),
        ctx,
      ),
      'imported',
    );
    expect(e.files.map((f) => f.episodes)).toEqual([[], [], []]);
    expect(e.episodes).toHaveLength(4);
  });

  it('import-complete: a file naming an episode not in episodes[] gets []', () => {
    const e = one(
      parseSonarr(
        edited('download-import-complete', (b) => {
          b.episodeFiles[2].relativePath = 'Season 01/Andor - S01E09 - Other.mkv';
          b.episodeFiles[2].path = '/data/tv/Andor/Season 01/Andor - S01E09 - Other.mkv';
          b.episodeFiles[2].sceneName = 'Andor.S01E09.mkv';
        }),
        ctx,
      ),
      'imported',
    );
    expect(e.files[2]!.episodes).toEqual([]);
  });

  it('import-complete without downloadId uses "manual" in the key', () => {
    const e = one(
      parseSonarr(
        edited('download-import-complete', (b) => delete b.downloadId),
        ctx,
      ),
      'imported',
    );
    expect(e.hash).toBeNull();
    expect(e.key).toBe('sonarr:sonarr:download-complete:manual:7102,7103,7104');
  });

  it('SeriesAdd → media_added', () => {
    const e = one(parseSonarr(fixture('series-add'), ctx), 'media_added');
    expect(e.arr).toEqual({ service: 'sonarr', instance: 'sonarr', id: 44 });
    expect(e.media).toMatchObject({ media_type: 'tv', title: 'Severance', year: 2022, tvdb_id: 371980, tmdb_id: 95396 });
    expect(e.anime).toEqual({ is_anime: false, source: 'sonarr series type "standard"' });
    expect(e.match).toEqual({
      media_type: 'tv',
      arr: { service: 'sonarr', instance: 'sonarr', id: 44 },
      tmdb_id: 95396,
      tvdb_id: 371980,
      scope: 'active',
    });
    expect(e.key).toBe('sonarr:sonarr:add:44');
  });

  it('SeriesDelete → deleted scope media, match scope any', () => {
    const e = one(parseSonarr(fixture('series-delete'), ctx), 'deleted');
    expect(e.scope).toBe('media');
    expect(e.episodes).toEqual([]);
    expect(e.reason).toBe('Sonarr: series deleted (files deleted)');
    expect(e.match.scope).toBe('any');
    expect(e.match.arr).toEqual({ service: 'sonarr', instance: 'sonarr', id: 44 });
    expect(e.key).toBe('sonarr:sonarr:delete:44');
    const kept = one(
      parseSonarr(
        edited('series-delete', (b) => (b.deletedFiles = false)),
        ctx,
      ),
      'deleted',
    );
    expect(kept.reason).toBe('Sonarr: series deleted (files kept)');
  });

  it('EpisodeFileDelete → deleted scope files with its episodes', () => {
    const e = one(parseSonarr(fixture('episode-file-delete'), ctx), 'deleted');
    expect(e.scope).toBe('files');
    expect(e.episodes).toEqual([{ season: 2, episode: 3, title: 'Sundae', air_date_utc: '2023-06-22T04:00:00Z', sonarr_episode_id: 2203 }]);
    expect(e.reason).toBe('Sonarr: episode file deleted (manual)');
    expect(e.match.scope).toBe('any');
    expect(e.key).toBe('sonarr:sonarr:file-delete:8803');
  });

  it('EpisodeFileDelete for an upgrade → no event', () => {
    const result = parseSonarr(
      edited('episode-file-delete', (b) => (b.deleteReason = 'upgrade')),
      ctx,
    );
    expect(result).toEqual({ ok: true, events: [], note: expect.stringContaining('replaced by an upgrade') });
  });

  it('ManualInteractionRequired → import_blocked with the status messages', () => {
    const e = one(parseSonarr(fixture('manual-interaction-required'), ctx), 'import_blocked');
    expect(e.hash).toBe('b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80');
    expect(e.message).toBe(
      'Sonarr: import blocked — One or more episodes expected in this release were not imported or missing from the release; ' +
        'Severance.S02E02.1080p.ATVP.WEB-DL.DDP5.1.H.264-FLUX.mkv: Episode file already imported at 03/14/2025 18:22:05',
    );
    expect(e.episodes.map((x) => x.sonarr_episode_id)).toEqual([6101, 6102]);
    expect(e.arr).toEqual({ service: 'sonarr', instance: 'sonarr', id: 44 });
    expect(e.match).toMatchObject({ scope: 'active', hash: 'b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80' });
    expect(e.key).toBe('sonarr:sonarr:blocked:b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f80');
  });

  it('ManualInteractionRequired with only the generic title', () => {
    const e = one(
      parseSonarr(
        edited('manual-interaction-required', (b) => b.downloadStatusMessages.splice(1, 1)),
        ctx,
      ),
      'import_blocked',
    );
    expect(e.message).toBe('Sonarr: import blocked — One or more episodes expected in this release were not imported or missing from the release');
  });

  it('test → ok, no events', () => {
    expect(parseSonarr(fixture('test'), ctx)).toEqual({ ok: true, events: [], note: 'Sonarr test event, nothing to track' });
  });

  it('Health → no events, a notice for the source health in its own words', () => {
    expect(parseSonarr(fixture('health'), ctx)).toEqual({
      ok: true,
      events: [],
      note: 'Sonarr health check failing: IndexerLongTermStatusCheck',
      notices: [
        {
          kind: 'health',
          instance: 'sonarr',
          restored: false,
          level: 'warning',
          check: 'IndexerLongTermStatusCheck',
          message: 'Indexers unavailable due to failures for more than 6 hours: Nyaa (Prowlarr)',
          wiki_url: 'https://wiki.servarr.com/sonarr/system#indexers-are-unavailable-due-to-failures-for-more-than-6-hours',
        },
      ],
    });
  });

  it('HealthRestored names the same check; the route names the instance', () => {
    const body = { ...fixture('health'), eventType: 'HealthRestored', level: 'ok' };
    expect(parseSonarr(body, { ...ctx, instance: 'Anime' })).toMatchObject({
      ok: true,
      events: [],
      notices: [{ kind: 'health', instance: 'anime', restored: true, level: 'ok', check: 'IndexerLongTermStatusCheck' }],
    });
  });

  it.each(['ApplicationUpdate', 'Rename'])('%s → ok, no events', (eventType) => {
    const result = parseSonarr({ eventType, instanceName: 'Sonarr', message: 'x' }, ctx);
    expect(result).toMatchObject({ ok: true, events: [] });
  });

  it('every fixture event key is distinct', () => {
    const keys = FIXTURES.flatMap((n) => {
      const r = parseSonarr(fixture(n), ctx);
      return r.ok ? r.events.map((e) => e.key) : [];
    });
    expect(keys).toHaveLength(8);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('parsing twice gives identical events (deterministic)', () => {
    for (const n of FIXTURES) expect(parseSonarr(fixture(n), ctx)).toEqual(parseSonarr(fixture(n), ctx));
  });
});

describe('parseSonarr: instance and anime rules', () => {
  it('ctx.instance wins over instanceName and is normalised', () => {
    const e = one(parseSonarr(fixture('series-add'), { ...ctx, instance: 'Sonarr 4K!' }), 'media_added');
    expect(e.arr.instance).toBe('sonarr-4k');
    expect(e.key).toBe('sonarr:sonarr-4k:add:44');
  });

  it('payload instanceName is used when the route has none', () => {
    const e = one(
      parseSonarr(
        edited('series-add', (b) => (b.instanceName = 'Sonarr_Anime')),
        ctx,
      ),
      'media_added',
    );
    expect(e.arr.instance).toBe('sonarr_anime');
  });

  it('defaults to "sonarr" without any name', () => {
    const e = one(
      parseSonarr(
        edited('series-add', (b) => delete b.instanceName),
        ctx,
      ),
      'media_added',
    );
    expect(e.arr.instance).toBe('sonarr');
  });

  it('a configured tag marks a standard series as anime', () => {
    const body = edited('series-add', (b) => (b.series.tags = ['Anime', 'x']));
    const e = one(parseSonarr(body, ctx), 'media_added');
    expect(e.anime).toEqual({ is_anime: true, source: 'sonarr tag "Anime"' });
  });

  it('a configured folder pattern marks a standard series as anime', () => {
    const body = edited('series-add', (b) => (b.series.path = '/data/Anime/Severance'));
    const e = one(parseSonarr(body, ctx), 'media_added');
    expect(e.anime).toEqual({ is_anime: true, source: 'sonarr folder "/anime/"' });
  });
});

describe('parseSonarr: invalid input', () => {
  it.each([null, 'text', 42, [1, 2], undefined])('non-object body %j → (body)', (body) => {
    const errs = errors(parseSonarr(body, ctx));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.path).toBe('(body)');
  });

  it('missing eventType is named', () => {
    const errs = errors(parseSonarr({ series: {} }, ctx));
    expect(errs).toEqual([{ path: 'eventType', message: expect.stringContaining('required') }]);
  });

  it('unknown eventType lists the accepted values', () => {
    const errs = errors(parseSonarr({ eventType: 'DownloadFailed' }, ctx));
    expect(errs).toHaveLength(1);
    expect(errs[0]!.path).toBe('eventType');
    expect(errs[0]!.message).toContain('"DownloadFailed"');
    for (const v of ['Grab', 'Download', 'SeriesAdd', 'ManualInteractionRequired', 'Test']) {
      expect(errs[0]!.message).toContain(v);
    }
  });

  it('camelCase eventType is rejected (wire format is PascalCase)', () => {
    expect(paths(parseSonarr({ eventType: 'grab' }, ctx))).toEqual(['eventType']);
  });

  it('names each bad field with a dotted path', () => {
    const body = edited('grab-season-pack', (b) => {
      b.series.tvdbId = '403245';
      delete b.series.id;
      b.episodes[0].seasonNumber = 'two';
      b.episodes[3].episodeNumber = 4.5;
      b.release = 'x';
    });
    const errs = errors(parseSonarr(body, ctx));
    expect(errs).toContainEqual({ path: 'series.tvdbId', message: 'expected a number, got string' });
    expect(errs.map((e) => e.path).sort()).toEqual(['episodes.0.seasonNumber', 'episodes.3.episodeNumber', 'release', 'series.id', 'series.tvdbId']);
    expect(errs.find((e) => e.path === 'series.id')!.message).toContain('required');
    expect(errs.find((e) => e.path === 'episodes.3.episodeNumber')!.message).toBe('expected an integer, got 4.5');
  });

  it('a Download with neither episodeFile nor episodeFiles names episodeFile', () => {
    const body = edited('download-episode', (b) => delete b.episodeFile);
    expect(paths(parseSonarr(body, ctx))).toEqual(['episodeFile']);
  });

  it('import-complete with a bad file names it by index', () => {
    const body = edited('download-import-complete', (b) => {
      b.episodeFiles[1].id = null;
      b.episodeFiles[2].path = 7;
    });
    expect(paths(parseSonarr(body, ctx)).sort()).toEqual(['episodeFiles.1.id', 'episodeFiles.2.path']);
  });

  it('Test/Health pass even with odd bodies (envelope only)', () => {
    expect(parseSonarr({ eventType: 'Test' }, ctx)).toMatchObject({ ok: true, events: [] });
    expect(parseSonarr({ eventType: 'Health', level: 5 }, ctx)).toMatchObject({ ok: true, events: [], notices: [{ level: 'warning', message: 'A health check failed', wiki_url: null }] });
  });
});
