/**
 * One row of the report's goal summary: a figure, the baseline measured in the same run, their
 * ratio, the goal and its status. Every part of the benchmark contributes rows; a missed goal
 * is listed as MISSED, never left out.
 */
import { table } from './stats.js';

export interface GoalRow {
  area: string;
  metric: string;
  value: string;
  /** The baseline measured in the same run ("—" when the figure has none). */
  baseline: string;
  /** value ÷ baseline. */
  ratio: string;
  /** "—" when the issue sets no goal for the figure (it is still reported). */
  goal: string;
  /** met, MISSED, INCONCLUSIVE (the data cannot decide), not run, or — (no goal). */
  status: string;
}

export const NO_GOAL = '—';

export function goalSummary(rows: GoalRow[]): string {
  return table(
    ['area', 'metric', 'value', 'baseline (same run)', 'ratio', 'goal', 'status'],
    rows.map((r) => [r.area, r.metric, r.value, r.baseline, r.ratio, r.goal, r.status]),
    ['l', 'l', 'r', 'r', 'r', 'l', 'l'],
  );
}

/** Rows whose goal was not met (MISSED or INCONCLUSIVE), for the list at the top of the report. */
export function unmet(rows: GoalRow[]): GoalRow[] {
  return rows.filter((r) => r.status.startsWith('MISSED') || r.status.startsWith('INCONCLUSIVE'));
}
