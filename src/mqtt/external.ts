/**
 * Mirror to an external broker (e.g. Home Assistant's Mosquitto) with mqtt.js. Nothing is
 * queued while disconnected: after every (re)connect the bus replays the retained set, so
 * an old queued state can never overwrite a newer one.
 */
import mqtt, { type MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import type { PublishOptions, Sink } from './bus.js';
import { safeUrl } from './safe-url.js';

export interface ExternalOptions {
  url: string;
  username: string;
  password: string;
  willTopic: string;
  subscriptions: string[];
  clientId: string;
}

export class ExternalBroker implements Sink {
  readonly name = 'external';
  private client: MqttClient | null = null;
  connects = 0;

  constructor(
    private readonly opts: ExternalOptions,
    private readonly log: Logger,
    private readonly onConnect: (sink: ExternalBroker) => void,
    /** `retain` is set on the retained copies the broker sends when subscribing. */
    private readonly onMessage: (topic: string, payload: string, retain: boolean) => void,
  ) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const { url, username, password } = this.opts;
    this.client = mqtt.connect(url, {
      clientId: this.opts.clientId,
      username: username || undefined,
      password: password || undefined,
      protocolVersion: 4,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
      queueQoSZero: false,
      clean: true,
      will: { topic: this.opts.willTopic, payload: Buffer.from('offline'), retain: true, qos: 1 },
    });
    this.client.on('connect', () => {
      this.connects++;
      this.log.info(`connected to external broker ${safeUrl(url)}`);
      this.client!.subscribe(this.opts.subscriptions, { qos: 1 }, (err) => {
        if (err) this.log.warning(`subscribe on external broker failed: ${err.message}`);
      });
      this.onConnect(this);
    });
    this.client.on('message', (topic, payload, packet) => this.onMessage(topic, payload.toString(), packet.retain));
    this.client.on('close', () => this.log.debug('external broker connection closed'));
    this.client.on('error', (err) => this.log.warning(`external broker ${safeUrl(url)}: ${err.message}`));
  }

  publish(topic: string, payload: string | Buffer, opts: PublishOptions): void {
    if (!this.client?.connected) return;
    this.client.publish(topic, payload, { retain: opts.retain, qos: opts.qos }, (err) => {
      if (err) this.log.debug(`external publish to ${topic} failed: ${err.message}`);
    });
  }

  async close(finalMessages: Array<[string, string]> = []): Promise<void> {
    const client = this.client;
    if (!client) return;
    if (client.connected) {
      await Promise.all(finalMessages.map(([topic, payload]) => new Promise<void>((resolve) => client.publish(topic, payload, { retain: true, qos: 1 }, () => resolve()))));
    }
    await client.endAsync();
  }
}
