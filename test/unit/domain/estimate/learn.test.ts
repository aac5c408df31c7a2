/** The running per-stage estimate (src/domain/estimate/learn.ts) on synthetic histories. */
import { describe, expect, it } from 'vitest';
import { addSample, DEFAULT_DURATIONS, emptyLearned, estimateStage, HALF_LIFE_S, type LearnedDurations, learnFromRequests, SAMPLE_LIMIT } from '../../../../src/domain/estimate/learn.js';
import type { StageSample } from '../../../../src/domain/estimate/stages.js';
import { at, finishedMovie } from '../../../helpers/estimate.js';

const DAY = 86_400;

function sample(seconds: number, finishedAtS: number, o: Partial<StageSample> = {}): StageSample {
  return { stage: 'import', kind: 'movie', instance: 'radarr', seconds, finishedAt: at(finishedAtS), request: `r${finishedAtS}`, ...o };
}

function learn(samples: StageSample[], start = emptyLearned()): LearnedDurations {
  return samples.reduce(addSample, start);
}

describe('estimateStage: too little history', () => {
  it('answers with the default, and says it is one', () => {
    const e = estimateStage(emptyLearned(), 'library', 'movie', 'radarr', at(0));
    expect(e).toEqual({ ...DEFAULT_DURATIONS.library, source: 'default', scope: 'default', samples: 0 });
  });

  it('two samples are still too few; the third makes it history', () => {
    const two = learn([sample(50, 0), sample(70, 100)]);
    expect(estimateStage(two, 'import', 'movie', 'radarr', at(200)).source).toBe('default');
    const three = addSample(two, sample(60, 150));
    expect(estimateStage(three, 'import', 'movie', 'radarr', at(200))).toMatchObject({ source: 'history', scope: 'instance', samples: 3, median_s: 60 });
  });
});

describe('estimateStage: a steady home', () => {
  it('median and 90th percentile of imports between one and two minutes', () => {
    const secs = [60, 65, 70, 75, 80, 85, 90, 95, 100, 105, 110, 115, 120, 62, 68, 72, 78, 88, 92, 98];
    const state = learn(secs.map((s, i) => sample(s, i * 600)));
    const e = estimateStage(state, 'import', 'movie', 'radarr', at(20 * 600));
    expect(e.source).toBe('history');
    expect(e.median_s).toBeGreaterThanOrEqual(80);
    expect(e.median_s).toBeLessThanOrEqual(90);
    expect(e.p90_s).toBeGreaterThanOrEqual(110);
    expect(e.p90_s).toBeLessThanOrEqual(120);
  });
});

describe('estimateStage: an outlier import', () => {
  it('one three-hour import among one-minute ones barely moves the median or the 90th percentile', () => {
    const steady = Array.from({ length: 20 }, (_, i) => sample(60 + (i % 5), i * 600));
    const before = estimateStage(learn(steady), 'import', 'movie', 'radarr', at(DAY));
    const after = estimateStage(learn([...steady, sample(3 * 3600, 20 * 600)]), 'import', 'movie', 'radarr', at(DAY));
    expect(Math.abs(after.median_s - before.median_s)).toBeLessThanOrEqual(1);
    expect(after.p90_s).toBeLessThan(120);
  });
});

describe('estimateStage: per instance, then per kind', () => {
  const fast = Array.from({ length: 5 }, (_, i) => sample(100, i * 60, { instance: 'radarr' }));
  const slow = [sample(1000, 400, { instance: 'radarr-4k' }), sample(1000, 500, { instance: 'radarr-4k' })];

  it('an instance with too few samples falls back to its kind across instances', () => {
    const e = estimateStage(learn([...fast, ...slow]), 'import', 'movie', 'radarr-4k', at(1000));
    expect(e).toMatchObject({ source: 'history', scope: 'kind', samples: 7, median_s: 100 });
  });

  it('an instance with enough samples answers for itself', () => {
    const state = learn([...fast, ...slow, sample(1100, 600, { instance: 'radarr-4k' })]);
    expect(estimateStage(state, 'import', 'movie', 'radarr-4k', at(1000))).toMatchObject({ scope: 'instance', samples: 3, median_s: 1000 });
    expect(estimateStage(state, 'import', 'movie', 'radarr', at(1000))).toMatchObject({ scope: 'instance', median_s: 100 });
  });

  it('a request without an instance uses its kind; another kind learns nothing from it', () => {
    const state = learn(fast);
    expect(estimateStage(state, 'import', 'movie', null, at(1000))).toMatchObject({ scope: 'kind', median_s: 100 });
    expect(estimateStage(state, 'import', 'tv', 'radarr', at(1000)).source).toBe('default');
    expect(estimateStage(state, 'library', 'movie', 'radarr', at(1000)).source).toBe('default');
  });
});

describe('estimateStage: decay', () => {
  it('recent samples outweigh many old ones', () => {
    const old = Array.from({ length: 30 }, (_, i) => sample(60, i));
    const recent = Array.from({ length: 5 }, (_, i) => sample(600, 4 * HALF_LIFE_S + i));
    const now = at(4 * HALF_LIFE_S + 10);
    expect(estimateStage(learn([...old, ...recent]), 'import', 'movie', 'radarr', now).median_s).toBe(600);
  });

  it('without the age difference, the many win', () => {
    const old = Array.from({ length: 30 }, (_, i) => sample(60, i));
    const same = Array.from({ length: 5 }, (_, i) => sample(600, 30 + i));
    expect(estimateStage(learn([...old, ...same]), 'import', 'movie', 'radarr', at(100)).median_s).toBe(60);
  });
});

describe('the learned state', () => {
  it('keeps only the newest samples of a bucket, whatever order they came in', () => {
    const many = Array.from({ length: SAMPLE_LIMIT + 30 }, (_, i) => sample(i < 30 ? 5000 : 50, i * 60));
    const state = learn([...many].reverse());
    expect(state.buckets['import|movie|@radarr']).toHaveLength(SAMPLE_LIMIT);
    expect(state.buckets['import|movie|*']).toHaveLength(SAMPLE_LIMIT);
    // The 30 oldest (the slow ones) are gone.
    expect(estimateStage(state, 'import', 'movie', 'radarr', at(DAY)).p90_s).toBe(50);
  });

  it('adding a sample it already keeps changes nothing', () => {
    const state = learn([sample(60, 0), sample(70, 60)]);
    expect(addSample(state, sample(60, 0))).toBe(state);
  });

  it('is rebuilt from the stored requests, and a second rebuild gives the same', () => {
    const requests = Array.from({ length: 6 }, (_, i) => finishedMovie(`m${i}`, { library: i === 2 ? 5000 : 100 }, { start: i * DAY }));
    const state = learnFromRequests(requests);
    expect(estimateStage(state, 'library', 'movie', 'radarr', at(7 * DAY))).toMatchObject({ source: 'history', samples: 6, median_s: 100 });
    expect(learnFromRequests([...requests, ...requests])).toEqual(state);
  });

  it('survives a JSON round trip', () => {
    const state = learnFromRequests([finishedMovie('m1', {}), finishedMovie('m2', {}, { anime: true })]);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});
