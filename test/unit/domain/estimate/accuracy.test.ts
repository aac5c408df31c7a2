/** Estimate against actual (src/domain/estimate/accuracy.ts). */
import { describe, expect, it } from 'vitest';
import { ACCURACY_LIMIT, type AccuracyState, emptyAccuracy, forgetPredictions, medianAbsoluteError, notePrediction, settle } from '../../../../src/domain/estimate/accuracy.js';
import type { State } from '../../../../src/domain/states.js';
import { at } from '../../../helpers/estimate.js';

const predict = (s: AccuracyState, request: string, state: State, givenS: number, watchableS: number | null) =>
  notePrediction(s, request, { state, watchable_at: watchableS === null ? null : at(watchableS) }, at(givenS));

describe('accuracy', () => {
  it('compares the first estimate of each stage with when the request became watchable', () => {
    let s = emptyAccuracy();
    s = predict(s, 'r1', 'DOWNLOADING', 0, 1000);
    // A later estimate in the same stage has seen more: the first one is kept.
    s = predict(s, 'r1', 'DOWNLOADING', 500, 1300);
    s = predict(s, 'r1', 'IMPORTING', 1100, 1250);
    s = settle(s, 'r1', at(1300));
    expect(s.pending).toEqual([]);
    expect(s.records.map((r) => [r.state, r.error_s])).toEqual([
      ['DOWNLOADING', 300],
      ['IMPORTING', 50],
    ]);
    expect(medianAbsoluteError(s)).toBe(175);
    expect(medianAbsoluteError(s, 'IMPORTING')).toBe(50);
  });

  it('early and late count alike', () => {
    let s = emptyAccuracy();
    s = predict(s, 'early', 'DOWNLOADING', 0, 1000);
    s = predict(s, 'late', 'DOWNLOADING', 0, 1000);
    s = settle(settle(s, 'early', at(900)), 'late', at(1100));
    expect(s.records.map((r) => r.error_s)).toEqual([-100, 100]);
    expect(medianAbsoluteError(s)).toBe(100);
  });

  it('one request stuck for a day does not hide that the rest were right', () => {
    let s = emptyAccuracy();
    for (let i = 0; i < 9; i++) s = settle(predict(s, `r${i}`, 'DOWNLOADING', 0, 1000), `r${i}`, at(1030));
    s = settle(predict(s, 'stuck', 'DOWNLOADING', 0, 1000), 'stuck', at(1000 + 86_400));
    expect(medianAbsoluteError(s)).toBe(30);
  });

  it('keeps the last 50 comparisons', () => {
    let s = emptyAccuracy();
    for (let i = 0; i < ACCURACY_LIMIT + 20; i++) s = settle(predict(s, `r${i}`, 'DOWNLOADING', 0, 1000), `r${i}`, at(1000 + (i < 20 ? 5000 : 10)));
    expect(s.records).toHaveLength(ACCURACY_LIMIT);
    expect(medianAbsoluteError(s)).toBe(10);
  });

  it('no estimate, no comparison; a request that will never be watchable leaves none', () => {
    let s = predict(emptyAccuracy(), 'r1', 'APPROVED', 0, null);
    expect(s.pending).toEqual([]);
    s = predict(s, 'r2', 'DOWNLOADING', 0, 1000);
    s = forgetPredictions(s, 'r2');
    expect(settle(s, 'r2', at(1000)).records).toEqual([]);
    expect(medianAbsoluteError(s)).toBeNull();
  });

  it('survives a JSON round trip', () => {
    const s = settle(predict(emptyAccuracy(), 'r1', 'DOWNLOADING', 0, 1000), 'r1', at(1200));
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});
