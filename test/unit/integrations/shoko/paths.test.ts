/** Shoko path mapping (D9): import folder + relative path, separators, leading slashes, tails, SxxEyy. */
import { describe, expect, it } from 'vitest';
import { isBlankPath, joinImportPath, normalizePath, parseEpisodeNumbers, sameTail, seriesHints, tail, titleKey } from '../../../../src/integrations/shoko/paths.js';

describe('joinImportPath', () => {
  it('joins a folder ending with a separator and a path without one (Shoko default)', () => {
    expect(joinImportPath('/data/anime/', 'Made in Abyss/Season 1/Made in Abyss - S01E01.mkv')).toBe('/data/anime/Made in Abyss/Season 1/Made in Abyss - S01E01.mkv');
  });

  it('never doubles the slash when the relative path starts with one (D9: "/data//Made in Abyss")', () => {
    expect(joinImportPath('/data/anime/', '/Made in Abyss/Season 1/x.mkv')).toBe('/data/anime/Made in Abyss/Season 1/x.mkv');
    expect(joinImportPath('/data/anime', '/Made in Abyss/x.mkv')).toBe('/data/anime/Made in Abyss/x.mkv');
    expect(joinImportPath('/data/anime', 'Made in Abyss/x.mkv')).toBe('/data/anime/Made in Abyss/x.mkv');
    expect(joinImportPath('/data//anime//', '//Made in Abyss//x.mkv')).toBe('/data/anime/Made in Abyss/x.mkv');
  });

  it('normalises Windows separators on both sides', () => {
    expect(joinImportPath('D:\\Anime\\', 'Made in Abyss\\Season 1\\x.mkv')).toBe('D:/Anime/Made in Abyss/Season 1/x.mkv');
    expect(joinImportPath('D:\\Anime', '\\Made in Abyss\\x.mkv')).toBe('D:/Anime/Made in Abyss/x.mkv');
    expect(joinImportPath('\\\\nas\\anime\\', 'Show\\x.mkv')).toBe('/nas/anime/Show/x.mkv');
  });

  it('handles a root folder and an empty relative path', () => {
    expect(joinImportPath('/', 'x/y.mkv')).toBe('/x/y.mkv');
    expect(joinImportPath('/data/anime/', '')).toBe('/data/anime');
  });
});

describe('tails', () => {
  it('takes the last segments whatever the separators', () => {
    expect(tail('/data/anime/Show/Season 01/ep.mkv', 3)).toBe('Show/Season 01/ep.mkv');
    expect(tail('D:\\Anime\\Show\\Season 01\\ep.mkv', 2)).toBe('Season 01/ep.mkv');
    expect(tail('ep.mkv', 2)).toBeNull();
  });

  it('compares tails case-insensitively and needs every segment', () => {
    expect(sameTail('/data/anime/Show/Season 01/EP.mkv', 'D:\\Other\\show\\season 01\\ep.MKV', 3)).toBe(true);
    expect(sameTail('/data/anime/Show/Season 01/ep.mkv', '/x/Other Show/Season 01/ep.mkv', 3)).toBe(false);
    expect(sameTail('/data/anime/Show/Season 01/ep.mkv', '/x/Other Show/Season 01/ep.mkv', 2)).toBe(true);
    expect(sameTail('ep.mkv', 'ep.mkv', 2)).toBe(false);
  });

  it('normalizePath and blank paths (D10)', () => {
    expect(normalizePath('a\\\\b//c/')).toBe('a/b/c');
    expect(isBlankPath('')).toBe(true);
    expect(isBlankPath('   ')).toBe(true);
    expect(isBlankPath('/')).toBe(true);
    expect(isBlankPath('\\')).toBe(true);
    expect(isBlankPath(null)).toBe(true);
    expect(isBlankPath('a.mkv')).toBe(false);
  });
});

describe('episode numbers and series hints', () => {
  it('parses SxxEyy, multi-episode files and 1x03', () => {
    expect(parseEpisodeNumbers('Dan Da Dan - S01E03 - Episode 3 [WEBDL-1080p].mkv')).toEqual({ season: 1, episodes: [3], prefix: 'Dan Da Dan -' });
    expect(parseEpisodeNumbers('Show.S02E05E06.1080p.mkv')).toMatchObject({ season: 2, episodes: [5, 6] });
    expect(parseEpisodeNumbers('Show - S02E05-E07.mkv')).toMatchObject({ season: 2, episodes: [5, 6, 7] });
    expect(parseEpisodeNumbers('Show - S02E05-07.mkv')).toMatchObject({ season: 2, episodes: [5, 6, 7] });
    expect(parseEpisodeNumbers('Show 1x03.mkv')).toMatchObject({ season: 1, episodes: [3], prefix: 'Show' });
    expect(parseEpisodeNumbers('[SubsPlease] Dandadan - 03 (1080p).mkv')).toBeNull();
    expect(parseEpisodeNumbers('Summer Ghost (2021) [Bluray-1080p].mkv')).toBeNull();
  });

  it('series hints come from the renamer prefix and the series folder above a season folder', () => {
    expect(seriesHints('/x/Dan Da Dan/Season 01/Dan Da Dan - S01E03.mkv')).toEqual([titleKey('Dan Da Dan')]);
    expect(seriesHints('Dandadan/Season 1/[Group] Dan Da Dan S01E03.mkv').sort()).toEqual(['dandadan']);
    expect(seriesHints('Frieren/Frieren.S01E03.mkv')).toEqual(['frieren']);
    expect(titleKey('Frieren: Beyond Journey’s End (2023)')).toBe('frierenbeyondjourneysend');
  });
});
