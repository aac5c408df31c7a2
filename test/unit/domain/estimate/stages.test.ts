/** Finished stage durations read from a request's history (src/domain/estimate/stages.ts). */
import { describe, expect, it } from 'vitest';
import { kindOf, stageSamples } from '../../../../src/domain/estimate/stages.js';
import { at, episode, finishedMovie, movie, show } from '../../../helpers/estimate.js';

const brief = (r: Parameters<typeof stageSamples>[0]) => stageSamples(r).map((s) => [s.stage, s.seconds]);

describe('stageSamples: movies', () => {
  it('times every stage of a finished movie, with its kind, instance and end', () => {
    const r = finishedMovie('m1', { grab: 40, start: 15, download: 900, import: 70, library: 200 }, { instance: 'radarr-4k' });
    expect(brief(r)).toEqual([
      ['grab', 40],
      ['start', 15],
      ['download', 900],
      ['import', 70],
      ['library', 200],
    ]);
    const library = stageSamples(r).find((s) => s.stage === 'library')!;
    expect(library).toMatchObject({ kind: 'movie', instance: 'radarr-4k', request: 'm1', finishedAt: at(40 + 15 + 900 + 70 + 200) });
  });

  it('with a start time, only the stages that ended then or later (what one change finished)', () => {
    const r = finishedMovie('m9', { grab: 40, start: 15, download: 900, import: 70, library: 200 });
    const importedAt = at(40 + 15 + 900 + 70);
    expect(stageSamples(r, importedAt).map((s) => s.stage)).toEqual(['import', 'library']);
    expect(stageSamples(r, at(99_999))).toEqual([]);
    expect(stageSamples(r, null)).toEqual(stageSamples(r));
  });

  it('times the grab from the approval, across the search', () => {
    const r = movie('m2', [
      ['REQUESTED', 0],
      ['APPROVED', 10],
      ['SEARCHING', 20],
      ['GRABBING', 100],
    ]);
    expect(brief(r)).toEqual([['grab', 90]]);
  });

  it('anime goes through Shoko: match and anime_library instead of library', () => {
    const r = finishedMovie('a1', { library: 300 }, { anime: true });
    expect(kindOf(r)).toBe('anime_movie');
    expect(brief(r).map(([stage]) => stage)).toEqual(['grab', 'start', 'download', 'import', 'match', 'anime_library']);
    expect(brief(r).at(-1)).toEqual(['anime_library', 300]);
  });

  it('learns nothing from skipped stages: the time between spans several of them', () => {
    const r = movie('m3', [
      ['APPROVED', 0],
      ['GRABBING', 30],
      ['DOWNLOADED', 900],
      ['AVAILABLE', 1200],
    ]);
    expect(brief(r)).toEqual([['grab', 30]]);
  });

  it('a re-grab after a failure times the new download, not the failure', () => {
    const r = movie('m4', [
      ['APPROVED', 0],
      ['GRABBING', 30],
      ['DOWNLOADING', 40],
      ['FAILED', 500],
      ['GRABBING', 600],
      ['DOWNLOADING', 610],
    ]);
    expect(brief(r)).toEqual([
      ['grab', 30],
      ['start', 10],
      ['start', 10],
    ]);
  });

  it('imported history (the back-fill) teaches nothing about the stages before it', () => {
    const r = finishedMovie('m5', {});
    const backfilled = { ...r, available_at: at(-86_400) };
    expect(stageSamples(backfilled)).toEqual([]);
  });

  it('a request with no *arr yet has no instance', () => {
    const r = finishedMovie('m6', {}, { instance: null });
    expect(stageSamples(r).every((s) => s.instance === null)).toBe(true);
  });
});

describe('stageSamples: TV from its episodes', () => {
  it('a season pack moving together is one observation per stage, not one per episode', () => {
    const steps: [Parameters<typeof episode>[2][number][0], number][] = [
      ['APPROVED', 0],
      ['GRABBING', 60],
      ['DOWNLOADING', 70],
      ['DOWNLOADED', 3000],
      ['IMPORTING', 3100],
      ['AVAILABLE', 3400],
    ];
    const r = show('s1', [episode(1, 1, steps), episode(1, 2, steps), episode(1, 3, steps)], 'AVAILABLE', { instance: 'sonarr' });
    expect(brief(r)).toEqual([
      ['grab', 60],
      ['start', 10],
      ['download', 2930],
      ['import', 100],
      ['library', 300],
    ]);
    expect(stageSamples(r)[0]).toMatchObject({ kind: 'tv', instance: 'sonarr' });
  });

  it('episodes on their own times give their own samples', () => {
    const r = show(
      's2',
      [
        episode(1, 1, [
          ['IMPORTING', 0],
          ['AVAILABLE', 60],
        ]),
        episode(1, 2, [
          ['IMPORTING', 1000],
          ['AVAILABLE', 1600],
        ]),
      ],
      'AVAILABLE',
    );
    expect(brief(r)).toEqual([
      ['library', 60],
      ['library', 600],
    ]);
  });

  it("an episode's grab is timed from its air date, not from the approval weeks before", () => {
    const ep = episode(
      1,
      5,
      [
        ['APPROVED', 0],
        ['GRABBING', 30 * 86_400 + 5400],
      ],
      { air_date_utc: at(30 * 86_400) },
    );
    expect(brief(show('s3', [ep], 'GRABBING'))).toEqual([['grab', 5400]]);
  });

  it('an anime series is anime_tv', () => {
    expect(kindOf(show('s4', [], 'APPROVED', { anime: true }))).toBe('anime_tv');
  });
});
