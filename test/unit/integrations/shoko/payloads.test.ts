/** Shoko SignalR payload parsing (docs/upstreams.md §6.3 v5, §6.4 v4.2.2): one schema per event, keys case-insensitive. */
import { describe, expect, it } from 'vitest';
import { lowerKeys, parseShokoEvent, SHOKO_EVENTS, type ShokoMessage } from '../../../../src/integrations/shoko/payloads.js';
import { v4, v5 } from '../../../fakes/shoko.js';

function ok(result: ReturnType<typeof parseShokoEvent>): ShokoMessage {
  if (!result.ok) throw new Error(`expected a valid payload: ${result.error}`);
  return result.message;
}

const REL = 'Dan Da Dan/Season 01/Dan Da Dan - S01E03.mkv';

describe('v5 (PascalCase)', () => {
  it('FileDetected has a path and a folder but no file id yet', () => {
    expect(ok(parseShokoEvent('FileDetected', v5.fileDetected({ relativePath: REL, importFolderId: 2 })))).toEqual({
      event: 'FileDetected',
      file: { fileId: null, locationId: null, importFolderId: 2, relativePath: REL },
    });
  });

  it('FileMatched carries AniDB cross-references; Shoko ids may be null for a brand-new anime', () => {
    const payload = v5.fileEvent({
      fileId: 101,
      fileLocationId: 201,
      importFolderId: 1,
      relativePath: REL,
      crossReferences: [{ episodeId: null, anidbEpisodeId: 280003, seriesId: null, anidbAnimeId: 17000, groupId: null }],
    });
    expect(ok(parseShokoEvent('FileMatched', payload))).toEqual({
      event: 'FileMatched',
      file: { fileId: 101, locationId: 201, importFolderId: 1, relativePath: REL },
      crossRefs: [{ anidbAnimeId: 17000, anidbEpisodeId: 280003, shokoSeriesId: null, shokoEpisodeId: null }],
    });
  });

  it('FileHashed with empty CrossReferences, FileDeleted', () => {
    const base = { fileId: 5, fileLocationId: 6, importFolderId: 1, relativePath: REL };
    expect(ok(parseShokoEvent('FileHashed', v5.fileEvent(base)))).toMatchObject({ event: 'FileHashed', crossRefs: [], file: { fileId: 5 } });
    expect(ok(parseShokoEvent('FileDeleted', v5.fileEvent(base)))).toMatchObject({ event: 'FileDeleted', file: { fileId: 5, locationId: 6 } });
  });

  it('FileNotMatched adds AutoMatchAttempts, HasCrossReferences, IsUDPBanned', () => {
    const m = ok(parseShokoEvent('FileNotMatched', v5.fileNotMatched({ fileId: 9, fileLocationId: 9, importFolderId: 1, relativePath: REL }, { autoMatchAttempts: 3, isUdpBanned: true })));
    expect(m).toMatchObject({ event: 'FileNotMatched', autoMatchAttempts: 3, hasCrossReferences: false, isUdpBanned: true });
  });

  it('FileMoved and FileRenamed keep the previous location / name', () => {
    const base = { fileId: 9, fileLocationId: 19, importFolderId: 2, relativePath: 'New/Place.mkv' };
    expect(ok(parseShokoEvent('FileMoved', v5.fileMoved(base, { previousRelativePath: 'Old/Place.mkv', previousImportFolderId: 1 })))).toMatchObject({
      event: 'FileMoved',
      file: { fileId: 9, importFolderId: 2, relativePath: 'New/Place.mkv' },
      previous: { importFolderId: 1, relativePath: 'Old/Place.mkv' },
    });
    expect(ok(parseShokoEvent('FileRenamed', v5.fileRenamed(base, { fileName: 'Place.mkv', previousFileName: 'place.MKV' })))).toMatchObject({
      event: 'FileRenamed',
      fileName: 'Place.mkv',
      previousFileName: 'place.MKV',
    });
    // An older build named them OldFileName / OldRelativePath.
    expect(ok(parseShokoEvent('FileRenamed', { ...v5.fileEvent(base), FileName: 'a.mkv', OldFileName: 'b.mkv' }))).toMatchObject({ previousFileName: 'b.mkv' });
    expect(ok(parseShokoEvent('FileMoved', { ...v5.fileEvent(base), OldRelativePath: 'x/y.mkv', OldImportFolderID: 4 }))).toMatchObject({ previous: { importFolderId: 4, relativePath: 'x/y.mkv' } });
  });

  it('SeriesUpdated, EpisodeUpdated and MovieUpdated are parsed by their own schemas (D1)', () => {
    expect(ok(parseShokoEvent('SeriesUpdated', v5.seriesUpdated({ source: 'AniDB', reason: 'Added', seriesId: 17000, episodes: [{ episodeId: 280001 }, { episodeId: 280002 }] })))).toEqual({
      event: 'SeriesUpdated',
      source: 'AniDB',
      reason: 'Added',
      seriesId: 17000,
      shokoSeriesIds: [],
      episodeCount: 2,
    });
    expect(ok(parseShokoEvent('EpisodeUpdated', v5.episodeUpdated({ source: 'Shoko', reason: 'Added', episodeId: 900, seriesId: 90, shokoEpisodeIds: [900] })))).toEqual({
      event: 'EpisodeUpdated',
      source: 'Shoko',
      reason: 'Added',
      episodeId: 900,
      seriesId: 90,
      shokoEpisodeIds: [900],
    });
    // No RelativePath at all: valid for MovieUpdated.
    expect(ok(parseShokoEvent('MovieUpdated', v5.movieUpdated({ reason: 'Added', movieId: 791373, shokoSeriesIds: [12] })))).toEqual({
      event: 'MovieUpdated',
      source: 'TMDB',
      reason: 'Added',
      movieId: 791373,
      shokoSeriesIds: [12],
      shokoEpisodeIds: [],
    });
  });

  it('a MovieUpdated is not a file event and a file event is not a MovieUpdated', () => {
    expect(parseShokoEvent('MovieUpdated', v5.fileEvent({ fileId: 1, fileLocationId: 1, importFolderId: 1, relativePath: REL })).ok).toBe(false);
    // Parsed as a file event, a MovieUpdated simply has no path and no file id (dropped later, D10).
    expect(ok(parseShokoEvent('FileMatched', v5.movieUpdated({ reason: 'Added', movieId: 1 })))).toMatchObject({ file: { fileId: null, relativePath: '' } });
  });
});

describe('v4.2.2 (camelCase)', () => {
  it('FileMatched with crossRefs holding Shoko ids only', () => {
    const m = ok(parseShokoEvent('FileMatched', v4.fileEvent({ relativePath: REL, fileId: 12, importFolderId: 3, crossRefs: [{ episodeId: 45, seriesId: 6, groupId: 7 }] })));
    expect(m).toEqual({
      event: 'FileMatched',
      file: { fileId: 12, locationId: null, importFolderId: 3, relativePath: REL },
      crossRefs: [{ anidbAnimeId: null, anidbEpisodeId: null, shokoSeriesId: 6, shokoEpisodeId: 45 }],
    });
  });

  it('FileDetected, and FileMoved in the old new*/old* model', () => {
    expect(ok(parseShokoEvent('FileDetected', v4.fileDetected({ relativePath: REL, importFolderId: 3 })))).toMatchObject({ file: { importFolderId: 3, relativePath: REL } });
    const moved = ok(parseShokoEvent('FileMoved', v4.fileMoved({ fileId: 12, newImportFolderId: 2, oldImportFolderId: 1, newRelativePath: 'b/c.mkv', oldRelativePath: 'a/c.mkv' })));
    expect(moved).toMatchObject({ event: 'FileMoved', file: { fileId: 12, importFolderId: 2, relativePath: 'b/c.mkv' }, previous: { importFolderId: 1, relativePath: 'a/c.mkv' } });
  });

  it('SeriesUpdated / EpisodeUpdated with Shoko ids', () => {
    expect(ok(parseShokoEvent('SeriesUpdated', v4.seriesUpdated({ seriesId: 6, groupId: 7 })))).toMatchObject({ seriesId: 6, source: null, reason: null });
    expect(ok(parseShokoEvent('EpisodeUpdated', v4.episodeUpdated({ episodeId: 45, seriesId: 6, groupId: 7 })))).toMatchObject({ episodeId: 45, seriesId: 6 });
  });
});

describe('keys and invalid payloads', () => {
  it('matches keys case-insensitively, nested ones too', () => {
    expect(lowerKeys({ FileID: 1, CrossReferences: [{ AnidbAnimeID: 2 }] })).toEqual({ fileid: 1, crossreferences: [{ anidbanimeid: 2 }] });
    const m = ok(parseShokoEvent('FileMatched', { fileid: 3, RELATIVEPATH: 'a/b.mkv', ImportFolderId: 1, CrossRefs: [{ AniDBEpisodeID: 9, AniDBAnimeID: 8 }] }));
    expect(m).toMatchObject({ file: { fileId: 3, relativePath: 'a/b.mkv', importFolderId: 1 }, crossRefs: [{ anidbAnimeId: 8, anidbEpisodeId: 9 }] });
  });

  it('v6 ManagedFolderID stands in for ImportFolderID', () => {
    expect(ok(parseShokoEvent('FileHashed', { FileID: 3, ManagedFolderID: 4, RelativePath: 'x.mkv' }))).toMatchObject({ file: { importFolderId: 4 } });
  });

  it('rejects wrong types and non-objects with a message, for every event', () => {
    for (const name of SHOKO_EVENTS) {
      for (const bad of [null, 'text', 42, [1, 2]]) {
        const r = parseShokoEvent(name, bad);
        expect(r.ok, `${name} ${JSON.stringify(bad)}`).toBe(false);
      }
    }
    const r = parseShokoEvent('FileMatched', { FileID: 'x', RelativePath: 'a.mkv' });
    expect(r).toMatchObject({ ok: false });
    expect(!r.ok && r.error).toMatch(/fileid/);
    expect(parseShokoEvent('MovieUpdated', { Reason: 'Added' }).ok).toBe(false);
    expect(parseShokoEvent('FileMatched', { FileID: 1, RelativePath: 'a.mkv', CrossReferences: 'nope' }).ok).toBe(false);
  });
});
