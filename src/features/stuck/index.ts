/**
 * Stuck detection: every minute each open request is judged against its stage's threshold
 * (`stuck_after`) and flagged with a plain-words reason; a newly flagged request is offered to
 * the library servers, which may know what helps (Shokofin rebuilds its VFS on a scan).
 */
import type { StuckContext, StuckThresholds } from './phrases.js';
import type { EventSink, TrackedView } from '../../engine/index.js';
import type { Library } from '../../integrations/capabilities.js';
import type { Logger } from '../../log.js';
import type { Feature } from '../feature.js';
import { StuckMonitor } from './monitor.js';

export interface StuckDeps {
  view: TrackedView;
  sink: EventSink;
  thresholds: StuckThresholds;
  libraries: readonly Library[];
  pvrLabel: StuckContext['pvrLabel'];
  log: Logger;
  clock?: () => Date;
}

export class StuckFeature implements Feature {
  readonly name = 'stuck';
  /** A poll loop with a health status of its own, listed with the watchers. */
  readonly monitor: StuckMonitor;

  constructor(d: StuckDeps) {
    this.monitor = new StuckMonitor(d.view, d.sink, d.thresholds, { jellyfin: d.libraries.length > 0, pvrLabel: d.pvrLabel }, d.log, 60_000, d.clock);
    if (d.libraries.length)
      this.monitor.onFlag = (r, reason) => {
        for (const l of d.libraries) l.onFlag?.(r, reason);
      };
  }

  start(): void {
    this.monitor.start();
  }

  stop(): Promise<void> {
    return this.monitor.stop();
  }
}
