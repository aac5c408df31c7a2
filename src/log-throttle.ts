/**
 * Warnings a remote peer can trigger at will (a refused subscription, an oversized packet, a
 * refused WebSocket upgrade): the first of each kind is logged, then at most one line per
 * interval saying how many were left out, so one client cannot flood the log.
 */
import type { Logger } from './log.js';

export class ThrottledLog {
  private readonly kinds = new Map<string, { until: number; suppressed: number }>();

  constructor(
    private readonly log: Logger,
    private readonly intervalMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  warning(kind: string, msg: string): void {
    const t = this.now();
    const seen = this.kinds.get(kind);
    if (seen && t < seen.until) {
      seen.suppressed++;
      return;
    }
    const note = seen?.suppressed ? ` (${seen.suppressed} more like it not logged in the last ${Math.round(this.intervalMs / 1000)} s)` : '';
    this.log.warning(`${msg}${note}`);
    this.kinds.set(kind, { until: t + this.intervalMs, suppressed: 0 });
  }
}
