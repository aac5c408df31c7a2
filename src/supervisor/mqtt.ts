/**
 * Which broker Home Assistant should see, decided once at start-up as an add-on. HA's MQTT
 * integration connects to exactly one broker, so discovery only works on that one:
 *
 * - `mqtt.external_url` set (modes auto/external): mirror there, as configured; no question asked.
 * - mode `auto` (or `external` without a URL): ask the Supervisor for the MQTT service (the
 *   Mosquitto add-on); when it exists, mirror to it with the credentials it hands out.
 * - otherwise (mode `embedded`, or no service): the embedded broker is offered to HA with a
 *   discovery message, so HA proposes to set up its MQTT integration against it.
 */
import { ConfigError } from '../config/load.js';
import type { MqttOptions } from '../config/schema.js';
import { errorMessage, type Logger } from '../log.js';
import type { MqttService } from './client.js';

export type MqttPlan = { kind: 'configured' } | { kind: 'supervisor'; service: MqttService } | { kind: 'announce'; reason: string };

export async function planMqtt(mqtt: MqttOptions, lookup: () => Promise<MqttService | null>, log: Logger): Promise<MqttPlan> {
  if (mqtt.mode === 'embedded') return { kind: 'announce', reason: 'mqtt.mode is "embedded"' };
  if (mqtt.external_url) return { kind: 'configured' };
  let service: MqttService | null = null;
  let failure = '';
  try {
    service = await lookup();
  } catch (err) {
    failure = errorMessage(err);
  }
  if (service) return { kind: 'supervisor', service };
  const why = failure || 'no add-on provides an MQTT broker (Supervisor: "Service not enabled")';
  if (mqtt.mode === 'external') {
    throw new ConfigError(`Invalid options:\n- mqtt.external_url: required when mqtt.mode is "external" and Home Assistant has no MQTT broker to use (${why})`);
  }
  if (failure) log.warning(`could not ask the Supervisor for Home Assistant's MQTT broker: ${failure}`);
  return { kind: 'announce', reason: why };
}

/** The mirror's URL; the Supervisor only hands out MQTT 3.1/3.1.1 brokers, which the mirror speaks. */
export function serviceUrl(service: MqttService): string {
  const host = service.host.includes(':') ? `[${service.host}]` : service.host;
  return `${service.ssl ? 'mqtts' : 'mqtt'}://${host}:${service.port}`;
}

/** The options the tracker runs with once the plan is known. */
export function applyPlan(mqtt: MqttOptions, plan: MqttPlan, credentials?: { username: string; password: string }): MqttOptions {
  if (plan.kind === 'supervisor') {
    return {
      ...mqtt,
      external_url: serviceUrl(plan.service),
      external_username: plan.service.username ?? '',
      external_password: plan.service.password ?? '',
    };
  }
  if (plan.kind === 'announce' && credentials && !mqtt.username) {
    // With credentials the embedded broker listens beyond loopback, where HA can reach it.
    return { ...mqtt, username: credentials.username, password: credentials.password };
  }
  return mqtt;
}
