/**
 * A subscriber that stops reading (a phone on a dead Wi-Fi, a hung client) while the embedded
 * broker sends it the retained set: live delivery to everyone else waits for it (aedes writes to
 * one subscriber after the other, and retained replays hold live messages so that no subscriber
 * ends on a stale value), but only until the broker's drain timeout disconnects it. Then the
 * others get the change, and the log says which client was dropped and why.
 */
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { setLogLevel, setLogSink } from '../../src/log.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';
import { record } from './support/figures.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
  setLogSink(null);
  setLogLevel('error');
});

/** Connects and subscribes to `topic` over raw TCP, then never reads again. */
async function frozenSubscriber(h: Harness, topic: string): Promise<Socket> {
  const socket = connect(h.tracker.endpoints.mqttPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.on('error', () => undefined);
  const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);
  socket.write(gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'frozen-phone', clean: true, keepalive: 0 }));
  socket.write(gen({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic, qos: 0 }] }));
  socket.pause();
  return socket;
}

describe('a subscriber that stops reading', () => {
  it('holds live delivery only until the drain timeout drops it; the others then get every change', async () => {
    const h = await startTracker();
    cleanup.push(() => h.stop());
    const warnings: string[] = [];
    setLogLevel('warning');
    setLogSink((level, line) => {
      if (level === 'warning') warnings.push(line);
    });
    // 24 MB of retained states: far more than the socket buffers between the broker and a client that does not read.
    const big = 'x'.repeat(80_000);
    for (let i = 0; i < 300; i++) h.tracker.bus.publish(`media/big-${i}/state`, JSON.stringify({ i, big }), { retain: true, qos: 0 });

    const healthy = await Recorder.connect(h.tracker.endpoints.mqttUrl, ['media/live/state']);
    cleanup.push(() => healthy.close());
    const subscribed = new Promise<void>((resolve) => h.tracker.broker.aedes.once('subscribe', () => resolve()));
    const frozen = await frozenSubscriber(h, 'media/#');
    cleanup.push(() => void frozen.destroy());
    await subscribed;

    const t0 = performance.now();
    h.tracker.bus.publish('media/live/state', JSON.stringify({ state: 'AVAILABLE' }), { retain: true, qos: 1 });
    await healthy.until(() => healthy.json('media/live/state'), 'the live change at the healthy subscriber', 30_000);
    const waitedMs = performance.now() - t0;

    await healthy.until(() => warnings.find((l) => l.includes('disconnected MQTT client frozen-phone')), 'the warning naming the dropped client');
    expect(warnings.find((l) => l.includes('frozen-phone'))).toMatch(/stopped reading for 10 s/);
    // Delivery goes on at once afterwards.
    h.tracker.bus.publish('media/live/state', JSON.stringify({ state: 'DELETED' }), { retain: true, qos: 1 });
    await healthy.until(() => (healthy.json<{ state: string }>('media/live/state')?.state === 'DELETED' ? true : undefined), 'the next change');
    record({
      suite: 'frozen subscriber',
      sent: 2,
      acknowledged: 2,
      stored: 2,
      losses: 0,
      crashes: 0,
      notes: [`a live change waited ${Math.round(waitedMs)} ms behind a subscriber that stopped reading (drain timeout 10 s); the next one went at once`],
    });
  });
});
