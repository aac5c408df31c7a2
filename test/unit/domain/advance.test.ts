/**
 * The shared transition rule (src/domain/advance.ts `judge`): forward evidence skips missed
 * stages and names them, late evidence never moves back, outcomes are always accepted, and
 * leaving an outcome (or going back) needs an explicit event — docs/lessons.md C1/C2, G2 and
 * "forward-only, skip-tolerant progression".
 */
import { describe, expect, it } from 'vitest';
import { describeSkipped, judge } from '../../../src/domain/advance.js';
import { OUTCOME_STATES, PIPELINE_STATES, rank, skippedBetween, type State } from '../../../src/domain/states.js';

describe('judge: forward moves', () => {
  it('moves to the next stage with nothing skipped', () => {
    expect(judge('REQUESTED', 'APPROVED')).toEqual({ move: true, skipped: [] });
    expect(judge('GRABBING', 'DOWNLOADING')).toEqual({ move: true, skipped: [] });
  });

  it('skips missed stages and lists them in pipeline order', () => {
    expect(judge('APPROVED', 'IMPORTING')).toEqual({
      move: true,
      skipped: ['SEARCHING', 'GRABBING', 'DOWNLOADING', 'DOWNLOADED'],
    });
    expect(judge('REQUESTED', 'DOWNLOADED')).toEqual({
      move: true,
      skipped: ['APPROVED', 'SEARCHING', 'GRABBING', 'DOWNLOADING'],
    });
  });

  it('never lists the request-only aggregate PARTIALLY_AVAILABLE as a skipped stage', () => {
    const verdict = judge('REQUESTED', 'AVAILABLE');
    expect(verdict.move).toBe(true);
    if (!verdict.move) return;
    expect(verdict.skipped).not.toContain('PARTIALLY_AVAILABLE');
    expect(verdict.skipped).not.toContain('REQUESTED');
    expect(verdict.skipped).not.toContain('AVAILABLE');
    expect(verdict.skipped[0]).toBe('APPROVED');
  });

  it('every forward pair moves, and skipped is exactly the stages strictly between', () => {
    for (const from of PIPELINE_STATES) {
      for (const to of PIPELINE_STATES) {
        if (rank(to) <= rank(from)) continue;
        const between = PIPELINE_STATES.filter((s) => rank(s) > rank(from) && rank(s) < rank(to) && s !== 'PARTIALLY_AVAILABLE');
        expect(judge(from, to), `${from} → ${to}`).toEqual({ move: true, skipped: between });
        expect(skippedBetween(from, to)).toEqual(between);
      }
    }
  });

  it('describeSkipped names the skipped stages in plain words, and nothing when none', () => {
    expect(describeSkipped([], false)).toBe('');
    expect(describeSkipped(['DOWNLOADING', 'DOWNLOADED'], false)).toBe(' (not observed: Downloading, Downloaded)');
    // Shoko matching is only a stage for anime.
    expect(describeSkipped(['IMPORTING', 'ANIME_MATCHING'], false)).toBe(' (not observed: Importing)');
    expect(describeSkipped(['IMPORTING', 'ANIME_MATCHING'], true)).toBe(' (not observed: Importing, Matching in Shoko)');
  });
});

describe('judge: backwards evidence', () => {
  it('is not applied and is flagged late', () => {
    expect(judge('DOWNLOADING', 'GRABBING')).toEqual({ move: false, late: true });
    expect(judge('AVAILABLE', 'IMPORTING')).toEqual({ move: false, late: true });
    expect(judge('PARTIALLY_AVAILABLE', 'DOWNLOADED')).toEqual({ move: false, late: true });
  });

  it('holds for every backwards pipeline pair unless explicit', () => {
    for (const from of PIPELINE_STATES) {
      for (const to of PIPELINE_STATES) {
        if (rank(to) >= rank(from)) continue;
        expect(judge(from, to), `${from} → ${to}`).toEqual({ move: false, late: true });
        expect(judge(from, to, true), `${from} → ${to} explicit`).toEqual({ move: true, skipped: [] });
      }
    }
  });

  it('the same state is neither a move nor late', () => {
    for (const s of [...PIPELINE_STATES, ...OUTCOME_STATES]) {
      expect(judge(s, s)).toEqual({ move: false, late: false });
      expect(judge(s, s, true)).toEqual({ move: false, late: false });
    }
  });
});

describe('judge: outcomes', () => {
  it('FAILED, DECLINED and DELETED are accepted from every pipeline stage', () => {
    for (const from of PIPELINE_STATES) {
      for (const to of OUTCOME_STATES) {
        expect(judge(from, to), `${from} → ${to}`).toEqual({ move: true, skipped: [] });
      }
    }
  });

  it('an outcome replaces another outcome (except leaving DELETED)', () => {
    expect(judge('FAILED', 'DECLINED')).toEqual({ move: true, skipped: [] });
    expect(judge('DECLINED', 'FAILED')).toEqual({ move: true, skipped: [] });
    expect(judge('FAILED', 'DELETED')).toEqual({ move: true, skipped: [] });
    expect(judge('DECLINED', 'DELETED')).toEqual({ move: true, skipped: [] });
  });

  it('leaving DECLINED needs an explicit event', () => {
    for (const to of PIPELINE_STATES) {
      expect(judge('DECLINED', to), `DECLINED → ${to}`).toEqual({ move: false, late: true });
      expect(judge('DECLINED', to, true), `DECLINED → ${to} explicit`).toEqual({ move: true, skipped: [] });
    }
  });

  it('leaving FAILED on real progress is allowed without an explicit event', () => {
    for (const to of PIPELINE_STATES) {
      expect(judge('FAILED', to), `FAILED → ${to}`).toEqual({ move: true, skipped: [] });
    }
  });

  it('DELETED stays unless explicit — whatever the evidence, outcomes included', () => {
    const all: State[] = [...PIPELINE_STATES, 'FAILED', 'DECLINED'];
    for (const to of all) {
      expect(judge('DELETED', to), `DELETED → ${to}`).toEqual({ move: false, late: true });
      expect(judge('DELETED', to, true), `DELETED → ${to} explicit`).toEqual({ move: true, skipped: [] });
    }
  });
});
