/** The MQTT side: HA birth replay, commands, retention, broker access rules. */
import mqtt from 'mqtt';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab } from '../../src/demo/payloads.js';
import { Recorder, startTracker } from '../helpers/tracker.js';
import { world } from './support.js';

const movie = (n: number) => ({ requestId: n, tmdbId: 100 + n, title: `Film ${n}`, year: 2001, radarrId: n, hash: fakeHash(`film-${n}`) });

describe('Home Assistant birth', () => {
  it('replays discovery and state when homeassistant/status says online, e.g. after the broker lost them', async () => {
    const { h, send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(1)));
    await rec.untilState('jellyseerr-1', 'APPROVED');
    const configTopic = 'homeassistant/sensor/media_tracker/jellyseerr-1_status/config';
    await rec.until(() => rec.latest.get(configTopic), 'config');
    // Simulate a broker that lost retained messages (clients may not clear the tracker's topics).
    const lose = (topic: string) =>
      new Promise<void>((resolve) => h.tracker.broker.aedes.publish({ cmd: 'publish', topic, payload: Buffer.alloc(0), retain: true, qos: 1, dup: false }, () => resolve()));
    await lose(configTopic);
    await lose('media/jellyseerr-1/state');
    await rec.until(() => !rec.latest.has(configTopic) && !rec.latest.has('media/jellyseerr-1/state'), 'cleared');
    await rec.client.publishAsync('homeassistant/status', 'online', { qos: 0 });
    await rec.until(() => rec.latest.get(configTopic), 'config replayed');
    await rec.untilState('jellyseerr-1', 'APPROVED');
    expect(rec.latest.get('media/bridge/state')).toBe('online');
  });
});

describe('commands on media/<id>/set/<action>', () => {
  it('retry resets a failed request to SEARCHING and answers on media/<id>/response', async () => {
    const { send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(2)));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_FAILED', movie(2)));
    await rec.untilState('jellyseerr-2', 'FAILED');
    await rec.client.subscribeAsync('media/+/response', { qos: 1 });
    await rec.client.publishAsync('media/jellyseerr-2/set/retry', JSON.stringify({ transaction: 'abc' }), { qos: 1 });
    const reply = await rec.until(() => rec.json('media/jellyseerr-2/response'), 'response');
    expect(reply).toMatchObject({ action: 'retry', status: 'ok', transaction: 'abc' });
    await rec.untilState('jellyseerr-2', 'SEARCHING');

    await rec.client.publishAsync('media/jellyseerr-2/set/explode', 'PRESS', { qos: 1 });
    const refused = await rec.until(() => {
      const r = rec.json<{ action: string; error?: string }>('media/jellyseerr-2/response');
      return r?.action === 'explode' ? r : undefined;
    }, 'refusal');
    expect(refused).toMatchObject({ status: 'error' });
    expect(String(refused.error)).toMatch(/allowed: retry, search, forget, refresh/);
  });

  it('forget removes the retained topics and the HA device', async () => {
    const { send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(3)));
    await rec.untilState('jellyseerr-3', 'APPROVED');
    await rec.until(() => rec.latest.get('homeassistant/sensor/media_tracker/jellyseerr-3_status/config'), 'config');
    await rec.client.publishAsync('media/jellyseerr-3/set/forget', '', { qos: 1 });
    const owned = [
      'media/jellyseerr-3/state',
      'media/jellyseerr-3/timeline',
      ...['status', 'progress'].map((k) => `homeassistant/sensor/media_tracker/jellyseerr-3_${k}/config`),
      'homeassistant/event/media_tracker/jellyseerr-3_event/config',
      'homeassistant/sensor/media_tracker/jellyseerr-3_last_command/config',
      ...['retry', 'search', 'refresh', 'forget'].map((a) => `homeassistant/button/media_tracker/jellyseerr-3_${a}/config`),
    ];
    await rec.until(() => owned.every((t) => !rec.latest.has(t)), 'every retained topic of jellyseerr-3 cleared');
    const reply = await rec.until(() => rec.json('media/jellyseerr-3/response'), 'the answer to forget');
    expect(reply).toMatchObject({ action: 'forget', status: 'ok' });
  });
});

describe('retention', () => {
  it('a finished request keeps its state topics but loses its HA device after ha_retention_days', async () => {
    const { send, rec } = await world({ ha_retention_days: 0 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(4)));
    const config = 'homeassistant/sensor/media_tracker/jellyseerr-4_status/config';
    await rec.until(() => rec.latest.get(config), 'config while active');
    await send('/hooks/radarr', radarrGrab(movie(4)));
    await send('/hooks/radarr', radarrDownload(movie(4)));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', movie(4)));
    await rec.untilState('jellyseerr-4', 'AVAILABLE');
    await rec.until(() => !rec.latest.has(config), 'config removed');
    expect(rec.state('jellyseerr-4')?.state).toBe('AVAILABLE');
  });
});

describe('embedded broker access', () => {
  it('the browser identity over WebSocket may read media/# and publish commands, nothing else', async () => {
    const { h, send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(5)));
    await rec.untilState('jellyseerr-5', 'APPROVED');
    const browser = await Recorder.connect(h.tracker.endpoints.wsUrl, ['media/#'], { protocolVersion: 4 });
    try {
      await browser.untilState('jellyseerr-5', 'APPROVED');
      // SUBACK 0x80: mqtt.js reports the refusal as an error; the connection stays up.
      await expect(browser.client.subscribeAsync('homeassistant/#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
      await expect(browser.client.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/);
      expect(browser.client.connected).toBe(true);
      await browser.client.publishAsync('media/jellyseerr-5/set/retry', '', { qos: 0 });
      await rec.until(() => rec.json('media/jellyseerr-5/response'), 'command accepted from the browser');
    } finally {
      await browser.close();
    }
    const intruder = await mqtt.connectAsync(h.tracker.endpoints.wsUrl, { reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => intruder.once('close', () => resolve()));
    intruder.publish('media/jellyseerr-5/state', '{"state":"AVAILABLE"}', { qos: 1, retain: true });
    await closed;
    intruder.end(true);
    // The forged state never reached the retained topic.
    await rec.untilState('jellyseerr-5', 'SEARCHING');
    expect(rec.state('jellyseerr-5')?.title).toBe('Film 5');
  });

  it('as an add-on, the panel WebSocket only answers the Supervisor’s ingress proxy', async () => {
    const { h } = await world({}, {}, { addon: true });
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(h.tracker.endpoints.wsUrl, 'mqtt');
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('error', () => undefined);
    });
    expect(status).toBe(403);
  });

  it('requires the configured credentials on TCP and listens beyond loopback only then', async () => {
    const { h } = await world({ mqtt: { username: 'ha', password: 'broker-pass-123' } }, { username: 'ha', password: 'broker-pass-123' });
    expect(h.tracker.broker.tcpHost).toBe('0.0.0.0');
    const url = h.tracker.endpoints.mqttUrl;
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(mqtt.connectAsync(url, { username: 'ha', password: 'wrong', reconnectPeriod: 0, connectTimeout: 3000 })).rejects.toThrow();
    const ok = await mqtt.connectAsync(url, { username: 'ha', password: 'broker-pass-123', reconnectPeriod: 0 });
    await ok.endAsync();
  });
});

describe('bridge', () => {
  it('publishes aggregate counts on media/bridge/info and its own HA device', async () => {
    const { send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(6)));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', movie(7)));
    const info = await rec.until(() => {
      const i = rec.json<{ counts: { total: number } }>('media/bridge/info');
      return i && i.counts.total === 2 ? i : undefined;
    }, 'bridge info with 2 requests');
    expect(info).toMatchObject({ mode: 'embedded', counts: { active: 1, available_24h: 1, stuck: 0 } });
    for (const key of ['active', 'downloading', 'stuck', 'available_24h']) {
      expect(rec.json(`homeassistant/sensor/media_tracker/bridge_${key}/config`)).toMatchObject({ state_topic: 'media/bridge/info', device: { identifiers: ['media_tracker_bridge'] } });
    }
    const connection = rec.json<Record<string, unknown>>('homeassistant/binary_sensor/media_tracker/bridge_connection/config')!;
    expect(connection).toMatchObject({ state_topic: 'media/bridge/state', device_class: 'connectivity', entity_category: 'diagnostic' });
    expect(connection.availability).toBeUndefined();
  });
});

describe('retained set at start-up', () => {
  it('a subscriber arriving after a restart receives every retained topic the tracker holds, with its payload', async () => {
    const h = await startTracker();
    try {
      for (let n = 20; n < 30; n++) {
        expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(n)))).status).toBe(200);
        expect((await h.post('/hooks/radarr', radarrGrab(movie(n)))).status).toBe(200);
      }
      await h.restart();
      // Before anyone subscribed, the start-up set went straight into the broker's retained store.
      expect(h.tracker.broker.direct.stored).toBeGreaterThan(10 * 5);
      const expected = new Map([...h.tracker.bus.retainedTopics()].map((t) => [t, h.tracker.bus.retainedPayload(t)!]));
      const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['#']);
      try {
        await rec.until(() => [...expected.keys()].every((t) => rec.latest.has(t)), `all ${expected.size} retained topics`);
        for (const [topic, payload] of expected) expect(rec.latest.get(topic), topic).toBe(payload);
        expect(rec.state('jellyseerr-25')).toMatchObject({ state: 'GRABBING', title: 'Film 25' });
      } finally {
        await rec.close();
      }
    } finally {
      await h.stop();
    }
  });

  it('once a client subscribed, changes reach it live: the retained value first, then each state before its event', async () => {
    const h = await startTracker();
    try {
      await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie(31)));
      const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl);
      try {
        await rec.untilState('jellyseerr-31', 'APPROVED');
        const direct = h.tracker.broker.direct.stored;
        await h.post('/hooks/radarr', radarrGrab(movie(31)));
        await h.post('/hooks/radarr', radarrDownload(movie(31)));
        await rec.untilState('jellyseerr-31', 'IMPORTING');
        await rec.untilEvents('jellyseerr-31', ['grabbing', 'importing']);
        expect(h.tracker.broker.direct.stored).toBe(direct);
        const order = rec.messages
          .filter((m) => m.topic === 'media/jellyseerr-31/state' || m.topic === 'media/jellyseerr-31/event')
          .map((m) => (m.topic.endsWith('/event') ? `event:${String(JSON.parse(m.payload).event_type)}` : `state:${String(JSON.parse(m.payload).state)}`));
        expect(order[0]).toBe('state:APPROVED');
        expect(order.indexOf('state:GRABBING')).toBeLessThan(order.indexOf('event:grabbing'));
        expect(order.indexOf('event:grabbing')).toBeLessThan(order.indexOf('state:IMPORTING'));
        expect(order.indexOf('state:IMPORTING')).toBeLessThan(order.indexOf('event:importing'));
      } finally {
        await rec.close();
      }
    } finally {
      await h.stop();
    }
  });
});

describe('live delivery', () => {
  it('a change published while a new subscriber is still receiving the retained set is the last value it gets', async () => {
    const h = await startTracker();
    const n = 3000;
    const topic = (i: number) => `media/race-${i}/state`;
    try {
      for (let i = 0; i < n; i++) h.tracker.bus.publish(topic(i), 'old', { retain: true, qos: 1 });
      // Right after the SUBACK: aedes sends the retained set asynchronously after it, so these
      // changes race with it. A subscriber must never end on a value older than one it got live.
      const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['media/+/state']);
      try {
        for (let i = 0; i < n; i++) h.tracker.bus.publish(topic(i), 'new', { retain: true, qos: 1 });
        const race = () => rec.messages.filter((m) => m.topic.startsWith('media/race-'));
        await rec.until(() => race().length >= 2 * n, `${2 * n} messages (got ${race().length})`, 30_000);
        const stale = [...Array(n).keys()].filter((i) => rec.latest.get(topic(i)) !== 'new');
        expect(stale.length, `topics ending on the older value, e.g. ${stale.slice(0, 3).map(topic).join(', ')}`).toBe(0);
        const live = race().filter((m) => !m.retain);
        expect(live.length).toBe(n);
        expect(race().findIndex((m) => !m.retain)).toBe(n);
      } finally {
        await rec.close();
      }
    } finally {
      await h.stop();
    }
  });

  it('a burst of retained, event and QoS 0 messages reaches every subscriber complete and in order', async () => {
    const h = await startTracker();
    const subscribers = await Promise.all([
      Recorder.connect(h.tracker.endpoints.mqttUrl, ['media/burst/#']),
      // A persistent session takes another path inside aedes for QoS 1 messages that are not retained.
      Recorder.connect(h.tracker.endpoints.mqttUrl, ['media/burst/#'], { clean: false, clientId: `burst-persistent-${Date.now()}` }),
    ]);
    try {
      const sent: string[] = [];
      const kinds = [
        { retain: true, qos: 1 },
        { retain: false, qos: 1 },
        { retain: false, qos: 0 },
        { retain: true, qos: 0 },
      ] as const;
      // Runs of one kind of varying length, as the publisher produces them (configs and states, then events).
      let seed = 7;
      const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let i = 0; sent.length < 3000; i++) {
        const kind = kinds[i % kinds.length]!;
        const run = 1 + Math.floor(next() * 40);
        for (let k = 0; k < run; k++) {
          const payload = String(sent.length);
          h.tracker.bus.publish(`media/burst/${sent.length % 97}/${kind.retain ? 'state' : 'event'}`, payload, kind);
          sent.push(payload);
        }
      }
      for (const rec of subscribers) {
        const got = () => rec.messages.filter((m) => m.topic.startsWith('media/burst/')).map((m) => m.payload);
        await rec.until(() => got().length >= sent.length, `${sent.length} messages (got ${got().length})`, 20_000);
        expect(got()).toEqual(sent);
      }
    } finally {
      for (const rec of subscribers) await rec.close();
      await h.stop();
    }
  });
});
