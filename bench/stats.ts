/** Small statistics and formatting helpers for the benchmark. */

/** Nearest-rank percentile of an already sorted array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

export function summarise(latencies: readonly number[]): { p50: number; p90: number; p99: number; mean: number; max: number } {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    mean: mean(sorted),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a';
  return x.toFixed(digits);
}

export function fmtInt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  return Math.round(x).toLocaleString('en-US');
}

/** A Markdown/console table: the first column left-aligned, the others right-aligned unless `align` says otherwise. */
export function table(head: string[], rows: string[][], align?: Array<'l' | 'r'>): string {
  const left = (i: number) => (align ? align[i] === 'l' : i === 0);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (left(i) ? ` ${'-'.repeat(w)} ` : ` ${'-'.repeat(w - 1)}: `)).join('|')}|`;
  return [line(head), sep, ...rows.map(line)].join('\n');
}

/** Mean of per-round values with a 95 % confidence half-width (Student t). */
export interface Est {
  mean: number;
  ci: number;
  n: number;
}

const T95 = [NaN, 12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.1, 2.09, 2.09];

export function estimate(xs: number[]): Est {
  const n = xs.length;
  const m = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean: m, ci: 0, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1));
  return { mean: m, ci: (T95[n - 1] ?? 2) * (sd / Math.sqrt(n)), n };
}

export function median(xs: readonly number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

/** met / MISSED, or INCONCLUSIVE when the data cannot decide (null). */
export function verdict(ok: boolean | null): string {
  return ok === null ? 'INCONCLUSIVE' : ok ? 'met' : 'MISSED';
}
