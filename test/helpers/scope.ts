/** What a test opened, closed after it in reverse order, and a tracker that is one of those things. */
import { afterEach } from 'vitest';
import { startTracker, type Harness } from './tracker.js';

export interface TestScope {
  /** Runs `close` after the current test. */
  defer(close: () => unknown): void;
  /** A tracker (startTracker) stopped after the current test. */
  tracker(overrides?: Record<string, unknown>): Promise<Harness>;
}

export function testScope(): TestScope {
  const open: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });
  return {
    defer: (close) => void open.push(close),
    async tracker(overrides = {}) {
      const h = await startTracker(overrides);
      open.push(() => h.stop());
      return h;
    },
  };
}
