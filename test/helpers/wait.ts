/**
 * Polling a condition until a deadline, for every suite: the tests wait on things that change
 * outside their control (a broker, a child process, a fake's log) and fail naming what they
 * waited for and what they saw last, never by timing alone.
 */
import { inspect } from 'node:util';

export interface Patience {
  timeoutMs?: number;
  /** Pause between two checks. */
  everyMs?: number;
  /** Errors thrown by the check mean "not yet" (the last one is reported); by default they fail at once. */
  retryErrors?: boolean;
  /** The pause itself, for sources that can end it early when something arrived. */
  sleep?: (ms: number) => Promise<void>;
}

/** What was awaited; a function is asked at the timeout, so it can describe the last state seen. */
export type What = string | (() => string);

const nap = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns anything but `undefined`; a number for `patience` is the timeout. */
export function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, what: What, patience: number | Patience = {}): Promise<T> {
  return poll(check, (v): v is T => v !== undefined, what, { timeoutMs: 20_000, everyMs: 50, ...asPatience(patience) });
}

/** Polls `check` until it returns a truthy value; a number for `patience` is the timeout. */
export function until<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, what: What, patience: number | Patience = {}): Promise<NonNullable<Exclude<T, false>>> {
  return poll(check, (v): v is NonNullable<Exclude<T, false>> => Boolean(v), what, { timeoutMs: 10_000, everyMs: 20, ...asPatience(patience) });
}

function asPatience(patience: number | Patience): Patience {
  return typeof patience === 'number' ? { timeoutMs: patience } : patience;
}

async function poll<V, T extends V>(check: () => V | Promise<V>, done: (v: V) => v is T, what: What, p: Patience): Promise<T> {
  const { timeoutMs = 0, everyMs = 0, sleep = nap } = p;
  const deadline = Date.now() + timeoutMs;
  let last: { value: V } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await check();
      if (done(value)) return value;
      last = { value };
    } catch (error) {
      if (!p.retryErrors) throw error;
      last = { error };
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${describe(last)}`);
    await sleep(everyMs);
  }
}

/** The last error, or the last value when it says more than "not yet". */
function describe(last: { value: unknown } | { error: unknown } | undefined): string {
  if (last && 'error' in last) return ` (last error: ${last.error instanceof Error ? last.error.message : String(last.error)})`;
  if (!last || last.value === undefined || last.value === false) return '';
  return ` (last value: ${inspect(last.value, { depth: 2, breakLength: Infinity, maxStringLength: 300, maxArrayLength: 10 })})`;
}

/** Pauses between checks that end early once something arrived (a message, a request). */
export class Wakeup {
  private waiters: Array<() => void> = [];

  wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  readonly sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
}
