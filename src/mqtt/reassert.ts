/**
 * On an external broker anyone with its login may publish, so a client can overwrite one of
 * the tracker's retained topics (a state, the bridge state, a discovery config) and Home
 * Assistant would show it. The tracker subscribes to those topics there and puts its own
 * value back. Only live messages count (retain flag 0): the retained copies a broker sends on
 * subscribing are stale values the replay after every connect overwrites anyway. The
 * tracker's own publishes come back identical to what the bus holds and change nothing.
 *
 * A topic is re-asserted at most MAX_PER_MINUTE times a minute, so two trackers sharing a
 * base topic cannot overwrite each other in a loop; that is logged, throttled.
 */
import type { ThrottledLog } from '../log-throttle.js';
import type { MqttBus, Sink } from './bus.js';

const MAX_PER_MINUTE = 3;

/** A topic filter (`+` and a trailing `#`) as a regular expression. */
function filterPattern(filter: string): RegExp {
  const levels = filter.split('/').map((l) => (l === '+' ? '[^/]+' : l === '#' ? '.*' : l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${levels.join('/')}$`);
}

export class RetainedGuard {
  private readonly patterns: RegExp[];
  private readonly recent = new Map<string, number[]>();
  reasserted = 0;

  constructor(
    private readonly bus: MqttBus,
    /** The tracker's retained topics worth guarding, as subscription filters. */
    readonly filters: readonly string[],
    private readonly warn: ThrottledLog,
    private readonly now: () => number = Date.now,
  ) {
    this.patterns = filters.map(filterPattern);
  }

  owns(topic: string): boolean {
    return this.patterns.some((p) => p.test(topic));
  }

  /** A message on an owned topic, as the external broker delivered it. */
  observe(topic: string, payload: string, retain: boolean, sink: Sink): void {
    if (retain) return;
    const ours = this.bus.retainedPayload(topic);
    if (payload === (ours ?? '')) return;
    if (!this.allowed(topic)) {
      this.warn.warning('reassert-loop', `${topic} keeps being overwritten on the external broker; is another tracker using the base topic?`);
      return;
    }
    this.reasserted++;
    this.warn.warning('reassert', `another client overwrote ${topic} on the external broker; publishing the tracker's value again`);
    sink.publish(topic, ours ?? '', { retain: true, qos: 1 });
  }

  private allowed(topic: string): boolean {
    const t = this.now();
    const times = (this.recent.get(topic) ?? []).filter((x) => t - x < 60_000);
    if (times.length >= MAX_PER_MINUTE) return false;
    times.push(t);
    this.recent.set(topic, times);
    // Keep the map to the topics of the last minute.
    if (this.recent.size > 1000) for (const [k, v] of this.recent) if (v.every((x) => t - x >= 60_000)) this.recent.delete(k);
    return true;
  }
}
