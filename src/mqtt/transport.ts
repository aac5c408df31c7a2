/**
 * The tracker's MQTT transport: the embedded broker, and the mirror to an external broker
 * (HA's Mosquitto) when the options ask for one. Both are sinks of the same bus; the mirror
 * replays the whole retained set whenever it (re)connects.
 */
import type { Options } from '../config/schema.js';
import { makeCheck, type DoctorCheck } from '../doctor/types.js';
import { ThrottledLog } from '../log-throttle.js';
import type { Logger } from '../log.js';
import { EmbeddedBroker } from './broker.js';
import type { MqttBus } from './bus.js';
import type { Topics } from '../contract/index.js';
import { nodeIdFor } from '../contract/index.js';
import type { ExternalBroker } from './external.js';
import { RetainedGuard } from './reassert.js';
import { safeUrl } from './safe-url.js';

export type MqttMode = 'embedded' | 'external';

export function mqttMode(o: Options): MqttMode {
  const { mode, external_url } = o.mqtt;
  if (mode === 'external') return 'external';
  return mode === 'auto' && external_url ? 'external' : 'embedded';
}

export interface TransportDeps {
  options: Options;
  bus: MqttBus;
  topics: Topics;
  log: Logger;
  /** Addresses allowed to open the broker's WebSocket (HA's ingress proxy as an add-on); null: any. */
  wsAllowedAddresses: string[] | null;
  /** The external broker got the whole retained set again. */
  onMirrorReplayed: () => void;
}

export class MqttTransport {
  broker!: EmbeddedBroker;
  external: ExternalBroker | null = null;
  private stopping = false;

  constructor(private readonly d: TransportDeps) {}

  get mode(): MqttMode {
    return mqttMode(this.d.options);
  }

  /** Whether every broker has what the bus published (false while the external broker is away). */
  reachedAll(): boolean {
    return this.mode !== 'external' || (this.external?.connected ?? false);
  }

  async start(): Promise<void> {
    const { options, bus, topics, log } = this.d;
    const m = options.mqtt;
    const onMessage = (via: string) => (topic: string, payload: string) => bus.deliver(topic, payload, via);
    this.broker = await EmbeddedBroker.start(
      { port: m.port, username: m.username, password: m.password, baseTopic: m.base_topic, wsAllowedAddresses: this.d.wsAllowedAddresses, discoveryPrefix: m.discovery_prefix },
      log.child('broker'),
      onMessage('embedded'),
    );
    bus.addSink(this.broker);
    if (this.mode !== 'external') return;
    // mqtt.js is loaded only to mirror to an external broker: the embedded mode never needs it.
    const { ExternalBroker } = await import('./external.js');
    const extLog = log.child('external');
    // Clients of that broker could overwrite the states and discovery configs HA shows.
    const guard = new RetainedGuard(bus, [topics.state('+'), `${m.discovery_prefix}/+/${nodeIdFor(m.base_topic)}/+/config`], new ThrottledLog(extLog));
    const external: ExternalBroker = new ExternalBroker(
      {
        url: m.external_url,
        username: m.external_username,
        password: m.external_password,
        willTopic: topics.bridgeState,
        subscriptions: [topics.commands, m.ha_status_topic, ...guard.filters],
        clientId: `media-tracker-${nodeIdFor(m.base_topic)}`,
      },
      extLog,
      (sink) => {
        // A broker may have lost retained messages: replay everything it should hold.
        const n = bus.replay(sink);
        log.info(`republished ${n} retained topics to the external broker`);
        this.d.onMirrorReplayed();
      },
      (topic, payload, retain) => {
        // Stopping: the tracker's own `offline` comes back here and must not be "put back".
        if (!guard.owns(topic)) bus.deliver(topic, payload, 'external');
        else if (!this.stopping) guard.observe(topic, payload, retain, external);
      },
    );
    this.external = external;
    bus.addSink(external);
    external.start();
  }

  /** The doctor's broker checks. */
  checks(): DoctorCheck[] {
    const o = this.d.options.mqtt;
    const s = { integration: 'mqtt' as const, instance: null };
    const embedded = makeCheck(s, 'broker', 'ok', `Embedded broker on port ${this.broker.tcpPort}${o.username ? ' (credentials required)' : ' (loopback only)'}`);
    if (!this.external) return [embedded];
    const url = safeUrl(o.external_url);
    const external = this.external.connected
      ? makeCheck({ ...s, instance: 'external' }, 'broker', 'ok', `Connected to ${url}`)
      : makeCheck({ ...s, instance: 'external' }, 'broker', 'error', `Not connected to ${url}`, 'Home Assistant does not get the state while this lasts; the tracker keeps retrying.');
    return [embedded, external];
  }

  /** Stops taking client messages as the tracker's own (its `offline` echo is expected now). */
  beginStop(): void {
    this.stopping = true;
  }

  /** Announces `offline` on every broker and closes them. */
  async close(): Promise<void> {
    const state = this.d.topics.bridgeState;
    await this.external?.close([[state, 'offline']]);
    if (this.broker) {
      await this.broker.publishAndWait(state, 'offline', { retain: true, qos: 1 });
      await this.broker.close();
    }
  }
}
