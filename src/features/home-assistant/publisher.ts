/**
 * Sends committed changes to the bus: each changed request's projection (projection.ts),
 * one non-retained event per transition, and the bridge's aggregate info at most once a second.
 */
import type { Estimator } from '../estimates/index.js';
import type { BridgeInfo, IntegrationInfo, Topics } from '../../contract/index.js';
import type { Effect } from '../../domain/draft.js';
import type { MediaRequest } from '../../domain/model.js';
import { isFinished } from '../../domain/states.js';
import type { Change } from '../../engine/index.js';
import type { MqttBus } from '../../mqtt/bus.js';
import { BridgeCountIndex } from './bridge-counts.js';
import type { Discovery } from './discovery.js';
import { NO_RECIPIENT, type RecipientLookup } from './payloads.js';
import { deviceRemovalMessages, eventMessage, removalMessages, requestMessages, requestTopics, type Message, type Projection } from './projection.js';

const RETAINED = { retain: true, qos: 1 } as const;
const EVENT = { retain: false, qos: 1 } as const;
const DAY_MS = 86_400_000;

export interface BridgeInfoSource {
  /** Watchers that get a health entity in Home Assistant. */
  watchers?: () => string[];
  /** Sources that have sent a webhook: each gets a "last event" timestamp entity. */
  heard?: () => string[];
  version: string;
  mode: string;
  started_at: string;
  /** The integrations listed in the bridge info (their ids, labels and roles), which the panel names services by. */
  integrations?: () => IntegrationInfo[];
  extra?: () => Pick<BridgeInfo, 'requests' | 'last_event' | 'watchers' | 'estimates'>;
}

export class Publisher {
  private infoTimer: NodeJS.Timeout | null = null;
  /** Aggregates for the bridge info, built on first use and then updated per change. */
  private counts: BridgeCountIndex | null = null;
  private readonly projection: Projection;

  constructor(
    private readonly bus: MqttBus,
    private readonly topics: Topics,
    private readonly discovery: Discovery | null,
    private readonly retentionDays: number,
    private readonly requests: () => Iterable<MediaRequest>,
    private readonly info: BridgeInfoSource,
    private readonly clock: () => Date = () => new Date(),
    /** Who to notify per requester (the `notify` option), published in state and event payloads. */
    recipients: RecipientLookup = () => NO_RECIPIENT,
    private readonly estimator: Estimator | null = null,
  ) {
    this.projection = { topics, discovery, recipients, ...(estimator ? { watchable: (r, now) => estimator.watchable(r, now) } : {}) };
  }

  /** Whether a request still gets its Home Assistant device. */
  wantsDevice(r: MediaRequest, now = this.clock()): boolean {
    if (!isFinished(r.state)) return true;
    return now.getTime() - Date.parse(r.state_since) < this.retentionDays * DAY_MS;
  }

  publishRequest(r: MediaRequest, previous: MediaRequest | null = null): void {
    const now = this.clock();
    this.send(requestMessages(this.projection, r, previous, { now: now.toISOString(), device: this.wantsDevice(r, now) }));
  }

  removeRequest(id: string): void {
    this.send(removalMessages(this.projection, id));
  }

  /** Every retained topic a request may have: its discovery configs, state, episodes and timeline. */
  requestTopics(id: string): string[] {
    return requestTopics(this.projection, id);
  }

  private send(messages: Iterable<Message>): void {
    for (const m of messages) {
      if (m.payload === '') this.bus.publish(m.topic, '', RETAINED);
      else this.bus.publishJson(m.topic, m.payload, m.retain ? RETAINED : EVENT);
    }
  }

  publishBridge(): void {
    if (this.discovery) for (const m of this.discovery.bridgeConfigs(this.info.watchers?.() ?? [], this.info.heard?.() ?? [])) this.bus.publishJson(m.topic, m.payload, RETAINED);
    this.bus.publish(this.topics.bridgeState, 'online', RETAINED);
    this.publishInfo();
  }

  onCommit(changes: Change[], effects: Effect[]): void {
    // A stage a request just finished counts in its own new estimate.
    this.estimator?.onCommit(changes);
    const latest = new Map<string, Change>();
    for (const c of changes) {
      const prev = latest.get(c.id);
      latest.set(c.id, prev ? { ...c, before: prev.before } : c);
    }
    const now = this.clock().getTime();
    for (const c of latest.values()) {
      this.counts?.update(c.id, c.after, now);
      if (c.after) this.publishRequest(c.after, c.before);
      else this.removeRequest(c.id);
    }
    for (const e of effects) {
      const r = latest.get(e.request_id)?.after;
      if (!r) continue;
      const m = eventMessage(this.projection, r, e);
      if (m) this.send([m]);
    }
    this.scheduleInfo();
  }

  /** Aggregates change with nearly every event; publishing them at most once a second is plenty. */
  private scheduleInfo(): void {
    if (this.infoTimer) return;
    this.infoTimer = setTimeout(() => {
      this.infoTimer = null;
      this.publishInfo();
    }, 1000);
    this.infoTimer.unref();
  }

  publishInfo(): void {
    const now = this.clock().getTime();
    if (!this.counts) {
      this.counts = new BridgeCountIndex();
      this.counts.reset(this.requests(), now);
    }
    const info: BridgeInfo = {
      version: this.info.version,
      mode: this.info.mode,
      started_at: this.info.started_at,
      counts: this.counts.counts(now),
      integrations: this.info.integrations?.() ?? [],
      ...this.info.extra?.(),
    };
    this.bus.publishJson(this.topics.bridgeInfo, info, RETAINED);
  }

  /** Retention: finished requests lose their HA device after `ha_retention_days`. */
  sweepRetention(): number {
    // A full recount now and then: the per-change counts cannot drift for long.
    this.counts?.reset(this.requests(), this.clock().getTime());
    let removed = 0;
    if (!this.discovery) return 0;
    for (const r of this.requests()) {
      if (!this.wantsDevice(r)) {
        const had = this.bus.hasRetained(this.discovery.requestTopics(r.id)[0]!);
        this.send(deviceRemovalMessages(this.projection, r.id));
        if (had) removed++;
      }
    }
    return removed;
  }

  /** Every discovery topic this process currently publishes, for stale-config cleanup next start. */
  discoveryTopics(prefix: string): string[] {
    return [...this.bus.retainedTopics()].filter((t) => t.startsWith(`${prefix}/`));
  }

  stop(): void {
    if (this.infoTimer) clearTimeout(this.infoTimer);
    this.infoTimer = null;
  }
}
