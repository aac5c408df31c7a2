/**
 * Source health: when each source last sent a valid webhook (kept across restarts), how many
 * arrived since start (auto-configuration sees its Tests arrive), and the watchers' health.
 * A watcher's health flipping re-announces the bridge info and re-runs the doctor; once a
 * minute the info is refreshed anyway so "last event" ages stay current.
 */
import { errorMessage, type Logger } from '../../log.js';
import type { LocalSettings } from '../../secrets.js';
import type { Watcher } from '../../watchers/loop.js';
import type { Feature } from '../feature.js';

export interface HealthDeps {
  settings: LocalSettings;
  log: Logger;
  clock: () => Date;
  watchers: () => readonly Watcher[];
  publishInfo: () => void;
  /** The doctor, when a connection came or went. */
  recheck: () => void;
}

export class HealthFeature implements Feature {
  readonly name = 'health';
  /** Last valid webhook per `source[/instance]`. */
  readonly lastEvent: Record<string, string> = {};
  private readonly receipts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private loaded = false;

  constructor(private readonly d: HealthDeps) {}

  /** The stored times, before anything can report (the bridge info shows them from the first publish). */
  load(): void {
    Object.assign(this.lastEvent, this.d.settings.lastEvents);
    this.loaded = true;
  }

  /** A valid webhook from `source` (and instance) just arrived. */
  received(source: string, instance: string | undefined): void {
    const key = instance ? `${source}/${instance}` : source;
    this.lastEvent[key] = this.d.clock().toISOString();
    this.receipts.set(key, (this.receipts.get(key) ?? 0) + 1);
  }

  /** Valid webhooks from `source[/instance]` since start. */
  count(key: string): number {
    return this.receipts.get(key) ?? 0;
  }

  start(): void {
    let signature = '';
    let ticks = 0;
    this.timer = setInterval(() => {
      const sig = this.d
        .watchers()
        .map((w) => `${w.name}:${w.status().healthy}`)
        .join(',');
      const flipped = sig !== signature;
      if (flipped || ++ticks % 60 === 0) {
        // A connection that came or went changes the doctor's verdict (Shoko's SignalR above all).
        if (flipped && signature !== '') this.d.recheck();
        signature = sig;
        this.d.publishInfo();
        if (!flipped) void this.save();
      }
    }, 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.loaded) await this.save();
  }

  private async save(): Promise<void> {
    try {
      await this.d.settings.saveLastEvents(this.lastEvent);
    } catch (err) {
      this.d.log.warning(`could not save the last-event times: ${errorMessage(err)}`);
    }
  }
}
