/**
 * Who may do what on the embedded broker: the browser identity (MQTT over WebSocket on the
 * ingress port) may only read below the base topic and send commands; the TCP listener
 * demands credentials as soon as it listens beyond loopback.
 */
import { networkInterfaces } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/config/load.js';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { Recorder, type Harness } from '../helpers/tracker.js';
import { testScope } from '../helpers/scope.js';

const { defer, tracker } = testScope();

async function browser(h: Harness): Promise<MqttClient> {
  const client = await mqtt.connectAsync(h.tracker.endpoints.wsUrl, { reconnectPeriod: 0, connectTimeout: 5_000 });
  defer(() => client.endAsync(true));
  return client;
}

/** The SUBACK return codes for one subscription (mqtt.js rejects a refused one; its packet says why). */
async function grant(client: MqttClient, topic: string): Promise<number[]> {
  try {
    return (await client.subscribeAsync(topic, { qos: 1 })).map((g) => g.qos);
  } catch (err) {
    const packet = (err as { packet?: { granted?: number[] } }).packet;
    if (!packet?.granted) throw err;
    return packet.granted;
  }
}

function closed(client: MqttClient): Promise<void> {
  return new Promise((resolve) => (client.connected ? client.once('close', () => resolve()) : resolve()));
}

/** A non-loopback IPv4 address of this machine, to reach a listener the way a LAN host would. */
function lanAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal);
  if (!found) throw new Error('this machine has no non-loopback IPv4 address to test the listener from');
  return found.address;
}

const movie = { requestId: 7, tmdbId: 700, title: 'Seven', year: 1995, radarrId: 7, hash: fakeHash('seven') };

describe('the browser identity (MQTT over WebSocket on the ingress port)', () => {
  it('gets SUBACK 0x80 for every subscription outside the base topic, and the base topic itself', async () => {
    const h = await tracker();
    const client = await browser(h);
    const refused = ['#', '+/#', '+/+/state', 'homeassistant/#', 'homeassistant/status', '$SYS/#', 'mediax/#', 'media', '$share/g/media/#', ''];
    for (const topic of refused.filter(Boolean)) expect(await grant(client, topic), topic).toEqual([128]);
    for (const topic of ['media/#', 'media/+/state', 'media/bridge/info']) expect(await grant(client, topic), topic).toEqual([1]);
    expect(client.connected).toBe(true);
  });

  it('cannot publish a state, a retained command, the bridge state or the HA birth: the broker closes the connection and nothing changes', async () => {
    const h = await tracker();
    const res = await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    expect(res.status).toBe(200);
    const watcher = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['#']);
    defer(() => watcher.close());
    await watcher.untilState('jellyseerr-7', 'APPROVED');
    const retained = new Map(watcher.latest);
    const forbidden: Array<[string, string, boolean]> = [
      ['media/jellyseerr-7/state', JSON.stringify({ id: 'jellyseerr-7', state: 'AVAILABLE' }), false],
      ['media/jellyseerr-7/state', JSON.stringify({ id: 'jellyseerr-7', state: 'AVAILABLE' }), true],
      ['media/jellyseerr-7/episodes', '[]', true],
      ['media/jellyseerr-7/set/forget', '', true],
      ['media/bridge/state', 'offline', true],
      ['homeassistant/status', 'online', false],
      ['homeassistant/sensor/media_tracker/x_status/config', '{}', true],
      ['media/jellyseerr-7/set/forget/extra', '', false],
    ];
    for (const [topic, payload, retain] of forbidden) {
      const client = await browser(h);
      const gone = closed(client);
      client.publish(topic, payload, { qos: 0, retain });
      await gone;
      expect(client.connected, `${topic} (retain ${retain})`).toBe(false);
    }
    // A command that is allowed still works afterwards: the rules refused, they did not break.
    const client = await browser(h);
    await client.subscribeAsync('media/jellyseerr-7/response', { qos: 1 });
    const answer = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
    await client.publishAsync('media/jellyseerr-7/set/retry', JSON.stringify({ transaction: 'sec-1' }), { qos: 1 });
    expect(JSON.parse(await answer)).toMatchObject({ action: 'retry', status: 'ok', transaction: 'sec-1' });
    await watcher.untilState('jellyseerr-7', 'SEARCHING');
    // Nothing the browser tried reached a subscriber or the retained set.
    const seen = watcher.messages.filter((m) => m.topic === 'homeassistant/status' || m.topic.includes('/x_status/') || m.payload.includes('"AVAILABLE"'));
    expect(seen).toEqual([]);
    expect(watcher.latest.get('media/bridge/state')).toBe('online');
    for (const [topic] of forbidden) {
      if (topic === 'media/jellyseerr-7/state') continue; // the retry moved it on, legitimately
      expect(watcher.latest.get(topic), topic).toBe(retained.get(topic));
    }
  });
});

describe('the embedded broker over TCP', () => {
  it('listens beyond loopback only with credentials, and then refuses connections without them', async () => {
    const lan = lanAddress();
    const h = await tracker({ mqtt: { username: 'ha-user', password: 'broker-pass-9f3k2' } });
    expect(h.tracker.broker.tcpHost).toBe('0.0.0.0');
    const url = `mqtt://${lan}:${h.tracker.endpoints.mqttPort}`;
    const attempt = (opts: mqtt.IClientOptions) => mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3_000, ...opts });
    await expect(attempt({})).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(attempt({ username: 'ha-user' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(attempt({ username: 'ha-user', password: 'broker-pass-9f3k' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(attempt({ username: 'ha-use', password: 'broker-pass-9f3k2' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(attempt({ username: 'other', password: 'broker-pass-9f3k2' })).rejects.toThrow(/Bad username or password|Not authorized/i);
    const ok = await attempt({ username: 'ha-user', password: 'broker-pass-9f3k2' });
    expect(ok.connected).toBe(true);
    await ok.endAsync(true);
  });

  it('without credentials it is not reachable from another address at all', async () => {
    const lan = lanAddress();
    const h = await tracker();
    expect(h.tracker.broker.tcpHost).toBe('127.0.0.1');
    await expect(mqtt.connectAsync(`mqtt://${lan}:${h.tracker.endpoints.mqttPort}`, { reconnectPeriod: 0, connectTimeout: 3_000 })).rejects.toThrow(/ECONNREFUSED/);
    const local = await mqtt.connectAsync(h.tracker.endpoints.mqttUrl, { reconnectPeriod: 0 });
    await local.endAsync(true);
  });

  it('refuses a user name without a password at start-up (it would open the broker to the network with an empty password)', () => {
    expect(() => parseOptions({ mqtt: { username: 'ha' } })).toThrow(/mqtt\.password: required when mqtt\.username is set/);
    expect(() => parseOptions({ mqtt: { password: 'secret-only' } })).toThrow(/mqtt\.username: required when mqtt\.password is set/);
  });
});
