import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { animeByRules, formatPath, instanceName, normaliseHash, parseEpisodeNumbers, posterUrl, readDiscriminator, redactEmails, validate } from '../../../src/adapters/validation.js';
import type { AdapterContext } from '../../../src/adapters/types.js';

const ctx: AdapterContext = { anime: { tags: ['anime'], path_patterns: ['/anime/'] } };

describe('formatPath / validate', () => {
  it('dotted paths with array indexes, (body) for the root', () => {
    expect(formatPath(['episodes', 0, 'seasonNumber'])).toBe('episodes.0.seasonNumber');
    expect(formatPath([])).toBe('(body)');
  });

  it('one error per bad field with readable messages', () => {
    const S = z.looseObject({
      a: z.int(),
      b: z.string(),
      c: z.array(z.looseObject({ d: z.boolean() })),
      e: z.enum(['x', 'y']),
    });
    const r = validate(S, { a: 1.5, c: [{ d: true }, { d: 'no' }], e: 'z', extra: 'kept' });
    expect(r).toEqual({
      ok: false,
      errors: [
        { path: 'a', message: 'expected an integer, got 1.5' },
        { path: 'b', message: 'required (expected a string)' },
        { path: 'c.1.d', message: 'expected a boolean, got string' },
        { path: 'e', message: 'expected one of "x", "y", got "z"' },
      ],
    });
  });

  it('unknown keys pass through', () => {
    const r = validate(z.looseObject({ a: z.int() }), { a: 1, extra: { deep: true } });
    expect(r).toEqual({ ok: true, data: { a: 1, extra: { deep: true } } });
  });

  it('readDiscriminator redacts e-mail-looking values in its message', () => {
    const r = readDiscriminator({ t: 'me@example.com' }, 't', ['A', 'B'] as const);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.message).not.toContain('example.com');
    expect(redactEmails('x a.b@c.d y')).toBe('x <e-mail> y');
  });
});

describe('normalisations', () => {
  it('hash lower-cased, absent/empty → null', () => {
    expect(normaliseHash('3C0F9A1B7E2D4C6A8B9E0F1A2B3C4D5E6F708192')).toBe('3c0f9a1b7e2d4c6a8b9e0f1a2b3c4d5e6f708192');
    expect(normaliseHash(undefined)).toBeNull();
    expect(normaliseHash('')).toBeNull();
  });

  it('instance name precedence and character set', () => {
    expect(instanceName({ ...ctx, instance: 'Main' }, 'Sonarr', 'sonarr')).toBe('main');
    expect(instanceName(ctx, 'Sonarr (Anime)', 'sonarr')).toBe('sonarr-anime');
    expect(instanceName(ctx, 'tv_4k-2', 'sonarr')).toBe('tv_4k-2');
    expect(instanceName({ ...ctx, instance: '' }, '', 'radarr')).toBe('radarr');
    expect(instanceName(ctx, undefined, 'radarr')).toBe('radarr');
  });

  it('poster: remoteUrl preferred, url as fallback, null without poster', () => {
    expect(
      posterUrl([
        { coverType: 'fanart', remoteUrl: 'f' },
        { coverType: 'poster', url: 'u', remoteUrl: 'r' },
      ]),
    ).toBe('r');
    expect(posterUrl([{ coverType: 'poster', url: '/MediaCover/1/poster.jpg' }])).toBe('/MediaCover/1/poster.jpg');
    expect(posterUrl([{ coverType: 'banner', remoteUrl: 'b' }])).toBeNull();
    expect(posterUrl(undefined)).toBeNull();
  });

  it('anime rules: tag first, then folder, case-insensitive; null when neither', () => {
    expect(animeByRules('radarr', ['Anime'], '/data/anime/x', ctx)).toEqual({ is_anime: true, source: 'radarr tag "Anime"' });
    expect(animeByRules('radarr', ['x'], '/data/ANIME/x', ctx)).toEqual({ is_anime: true, source: 'radarr folder "/anime/"' });
    expect(animeByRules('radarr', [], '/data/animation/x', ctx)).toBeNull();
    expect(animeByRules('sonarr', undefined, undefined, { anime: { tags: [], path_patterns: [''] } })).toBeNull();
  });
});

describe('parseEpisodeNumbers', () => {
  const se = (path: string) => parseEpisodeNumbers(path).map((x) => `${x.season}x${x.episode}`);

  it.each([
    ['Season 01/Show - S01E05 - Title [WEBDL-1080p].mkv', ['1x5']],
    ['Show.S01E01E02.1080p.mkv', ['1x1', '1x2']],
    ['Show - S01E01-E02 - A + B.mkv', ['1x1', '1x2']],
    ['Show - S01E01-E03 - A.mkv', ['1x1', '1x2', '1x3']],
    ['Show - S01E01-03 - A.mkv', ['1x1', '1x2', '1x3']],
    ['Show - S01E01-02-03 - A.mkv', ['1x1', '1x2', '1x3']],
    ['Show.S01E01.S01E02.mkv', ['1x1', '1x2']],
    ['show.s2e3.mkv', ['2x3']],
    ['Show.S01E05-2024.mkv', ['1x5']],
    ['Show - S01E05 - 1080p.mkv', ['1x5']],
    ['C:\\tv\\Show\\Season 1\\Show.S01E07.mkv', ['1x7']],
    ['/tv/S01E09 Show/Season 01/Show - 09 [1080p].mkv', []],
    ['[SubsPlease] Dandadan - 05 (1080p).mkv', []],
    ['Show.S2024E101.mkv', ['2024x101']],
  ])('%s', (path, expected) => {
    expect(se(path)).toEqual(expected);
  });
});
