/** The bounded update rate of the estimate (shouldPublish in src/domain/estimate/compose.ts). */
import { describe, expect, it } from 'vitest';
import { estimateWatchable, PUBLISH_INTERVAL_S, type Published, type RequestEstimate, shouldPublish } from '../../../../src/domain/estimate/compose.js';
import { emptyLearned } from '../../../../src/domain/estimate/learn.js';
import { at, download, movie } from '../../../helpers/estimate.js';

/** An estimate made at `nowS`, watchable `inS` later. */
function est(nowS: number, inS: number, o: Partial<RequestEstimate> = {}): RequestEstimate {
  return {
    state: 'DOWNLOADING',
    watchable_at: at(nowS + inS),
    watchable_in_s: inS,
    confidence: 'history',
    why: null,
    stages: [{ stage: 'download', seconds: inS, source: 'client' }],
    episodes: {},
    ...o,
  };
}

const published = (estimate: RequestEstimate, atS: number): Published => ({ estimate, at: at(atS) });

describe('shouldPublish: a new state goes out at once', () => {
  it('the first estimate', () => {
    expect(shouldPublish(null, est(0, 600), at(0))).toEqual({ publish: true });
  });

  it('a new state, even a second after the last', () => {
    const prev = published(est(0, 600), 0);
    expect(shouldPublish(prev, est(1, 599, { state: 'DOWNLOADED' }), at(1))).toEqual({ publish: true });
  });

  it("an episode's new state, an episode added or become watchable", () => {
    const prev = published(est(0, 600, { episodes: { S01E01: est(0, 600) } }), 0);
    expect(shouldPublish(prev, est(1, 599, { episodes: { S01E01: est(1, 599, { state: 'DOWNLOADED' }) } }), at(1))).toEqual({ publish: true });
    expect(shouldPublish(prev, est(1, 599, { episodes: {} }), at(1))).toEqual({ publish: true });
    expect(shouldPublish(prev, est(1, 599, { episodes: { S01E01: est(1, 599), S01E02: est(1, 900) } }), at(1))).toEqual({ publish: true });
  });
});

describe('shouldPublish: what else the estimate says', () => {
  const stalled = (t: number) => est(t, 0, { watchable_at: null, watchable_in_s: null, confidence: 'unknown', why: 'download stalled' });

  it('a new confidence, or the estimate going or coming back, goes out once 30 s have passed since the last', () => {
    const prev = published(est(0, 600), 0);
    expect(shouldPublish(prev, est(40, 560, { confidence: 'default' }), at(40))).toEqual({ publish: true });
    expect(shouldPublish(prev, stalled(40), at(40))).toEqual({ publish: true });
    expect(shouldPublish(published(stalled(0), 0), est(40, 600), at(40))).toEqual({ publish: true });
  });

  it('within 30 s of the last it waits, and says when to look again', () => {
    expect(shouldPublish(published(est(0, 600), 0), stalled(5), at(5))).toEqual({ publish: false, recheck_in_s: PUBLISH_INTERVAL_S - 5 });
  });

  it('a client whose ETA comes and goes every few seconds republishes at most once per 30 s', () => {
    let prev: Published | null = null;
    const times: number[] = [];
    for (let t = 0; t < 600; t++) {
      const r = movie('x', [['DOWNLOADING', 0]], {}, { downloads: download('h1', { eta_s: t % 4 < 2 ? 900 : null, client_state: t % 8 < 4 ? 'downloading' : 'stalledDL' }) });
      const next = estimateWatchable(r, emptyLearned(), at(t));
      if (shouldPublish(prev, next, at(t)).publish) {
        prev = { estimate: next, at: at(t) };
        times.push(t);
      }
    }
    expect(times.length).toBeGreaterThan(1);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(PUBLISH_INTERVAL_S);
  });
});

describe('shouldPublish: ETA drift', () => {
  it('an estimate that holds (time passing as predicted) is not republished', () => {
    const prev = published(est(0, 600), 0);
    expect(shouldPublish(prev, est(300, 300), at(300))).toEqual({ publish: false, recheck_in_s: null });
  });

  it('a move under a minute is not news', () => {
    const prev = published(est(0, 600), 0);
    expect(shouldPublish(prev, est(100, 550), at(100))).toEqual({ publish: false, recheck_in_s: null });
  });

  it('a move under a tenth of a long wait is not news either', () => {
    const prev = published(est(0, 10 * 3600), 0);
    expect(shouldPublish(prev, est(100, 10 * 3600 + 1800), at(100))).toEqual({ publish: false, recheck_in_s: null });
  });

  it('a real move goes out, but not sooner than 30 s after the last one; the decision says when to look again', () => {
    const prev = published(est(0, 600), 0);
    expect(shouldPublish(prev, est(10, 900), at(10))).toEqual({ publish: false, recheck_in_s: PUBLISH_INTERVAL_S - 10 });
    expect(shouldPublish(prev, est(30, 900), at(30))).toEqual({ publish: true });
  });

  it('small moves add up against the last published value', () => {
    let prev = published(est(0, 600), 0);
    let publishes = 0;
    // The ETA slips 20 s every 10 s: each step is small, together they are news.
    for (let t = 10; t <= 300; t += 10) {
      const next = est(t, 600 - t + 2 * t);
      if (shouldPublish(prev, next, at(t)).publish) {
        prev = published(next, t);
        publishes++;
      }
    }
    expect(publishes).toBeGreaterThan(0);
    expect(publishes).toBeLessThanOrEqual(300 / PUBLISH_INTERVAL_S);
  });

  it('a jittery client ETA republishes at most once per 30 s', () => {
    // The client's ETA swings by minutes every second for an hour, as qBittorrent's does on a
    // torrent with few peers; the request is re-estimated on every update.
    let prev: Published | null = null;
    const times: number[] = [];
    for (let t = 0; t < 3600; t++) {
      const eta = 1800 + (t % 7 < 3 ? 600 : -600) + ((t * 37) % 120);
      const r = movie('x', [['DOWNLOADING', 0]], {}, { downloads: download('h1', { eta_s: eta }) });
      const next = estimateWatchable(r, emptyLearned(), at(t));
      if (shouldPublish(prev, next, at(t)).publish) {
        prev = { estimate: next, at: at(t) };
        times.push(t);
      }
    }
    expect(times.length).toBeGreaterThan(1);
    expect(times.length).toBeLessThanOrEqual(3600 / PUBLISH_INTERVAL_S + 1);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(PUBLISH_INTERVAL_S);
  });
});
