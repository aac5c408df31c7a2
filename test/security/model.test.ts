/**
 * # The security model
 *
 * Every rule names the test that holds it (file › test name).
 *
 * ## Who may connect, from where
 * - Webhooks (`webhook_port`, every interface): `POST /hooks/<source>[/<instance>]` with the shared secret as
 *   `Authorization: Bearer`, the HTTP Basic password or `?token=`; bodies up to 1 MiB
 *   (webhook-auth.test.ts).
 * - Ingress (`ingress_port`): loopback only when standalone; as an add-on only Home Assistant's ingress proxy
 *   (172.30.32.2) and loopback (mqtt.test.ts › "as an add-on, the panel WebSocket only answers the
 *   Supervisor's ingress proxy"; ingress.test.ts). A `Host` that is not an IP literal, `localhost`, this
 *   machine's name or a `panel_origins` host gets 421, on every route but `/health` and on `/mqtt`
 *   (listeners.test.ts › "refuses a DNS-rebinding Host").
 * - `/mqtt` upgrades: exactly that path, any other upgrade is answered 404 and closed (listeners.test.ts ›
 *   "answers upgrades on any other path"); an `Origin`, when sent, must be the panel's own (the host in `Host`,
 *   or `X-Forwarded-Host` from the ingress proxy, i.e. Home Assistant's origin) or a `panel_origins` entry,
 *   else 403 (listeners.test.ts › "refuses a page of another origin").
 * - Embedded broker over TCP (`mqtt.port`): loopback only without `mqtt.username`/`mqtt.password`; with them
 *   on every interface and only with those credentials (mqtt-access.test.ts › "the embedded broker over TCP").
 * - Every listener cuts off connections that send no request head within 5 s or stay idle 30 s and holds at
 *   most 256 connections (listeners.test.ts › "silent connections"); a stop closes every socket, upgraded or
 *   half-open, and exits 0 (listeners.test.ts › "a stop").
 *
 * ## Who may publish and subscribe what
 * - Only the tracker publishes below `<base>/` and below its discovery node `<prefix>/<component>/<node>/`.
 *   Any client may publish non-retained commands on `<base>/<id>/set/<action>` (`<base>/bridge/set/<action>`
 *   included); TCP clients may publish elsewhere (HA's birth, other devices' discovery). Here › "an anonymous
 *   loopback TCP client"; mqtt-access.test.ts › "cannot publish a state" for the browser.
 * - Browsers (WebSocket) subscribe below `<base>/` only (SUBACK 0x80 otherwise, connection kept), at most
 *   200 filters each, and their refusals are logged at most once a minute (mqtt-access.test.ts › "gets
 *   SUBACK 0x80"; here › "browser subscriptions").
 * - Browsers get a generated client id (`ws-panel-…`), a prefix TCP clients may not use: no connection can
 *   take another's id over (here › "client ids").
 * - A browser's commands count only when its viewer may command (`command_users`; the viewer named by the
 *   Supervisor's `X-Remote-User-*` headers on the `/mqtt` upgrade, from its address only; empty list: everyone;
 *   not through the Supervisor: the machine's owner). A read-only viewer's command is acknowledged and dropped —
 *   no answer, no subscriber, connection kept (ingress.test.ts › "drops the commands of a viewer not on the
 *   list"; viewer.test.ts; access.test.ts; panel-users.test.ts for the panel without buttons).
 * - No incoming MQTT packet may exceed 256 KiB, over TCP or WebSocket: the connection is closed and nothing of
 *   it is delivered (here › "oversized packets").
 * - On an external broker, where others may publish, the tracker puts back its states, bridge state and
 *   discovery configs when another client overwrites them (here › "an external broker").
 *
 * ## What is secret, and where it may never appear
 * - The webhook secret, both brokers' passwords, every API key, the qBittorrent password and a forwarded
 *   Jellyseerr `Authorization` header: never in a log line, an MQTT message or an HTTP answer, raw,
 *   URL-encoded or base64 (secrets.test.ts). The one exception is `panel.json`, which gives the panel the
 *   webhook secret for its copy buttons: only to the allowed peers and host names and to viewers who may
 *   command, never cached (ingress.test.ts › "panel.json says whether the viewer may command"; listeners.test.ts ›
 *   "DNS-rebinding").
 * - On disk, secrets live only in files readable by their owner (0600): `settings.json` and
 *   `mqtt-credentials.json`, also when an older version left them readable (files.test.ts).
 */
import { createServer, type Server } from 'node:http';
import { Aedes } from 'aedes';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { BROWSER_ID_PREFIX, MAX_BROWSER_SUBSCRIPTIONS } from '../../src/mqtt/access.js';
import { EmbeddedBroker } from '../../src/mqtt/broker.js';
import { MAX_PACKET_BYTES } from '../../src/mqtt/packet-limit.js';
import type { Logger } from '../../src/log.js';
import { freePorts } from '../helpers/ports.js';
import { Recorder } from '../helpers/tracker.js';
import { testScope } from '../helpers/scope.js';
import { until } from '../helpers/wait.js';

const { defer, tracker } = testScope();

async function client(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient & { wasClosed: () => boolean }> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5_000, ...opts });
  let closed = false;
  c.on('close', () => (closed = true));
  defer(() => c.endAsync(true));
  return Object.assign(c, { wasClosed: () => closed });
}

async function recorder(url: string, topics: string[]): Promise<Recorder> {
  const rec = await Recorder.connect(url, topics, { reconnectPeriod: 0 });
  defer(() => rec.close());
  return rec;
}

/** Sends `topic` from `c` and waits until the broker closed the connection. */
async function refused(c: MqttClient & { wasClosed: () => boolean }, topic: string, payload: string | Buffer, retain: boolean): Promise<void> {
  c.publish(topic, payload, { qos: 0, retain });
  await until(() => c.wasClosed(), `the broker to close the connection that published ${topic}`, 5_000);
}

describe('an anonymous loopback TCP client', () => {
  it('cannot publish the tracker’s state, bridge state or discovery configs; it may send commands and HA’s birth', async () => {
    const h = await tracker();
    const url = h.tracker.endpoints.mqttUrl;
    const rec = await recorder(url, ['media/#', 'homeassistant/#']);
    await rec.until(() => rec.latest.get('media/bridge/state') === 'online', 'the bridge state');
    const fakes: Array<[string, string]> = [
      ['media/x/state', JSON.stringify({ id: 'x', state: 'AVAILABLE', title: 'Fake' })],
      ['media/bridge/state', 'offline'],
      ['media', 'x'],
      ['homeassistant/sensor/media_tracker/x_status/config', JSON.stringify({ name: 'Fake', state_topic: 'media/x/state' })],
      ['homeassistant/device/media_tracker/config', '{}'],
    ];
    for (const [topic, payload] of fakes) await refused(await client(url), topic, payload, true);
    // A retained command would fire again for every later subscriber: refused too.
    await refused(await client(url), 'media/x/set/forget', '', true);

    const ha = await client(url);
    await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
    await ha.publishAsync('homeassistant/sensor/other_device/temp/config', '{}', { qos: 1 });
    await ha.publishAsync('media/x/set/retry', JSON.stringify({ transaction: 'tcp-1' }), { qos: 1 });
    const answer = await rec.until(() => rec.json<{ transaction?: string }>('media/x/response'), 'the answer to the command');
    expect(answer.transaction).toBe('tcp-1');
    expect(ha.wasClosed()).toBe(false);
    for (const [topic] of fakes)
      expect(
        rec.messages.filter((m) => m.topic === topic && m.payload !== 'online'),
        topic,
      ).toEqual([]);
    expect(rec.latest.get('media/bridge/state')).toBe('online');
  });
});

describe('client ids', () => {
  it('a browser asking for Home Assistant’s client id neither takes it over nor disconnects it', async () => {
    const h = await tracker();
    const ha = await client(h.tracker.endpoints.mqttUrl, { clientId: 'homeassistant-abc' });
    const browser = await client(h.tracker.endpoints.wsUrl, { clientId: 'homeassistant-abc' });
    // A round trip on each: both connections are alive, neither replaced the other.
    await ha.subscribeAsync('media/bridge/state', { qos: 1 });
    await browser.subscribeAsync('media/bridge/state', { qos: 1 });
    expect(ha.wasClosed()).toBe(false);
    expect(browser.wasClosed()).toBe(false);
  });

  it('a TCP client may not use the browsers’ reserved prefix', async () => {
    const h = await tracker();
    await expect(client(h.tracker.endpoints.mqttUrl, { clientId: `${BROWSER_ID_PREFIX}abc` })).rejects.toThrow(/Identifier rejected/i);
  });
});

describe('oversized packets', () => {
  it.each(['tcp', 'websocket'] as const)('over %s close the connection and nothing is delivered', async (via) => {
    const h = await tracker();
    const url = via === 'tcp' ? h.tracker.endpoints.mqttUrl : h.tracker.endpoints.wsUrl;
    const rec = await recorder(h.tracker.endpoints.mqttUrl, ['media/#']);
    const big = JSON.stringify({ transaction: 'big', pad: 'x'.repeat(MAX_PACKET_BYTES) });
    await refused(await client(url), 'media/x/set/retry', big, false);
    // A command sent afterwards is answered: the first one would have been answered before it.
    const small = await client(url);
    await small.publishAsync('media/x/set/retry', JSON.stringify({ transaction: 'small' }), { qos: 1 });
    await rec.until(() => rec.json<{ transaction?: string }>('media/x/response')?.transaction === 'small', 'the answer to the small command');
    expect(rec.messages.filter((m) => m.payload.includes('"big"') || m.payload.length > MAX_PACKET_BYTES)).toEqual([]);
  });
});

describe('browser subscriptions', () => {
  it('are capped per connection, and a flood of refusals logs a line, not thousands', async () => {
    const lines: string[] = [];
    const log: Logger = { debug: () => undefined, info: () => undefined, warning: (m) => lines.push(m), error: (m) => lines.push(m), child: () => log };
    const [port] = await freePorts(1);
    const broker = await EmbeddedBroker.start({ port: port!, username: '', password: '', baseTopic: 'media' }, log, () => undefined);
    defer(() => broker.close());
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
    broker.attachWebSocket(server, '/mqtt');
    const address = server.address();
    const browser = await client(`ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mqtt`);
    const grants = async (topics: string[]) => {
      try {
        return (await browser.subscribeAsync(topics, { qos: 1 })).map((g) => g.qos);
      } catch (err) {
        return (err as { packet: { granted: number[] } }).packet.granted;
      }
    };
    const forbidden = await grants(Array.from({ length: 2_000 }, (_, i) => `other/${i}`));
    expect(new Set(forbidden)).toEqual(new Set([128]));
    const allowed = await grants(Array.from({ length: MAX_BROWSER_SUBSCRIPTIONS + 50 }, (_, i) => `media/r${i}/state`));
    expect(allowed.filter((q) => q === 1)).toHaveLength(MAX_BROWSER_SUBSCRIPTIONS);
    expect(allowed.slice(MAX_BROWSER_SUBSCRIPTIONS)).toEqual(Array(50).fill(128));
    expect(browser.wasClosed()).toBe(false);
    expect(lines.filter((l) => l.includes('refused browser subscription')).length).toBeLessThanOrEqual(2);
  });
});

describe('an external broker', () => {
  it('gets the tracker’s state, bridge state and discovery config back when another client overwrites them', async () => {
    const external = await Aedes.createBroker();
    const tcp: NetServer = createNetServer((s) => external.handle(s));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise<void>((resolve) => external.close(() => tcp.close(() => resolve()))));
    const address = tcp.address();
    const url = `mqtt://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const h = await tracker({ mqtt: { mode: 'external', external_url: url } });
    const rec = await recorder(url, ['media/#', 'homeassistant/#']);
    const configOf = () => [...rec.latest.keys()].find((t) => t.startsWith('homeassistant/sensor/media_tracker/bridge_'));
    const config = await rec.until(() => rec.latest.get('media/bridge/state') === 'online' && configOf(), 'the tracker’s topics on the external broker');
    const ours = rec.latest.get(config);
    const intruder = await client(url);
    await intruder.publishAsync('media/bridge/state', 'offline', { retain: true, qos: 1 });
    await intruder.publishAsync(config, '{"name":"Fake"}', { retain: true, qos: 1 });
    await intruder.publishAsync('media/fake-1/state', '{"state":"AVAILABLE"}', { retain: true, qos: 1 });
    await rec.until(
      () => rec.latest.get('media/bridge/state') === 'online' && rec.latest.get(config) === ours && !rec.latest.has('media/fake-1/state'),
      () => `the tracker's values back (bridge state ${rec.latest.get('media/bridge/state')}, fake ${rec.latest.get('media/fake-1/state')})`,
    );
    expect(h.tracker.external?.connected).toBe(true);
  });
});
