/** When a request should be watchable (src/domain/estimate/compose.ts), on synthetic histories. */
import { describe, expect, it } from 'vitest';
import { estimateWatchable } from '../../../../src/domain/estimate/compose.js';
import { addSample, DEFAULT_DURATIONS, emptyLearned, learnFromRequests } from '../../../../src/domain/estimate/learn.js';
import type { Episode } from '../../../../src/domain/model.js';
import { at, download, episode, finishedMovie, movie, show } from '../../../helpers/estimate.js';

const DAY = 86_400;
const NOW_S = 30 * DAY;
const NOW = at(NOW_S);

/** A series episode that aired, was grabbed an hour later and reached Jellyfin (library `library` s). */
function airedEpisode(n: number, startS: number, library = 60): Episode {
  return episode(
    1,
    n,
    [
      ['APPROVED', startS - DAY],
      ['GRABBING', startS + 3600],
      ['DOWNLOADING', startS + 3610],
      ['DOWNLOADED', startS + 4810],
      ['IMPORTING', startS + 4870],
      ['AVAILABLE', startS + 4870 + library],
    ],
    { air_date_utc: at(startS) },
  );
}

/** Ten movies (grab 30, start 20, download 1200, import 60, library 180) and ten episodes. */
const steady = learnFromRequests([
  ...Array.from({ length: 10 }, (_, i) => finishedMovie(`m${i}`, {}, { start: i * DAY })),
  ...Array.from({ length: 10 }, (_, i) => show(`s${i}`, [airedEpisode(1, i * DAY)], 'AVAILABLE')),
]);

const downloading = (o: Parameters<typeof download>[1] = {}) => movie('x', [['DOWNLOADING', NOW_S - 300]], {}, { downloads: download('h1', o) });

describe('a steady home', () => {
  it('a download with an ETA: the ETA, then the learned import and library scan', () => {
    const e = estimateWatchable(downloading({ eta_s: 600 }), steady, NOW);
    expect(e).toMatchObject({ state: 'DOWNLOADING', watchable_in_s: 840, watchable_at: at(NOW_S + 840), confidence: 'history', why: null });
    expect(e.stages).toEqual([
      { stage: 'download', seconds: 600, source: 'client' },
      { stage: 'import', seconds: 60, source: 'history' },
      { stage: 'library', seconds: 180, source: 'history' },
    ]);
  });

  it("the caller's ETA (the payload's) is used when given", () => {
    expect(estimateWatchable(downloading({ eta_s: 600 }), steady, NOW, 300).watchable_in_s).toBe(540);
  });

  it('a client without an ETA: the learned download, scaled to what is left', () => {
    const e = estimateWatchable(downloading({ eta_s: null, progress: 0.75, client_state: 'downloading' }), steady, NOW);
    expect(e.stages[0]).toEqual({ stage: 'download', seconds: 300, source: 'history' });
    expect(e.watchable_in_s).toBe(300 + 60 + 180);
  });

  it('grabbed, the client not started: the rest of the start, the learned download and the rest', () => {
    const r = movie('x', [['GRABBING', NOW_S - 5]]);
    const e = estimateWatchable(r, steady, NOW);
    expect(e.stages.map((s) => [s.stage, s.seconds])).toEqual([
      ['start', 15],
      ['download', 1200],
      ['import', 60],
      ['library', 180],
    ]);
  });

  it('grabbed and the client already gives an ETA: the start is over', () => {
    const r = movie('x', [['GRABBING', NOW_S - 5]], {}, { downloads: download('h1', { eta_s: 100 }) });
    expect(estimateWatchable(r, steady, NOW).stages.map((s) => s.stage)).toEqual(['download', 'import', 'library']);
  });

  it('importing for 30 s: the library scan left is its median less that', () => {
    const e = estimateWatchable(movie('x', [['IMPORTING', NOW_S - 30]]), steady, NOW);
    expect(e.stages).toEqual([{ stage: 'library', seconds: 150, source: 'history' }]);
  });

  it('an available request is watchable since it became so', () => {
    const r = finishedMovie('done', {}, { start: NOW_S - 3600 });
    expect(estimateWatchable(r, steady, NOW)).toMatchObject({ watchable_at: r.available_at, watchable_in_s: 0, stages: [] });
  });
});

describe('a stage running long', () => {
  // Library scans of 100 s, sometimes 300 s: median 100, 90th percentile 300.
  const spread = [100, 100, 100, 100, 100, 100, 100, 300, 300, 300].reduce(
    (s, secs, i) => addSample(s, { stage: 'library', kind: 'movie', instance: 'radarr', seconds: secs, finishedAt: at(i * 60), request: `r${i}` }),
    emptyLearned(),
  );

  it('past its median, the 90th percentile is expected', () => {
    const e = estimateWatchable(movie('x', [['IMPORTING', NOW_S - 150]]), spread, NOW);
    expect(e.stages).toEqual([{ stage: 'library', seconds: 150, source: 'history' }]);
  });

  it('past its 90th percentile, it is counted as about to end and flagged overdue', () => {
    const e = estimateWatchable(movie('x', [['IMPORTING', NOW_S - 400]]), spread, NOW);
    expect(e.stages).toEqual([{ stage: 'library', seconds: 0, source: 'history', overdue: true }]);
    expect(e.watchable_in_s).toBe(0);
  });
});

describe('a slow Jellyfin scan for one kind only', () => {
  const slowMovies = learnFromRequests([
    ...Array.from({ length: 6 }, (_, i) => finishedMovie(`m${i}`, { library: 1200 }, { start: i * DAY })),
    ...Array.from({ length: 6 }, (_, i) => show(`s${i}`, [airedEpisode(1, i * DAY, 60)], 'AVAILABLE')),
  ]);

  it('movies wait for the slow scan, episodes do not', () => {
    const m = estimateWatchable(movie('x', [['IMPORTING', NOW_S]]), slowMovies, NOW);
    const importing = episode(1, 2, [['IMPORTING', NOW_S]]);
    const s = estimateWatchable(show('y', [importing], 'IMPORTING'), slowMovies, NOW);
    expect(m.watchable_in_s).toBe(1200);
    expect(s.watchable_in_s).toBe(60);
    expect(s.episodes.S01E02?.watchable_in_s).toBe(60);
  });
});

describe('too little history', () => {
  it('the defaults, said to be defaults', () => {
    const e = estimateWatchable(movie('x', [['DOWNLOADED', NOW_S]]), emptyLearned(), NOW);
    expect(e.confidence).toBe('default');
    expect(e.stages).toEqual([
      { stage: 'import', seconds: DEFAULT_DURATIONS.import.median_s, source: 'default' },
      { stage: 'library', seconds: DEFAULT_DURATIONS.library.median_s, source: 'default' },
    ]);
    expect(e.watchable_in_s).toBe(DEFAULT_DURATIONS.import.median_s + DEFAULT_DURATIONS.library.median_s);
  });

  it('one stage on its default makes the whole estimate a default one', () => {
    const onlyImports = learnFromRequests(
      Array.from({ length: 5 }, (_, i) =>
        movie(`m${i}`, [
          ['DOWNLOADED', i * DAY],
          ['IMPORTING', i * DAY + 60],
        ]),
      ),
    );
    const e = estimateWatchable(movie('x', [['DOWNLOADED', NOW_S]]), onlyImports, NOW);
    expect(e.stages.map((s) => s.source)).toEqual(['history', 'default']);
    expect(e.confidence).toBe('default');
  });
});

describe('no honest estimate', () => {
  it('a stalled download (no ETA, the client says stalled) is unknown', () => {
    const e = estimateWatchable(downloading({ eta_s: null, client_state: 'stalledDL', speed_bps: 0 }), steady, NOW);
    expect(e).toMatchObject({ confidence: 'unknown', watchable_at: null, watchable_in_s: null, why: 'download stalled' });
  });

  it('a raised problem is unknown, with its reason', () => {
    const r = { ...downloading({ eta_s: 600 }), stuck: { since: NOW, reason: 'qBittorrent: stalled, 0 seeds', source: 'qbittorrent' } };
    expect(estimateWatchable(r, steady, NOW)).toMatchObject({ confidence: 'unknown', why: 'qBittorrent: stalled, 0 seeds' });
  });

  it('nothing grabbed yet, waiting for approval, or failed: unknown', () => {
    expect(estimateWatchable(movie('x', [['APPROVED', NOW_S - 60]]), steady, NOW)).toMatchObject({ confidence: 'unknown', why: 'nothing grabbed yet' });
    expect(estimateWatchable(movie('x', [['REQUESTED', NOW_S - 60]]), steady, NOW)).toMatchObject({ confidence: 'unknown', why: 'waiting for approval' });
    expect(estimateWatchable(movie('x', [['FAILED', NOW_S - 60]]), steady, NOW)).toMatchObject({ confidence: 'unknown', why: 'Failed' });
  });
});

describe('TV episodes', () => {
  it('an unaired episode: its air date plus the stages after it', () => {
    const airs = NOW_S + 2 * DAY;
    const ep = episode(1, 2, [['APPROVED', NOW_S - 10 * DAY]], { air_date_utc: at(airs) });
    const e = estimateWatchable(show('y', [ep], 'APPROVED'), steady, NOW);
    // TV history: grab an hour after airing, start 10 s, download 1200 s, import 60 s, library 60 s.
    const after = 3600 + 10 + 1200 + 60 + 60;
    expect(e.episodes.S01E02).toMatchObject({ watchable_at: at(airs + after), watchable_in_s: 2 * DAY + after, confidence: 'history' });
    expect(e.watchable_at).toBe(at(airs + after));
  });

  it('an unaired episode with no history of grabs after airing says its estimate is a default', () => {
    const ep = episode(1, 2, [['APPROVED', NOW_S]], { air_date_utc: at(NOW_S + DAY) });
    const e = estimateWatchable(show('y', [ep], 'APPROVED'), emptyLearned(), NOW);
    expect(e.confidence).toBe('default');
    expect(e.stages[0]).toEqual({ stage: 'grab', seconds: DEFAULT_DURATIONS.grab.median_s, source: 'default' });
  });

  it('an early release, grabbed before its air date, is timed from now, not from the air date', () => {
    const ep = episode(1, 2, [['DOWNLOADING', NOW_S - 60]], { air_date_utc: at(NOW_S + DAY), hash: 'h1' });
    const e = estimateWatchable(show('y', [ep], 'DOWNLOADING', {}, { downloads: download('h1', { eta_s: 120 }) }), steady, NOW);
    expect(e.episodes.S01E02?.watchable_in_s).toBe(120 + 60 + 60);
  });

  it('each episode on its own download; the request is watchable when the last one is', () => {
    const e1 = episode(1, 1, [['DOWNLOADING', NOW_S - 60]], { hash: 'h1' });
    const e2 = episode(1, 2, [['DOWNLOADING', NOW_S - 60]], { hash: 'h2' });
    const done = airedEpisode(3, 0);
    const r = show('y', [e1, e2, done], 'PARTIALLY_AVAILABLE', {}, { downloads: { ...download('h1', { eta_s: 100 }), ...download('h2', { eta_s: 900 }) } });
    const e = estimateWatchable(r, steady, NOW);
    expect(Object.keys(e.episodes).sort()).toEqual(['S01E01', 'S01E02']);
    expect(e.episodes.S01E01?.watchable_in_s).toBe(100 + 60 + 60);
    expect(e.episodes.S01E02?.watchable_in_s).toBe(900 + 60 + 60);
    expect(e).toMatchObject({ state: 'PARTIALLY_AVAILABLE', watchable_in_s: 900 + 60 + 60, confidence: 'history' });
  });

  it('an aired episode nothing was grabbed for leaves the request unknown, and says which', () => {
    const waiting = episode(1, 2, [['APPROVED', NOW_S - DAY]], { air_date_utc: at(NOW_S - 3600) });
    const r = show('y', [episode(1, 1, [['IMPORTING', NOW_S]]), waiting], 'IMPORTING');
    const e = estimateWatchable(r, steady, NOW);
    expect(e).toMatchObject({ confidence: 'unknown', watchable_at: null, why: 'S01E02: nothing grabbed yet' });
    expect(e.episodes.S01E01?.confidence).toBe('history');
  });

  it('unmonitored episodes are not waited for', () => {
    const skipped = episode(1, 2, [['APPROVED', NOW_S - DAY]], { monitored: false });
    const e = estimateWatchable(show('y', [episode(1, 1, [['IMPORTING', NOW_S]]), skipped], 'IMPORTING'), steady, NOW);
    expect(Object.keys(e.episodes)).toEqual(['S01E01']);
    expect(e.confidence).toBe('history');
  });
});

describe('anime', () => {
  it('goes through Shoko: its match and the library refresh after it', () => {
    const learned = learnFromRequests(Array.from({ length: 5 }, (_, i) => finishedMovie(`a${i}`, { library: 240 }, { anime: true, start: i * DAY })));
    const e = estimateWatchable(movie('x', [['IMPORTING', NOW_S]], { anime: true }), learned, NOW);
    expect(e.stages).toEqual([
      { stage: 'match', seconds: 90, source: 'history' },
      { stage: 'anime_library', seconds: 240, source: 'history' },
    ]);
  });

  it('a home without Shoko: anime that went straight to Jellyfin is estimated that way', () => {
    const learned = learnFromRequests(Array.from({ length: 5 }, (_, i) => finishedMovie(`a${i}`, { library: 200 }, { start: i * DAY, anime: false })).map((r) => ({ ...r, is_anime: true })));
    const e = estimateWatchable(movie('x', [['IMPORTING', NOW_S]], { anime: true }), learned, NOW);
    expect(e.stages).toEqual([{ stage: 'library', seconds: 200, source: 'history' }]);
  });
});
