/**
 * "Now" for relative times ("12 min in this state"), from one shared timer: the host
 * re-renders every `everyMs` while it is connected.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';

const hosts = new Map<ReactiveControllerHost, number>();
let timer: ReturnType<typeof setInterval> | null = null;
let tick = 0;

const TICK_MS = 5_000;

function ensureTimer(): void {
  if (timer || hosts.size === 0) return;
  timer = setInterval(() => {
    tick++;
    for (const [host, every] of hosts) if ((tick * TICK_MS) % every === 0) host.requestUpdate();
    if (hosts.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  }, TICK_MS);
}

export class ClockController implements ReactiveController {
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly everyMs = 30_000,
  ) {
    host.addController(this);
  }

  /** The current time, read at render. */
  get now(): number {
    return Date.now();
  }

  hostConnected(): void {
    hosts.set(this.host, Math.max(TICK_MS, Math.round(this.everyMs / TICK_MS) * TICK_MS));
    ensureTimer();
  }

  hostDisconnected(): void {
    hosts.delete(this.host);
  }
}
