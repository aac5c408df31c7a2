/**
 * Source health: when each source last sent a valid webhook (kept across restarts), how many
 * arrived since start (auto-configuration sees its Tests arrive), the watchers' health, and the
 * per-source verdict on `<base>/bridge/sources` (assess.ts). A watcher's health flipping
 * re-announces the bridge info and re-runs the doctor; once a minute the info is refreshed
 * anyway so "last event" ages stay current.
 */
import type { SourceNotice } from '../../adapters/types.js';
import type { DoctorReport, SourcesReport } from '../../contract/index.js';
import type { MediaRequest } from '../../domain/model.js';
import { errorMessage, type Logger } from '../../log.js';
import type { LocalSettings, StoredHealthMessage } from '../../secrets.js';
import type { Watcher } from '../../watchers/loop.js';
import type { Feature } from '../feature.js';
import { assessSources, collectWaiting, sameReport, type SourceSubject } from './assess.js';

export interface SourcesDeps {
  /** The configured integrations and core subjects, in the doctor's order. */
  subjects: readonly SourceSubject[];
  /** `source_silence_min` in ms; 0: silence is never a problem. */
  silenceMs: number;
  requests: () => Iterable<MediaRequest>;
  publish: (report: SourcesReport) => void;
}

export interface HealthDeps {
  settings: LocalSettings;
  log: Logger;
  clock: () => Date;
  watchers: () => readonly Watcher[];
  publishInfo: () => void;
  /** The doctor, when a connection came or went. */
  recheck: () => void;
  sources?: SourcesDeps;
  /** A source sent its first webhook ever (after its verdict was published): HA gets its "last event" entity. */
  firstHeard?: () => void;
}

/** Silence is measured in minutes: a look every few seconds is plenty. */
const ASSESS_EVERY_TICKS = 5;

export class HealthFeature implements Feature {
  readonly name = 'health';
  /** Last valid webhook per `source[/instance]`. */
  readonly lastEvent: Record<string, string> = {};
  private readonly receipts = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private loaded = false;
  private health: StoredHealthMessage[] = [];
  private doctor: DoctorReport | null = null;
  private report: SourcesReport | null = null;
  /** Something the verdict depends on changed: assess at the next tick. */
  private dirty = true;

  constructor(private readonly d: HealthDeps) {}

  /** The stored times, before anything can report (the bridge info shows them from the first publish). */
  load(): void {
    Object.assign(this.lastEvent, this.d.settings.lastEvents);
    this.health = this.d.settings.healthMessages;
    this.loaded = true;
  }

  /** A valid webhook from `source` (and instance) just arrived. */
  received(source: string, instance: string | undefined): void {
    const first = !this.heard().includes(source);
    const key = instance ? `${source}/${instance}` : source;
    this.lastEvent[key] = this.d.clock().toISOString();
    this.receipts.set(key, (this.receipts.get(key) ?? 0) + 1);
    this.dirty = true;
    if (first && this.d.sources) {
      // Its time goes out before the entity that shows it.
      this.assess();
      this.d.firstHeard?.();
    }
  }

  /** Sources that have sent a valid webhook (ever, as far as the saved times go). */
  heard(): string[] {
    return [...new Set(Object.keys(this.lastEvent).map((k) => k.split('/')[0]!))];
  }

  /** Valid webhooks from `source[/instance]` since start. */
  count(key: string): number {
    return this.receipts.get(key) ?? 0;
  }

  /** What `source` said about itself: a health check failing is kept until the same check is restored. */
  notices(source: string, notices: readonly SourceNotice[]): void {
    const now = this.d.clock().toISOString();
    for (const n of notices) {
      const same = (h: StoredHealthMessage) => h.integration === source && h.instance === n.instance && h.check === n.check;
      const before = this.health.find(same);
      this.health = this.health.filter((h) => !same(h));
      if (n.restored) continue;
      this.health.push({ integration: source, instance: n.instance, level: n.level, check: n.check, message: n.message, wiki_url: n.wiki_url, since: before?.since ?? now });
    }
    void this.d.settings.saveHealthMessages(this.health).catch((err) => this.d.log.warning(`could not save the health messages: ${errorMessage(err)}`));
    this.assess();
  }

  /** The doctor's report drives the verdict too (its errors and warnings are problems). */
  onDoctorReport(report: DoctorReport): void {
    this.doctor = report;
    this.assess();
  }

  /** The verdict now; published when it differs from the last one. */
  assess(): SourcesReport | null {
    const s = this.d.sources;
    if (!s) return null;
    this.dirty = false;
    const report = assessSources({
      now: this.d.clock(),
      subjects: s.subjects,
      lastEvents: this.lastEvent,
      watchers: this.d.watchers().map((w) => w.status()),
      doctor: this.doctor,
      health: this.health,
      waiting: collectWaiting(s.requests()),
      silenceMs: s.silenceMs,
    });
    if (!sameReport(this.report, report)) {
      this.report = report;
      s.publish(report);
    }
    return this.report;
  }

  start(): void {
    let signature = '';
    let ticks = 0;
    this.assess();
    this.timer = setInterval(() => {
      ticks++;
      const sig = this.d
        .watchers()
        .map((w) => `${w.name}:${w.status().healthy}`)
        .join(',');
      const flipped = sig !== signature;
      if (flipped || this.dirty || ticks % ASSESS_EVERY_TICKS === 0) this.assess();
      if (flipped || ticks % 60 === 0) {
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
