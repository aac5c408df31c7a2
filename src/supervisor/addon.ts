/**
 * Running as a Home Assistant add-on: before the tracker starts, pick the broker HA should see
 * (mqtt.ts); once it listens, offer the embedded broker to HA's MQTT integration with a
 * Supervisor discovery message; on stop, withdraw that message. Nothing here stops the tracker
 * from starting: a Supervisor that cannot be reached only costs the HA hand-over, with a warning.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Options } from '../config/schema.js';
import { errorMessage, registerSecret, type Logger } from '../log.js';
import { SupervisorClient } from './client.js';
import { brokerCredentials, CREDENTIALS_FILE } from './credentials.js';
import { applyPlan, planMqtt, serviceUrl, type MqttPlan } from './mqtt.js';
import { WITHDRAW_TIMEOUT_MS } from './stop-budget.js';

export class AddonIntegration {
  private plan: MqttPlan | null = null;
  private broker: { username: string; password: string } | null = null;
  private discoveryUuid: string | null = null;
  private announced = '';

  constructor(
    readonly client: SupervisorClient,
    private readonly log: Logger,
    /** The name other containers reach this one by (`<repo>-<slug>`, set by the Supervisor). */
    private readonly host: string = hostname(),
  ) {}

  static fromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env): AddonIntegration | null {
    const client = SupervisorClient.fromEnv(env);
    return client ? new AddonIntegration(client, log) : null;
  }

  /** The options the tracker should run with. Throws ConfigError only for `mqtt.mode: external` without any broker. */
  async prepare(options: Options): Promise<Options> {
    const plan = (this.plan = await planMqtt(options.mqtt, () => this.client.mqttService(), this.log));
    if (plan.kind === 'supervisor') {
      const s = plan.service;
      registerSecret(s.password);
      this.log.info(`mirroring to Home Assistant's MQTT broker ${serviceUrl(s)} (provided by ${s.addon ?? s.app ?? 'an add-on'}${s.username ? `, user ${s.username}` : ''})`);
      if (s.protocol !== '3.1.1') this.log.warning(`the Supervisor reports MQTT protocol ${s.protocol}; the mirror speaks 3.1.1`);
      return { ...options, mqtt: applyPlan(options.mqtt, plan) };
    }
    if (plan.kind === 'configured') return options;
    let credentials: { username: string; password: string };
    if (options.mqtt.username) {
      credentials = { username: options.mqtt.username, password: options.mqtt.password };
    } else {
      const dataDir = resolve(options.data_dir);
      const stored = await brokerCredentials(dataDir);
      credentials = stored.credentials;
      if (stored.generated) this.log.info(`generated credentials for Home Assistant on the embedded broker (${dataDir}/${CREDENTIALS_FILE})`);
    }
    registerSecret(credentials.password);
    this.broker = credentials;
    this.log.info(`using the embedded broker (${plan.reason}); it will be offered to Home Assistant's MQTT integration`);
    return { ...options, mqtt: applyPlan(options.mqtt, plan, credentials) };
  }

  /** Sends the discovery message for the embedded broker, now listening on `port`. Never throws. */
  async announce(port: number): Promise<void> {
    if (this.plan?.kind !== 'announce' || !this.broker) return;
    const config = { host: this.host, port, ssl: false, protocol: '3.1.1', username: this.broker.username, password: this.broker.password };
    try {
      this.discoveryUuid = await this.client.addDiscovery('mqtt', config);
      this.announced = `${this.host}:${port}`;
      this.log.info(`offered the embedded broker (${this.announced}, user ${this.broker.username}) to Home Assistant: Settings → Devices & services shows "MQTT" as discovered`);
    } catch (err) {
      this.log.warning(`could not offer the embedded broker to Home Assistant: ${errorMessage(err)}`);
    }
  }

  /** Removes the discovery message (HA drops the offer). Bounded in time; never throws. */
  async withdraw(): Promise<void> {
    const uuid = this.discoveryUuid;
    if (!uuid) return;
    this.discoveryUuid = null;
    try {
      await this.client.removeDiscovery(uuid, WITHDRAW_TIMEOUT_MS);
      this.log.info('withdrew the MQTT discovery message');
    } catch (err) {
      this.log.warning(`could not withdraw the MQTT discovery message: ${errorMessage(err)}`);
    }
  }

  /** One line for the start-up banner. */
  describe(): string {
    switch (this.plan?.kind) {
      case 'supervisor':
        return "  Home Assistant: mirrored to HA's MQTT broker (from the Supervisor)";
      case 'announce':
        return this.announced
          ? `  Home Assistant: embedded broker offered to HA's MQTT integration as ${this.announced}`
          : '  Home Assistant: embedded broker NOT offered (see the warning in the log)';
      default:
        return '  Home Assistant: MQTT as configured (mqtt.external_url)';
    }
  }
}
