/**
 * Home Assistant: the publisher (retained state, episodes, timeline, events, discovery), the
 * replay after HA's birth message, the clearing of discovery configs no request produces any
 * more, of merged-away requests' topics, and the retention sweep of finished requests' devices.
 */
import { Estimator } from '../estimates/index.js';
import type { Options } from '../../config/schema.js';
import type { Engine } from '../../engine/index.js';
import { errorMessage, type Logger } from '../../log.js';
import type { MqttBus } from '../../mqtt/bus.js';
import type { Topics } from '../../contract/index.js';
import { recipientLookup } from './payloads.js';
import { Discovery, nodeIdFor } from './discovery.js';
import { Publisher, type BridgeInfoSource } from './publisher.js';
import type { LocalSettings } from '../../secrets.js';
import { VERSION } from '../../version.js';
import type { Feature } from '../feature.js';

const SWEEP_MS = 3_600_000;

export interface HomeAssistantDeps {
  options: Options;
  bus: MqttBus;
  topics: Topics;
  engine: Engine;
  settings: LocalSettings;
  log: Logger;
  clock: () => Date;
  info: BridgeInfoSource;
  /** One diagnostic entity set per configured integration on the bridge device. */
  diagnostics: () => Array<{ integration: string; label: string }>;
  /** Whether every broker has had what was published (false while an external broker is away). */
  brokersReached: () => boolean;
  /** A request manager that can approve and decline requests is configured. */
  approvals: boolean;
  /** Estimate when requests are watchable (off only as a benchmark baseline). */
  estimates?: boolean;
}

export class HomeAssistantFeature implements Feature {
  readonly name = 'home-assistant';
  readonly publisher: Publisher;
  readonly estimator: Estimator | null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private birthTimer: NodeJS.Timeout | null = null;
  /** Merged-away request ids cleared at start, remembered once every broker has had the clear. */
  private absorbedPending: string[] = [];
  private started = false;

  constructor(private readonly d: HomeAssistantDeps) {
    this.estimator = d.estimates === false ? null : new Estimator();
    const m = d.options.mqtt;
    const discovery = m.discovery
      ? new Discovery({ prefix: m.discovery_prefix, node: nodeIdFor(m.base_topic), version: VERSION, topics: d.topics, doctor: d.diagnostics(), approvals: d.approvals })
      : null;
    this.publisher = new Publisher(d.bus, d.topics, discovery, d.options.ha_retention_days, () => d.engine.requests(), d.info, d.clock, recipientLookup(d.options.notify), this.estimator);
  }

  async start(): Promise<void> {
    const { engine, bus } = this.d;
    engine.onCommit((changes, effects) => this.publisher.onCommit(changes, effects));
    bus.onMessage((topic, payload, via) => {
      if (topic === this.d.options.mqtt.ha_status_topic && payload.trim() === 'online') this.onBirth(via);
    });
    // Before the bridge info goes out: it carries the estimates' record.
    this.estimator?.restoreAccuracy(this.d.settings.estimateAccuracy);
    this.publisher.publishBridge();
    this.estimator?.learnFrom(engine.requests());
    for (const r of engine.requests()) this.publisher.publishRequest(r);
    await this.cleanStaleDiscovery();
    this.clearAbsorbed();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
    this.started = true;
  }

  /** A broker that was away got the whole retained set again: merged-away topics are empty there too. */
  onBrokerReplayed(): void {
    if (this.absorbedPending.length) void this.rememberAbsorbed();
  }

  async stop(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.birthTimer) clearTimeout(this.birthTimer);
    this.publisher.stop();
    if (this.started) await this.saveDiscoveryTopics();
    if (this.started && this.estimator) {
      try {
        await this.d.settings.saveEstimateAccuracy(this.estimator.accuracy);
      } catch (err) {
        this.d.log.warning(`could not save the estimates' accuracy: ${errorMessage(err)}`);
      }
    }
  }

  /** HA restarted: availability first, then configs and states, after a short jittered delay. */
  private onBirth(via: string): void {
    if (this.birthTimer) return;
    const { mqtt } = this.d.options;
    const delay = mqtt.ha_birth_delay_s * 1000 * (1 + Math.random() * 0.2);
    this.d.log.info(`Home Assistant is online (${via}); replaying discovery and state in ${Math.round(delay)} ms`);
    this.birthTimer = setTimeout(() => {
      this.birthTimer = null;
      const { bus, topics } = this.d;
      const prefix = `${mqtt.discovery_prefix}/`;
      bus.replay(null, (t) => t === topics.bridgeState);
      bus.replay(null, (t) => t.startsWith(prefix));
      bus.replay(null, (t) => !t.startsWith(prefix) && t !== topics.bridgeState);
    }, delay);
    this.birthTimer.unref();
  }

  /** Clears retained discovery configs published by an earlier run that no request produces now. */
  private async cleanStaleDiscovery(): Promise<void> {
    if (!this.d.options.mqtt.discovery) return;
    const current = new Set(this.publisher.discoveryTopics(this.d.options.mqtt.discovery_prefix));
    let cleared = 0;
    for (const topic of this.d.settings.discoveryTopics) {
      if (!current.has(topic)) {
        this.d.bus.clear(topic);
        cleared++;
      }
    }
    if (cleared) this.d.log.info(`cleared ${cleared} stale discovery configs`);
    await this.saveDiscoveryTopics();
  }

  /**
   * A request merged into another by the store migration (its id in `absorbed_ids`) may still
   * have retained state, episodes, timeline and an HA device from an earlier run, on an external
   * broker above all. They are cleared at start (and on the external broker when it connects),
   * once: the ids are remembered when every broker had the clear.
   */
  private clearAbsorbed(): void {
    const { engine, settings, bus, log } = this.d;
    const done = new Set(settings.clearedAbsorbedIds);
    const ids = new Set<string>();
    for (const r of engine.requests()) for (const id of r.absorbed_ids ?? []) if (!done.has(id) && !engine.index.get(id)) ids.add(id);
    if (ids.size === 0) return;
    for (const id of ids) for (const topic of this.publisher.requestTopics(id)) bus.clear(topic);
    log.info(`cleared the MQTT topics and Home Assistant devices of ${ids.size} requests merged into others (${[...ids].join(', ')})`);
    this.absorbedPending = [...ids];
    if (this.d.brokersReached()) void this.rememberAbsorbed();
  }

  private async rememberAbsorbed(): Promise<void> {
    const ids = this.absorbedPending;
    this.absorbedPending = [];
    try {
      await this.d.settings.addClearedAbsorbedIds(ids);
    } catch (err) {
      this.d.log.warning(`could not save the cleared request ids: ${errorMessage(err)}`);
    }
  }

  private async saveDiscoveryTopics(): Promise<void> {
    if (!this.d.options.mqtt.discovery) return;
    try {
      await this.d.settings.saveDiscoveryTopics(this.publisher.discoveryTopics(this.d.options.mqtt.discovery_prefix));
    } catch (err) {
      this.d.log.warning(`could not save discovery topics: ${errorMessage(err)}`);
    }
  }

  private sweep(): void {
    const removed = this.publisher.sweepRetention();
    if (removed) this.d.log.info(`removed the Home Assistant device of ${removed} finished requests (retention ${this.d.options.ha_retention_days} days)`);
    this.publisher.publishInfo();
    void this.saveDiscoveryTopics();
  }
}
