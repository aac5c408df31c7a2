/**
 * Broker faults while webhooks keep arriving (the built tracker, fixed ports):
 * - the embedded broker goes away with the tracker (a clean restart, then a SIGKILL) and a
 *   subscriber reconnects: every acknowledged state is republished to it;
 * - the external broker (a real Mosquitto without persistence) is down for 60 s
 *   (FAULT_OUTAGE_S): webhooks are still acknowledged and published on the embedded broker, and
 *   after Mosquitto returns, empty, the tracker republishes everything to it;
 * - Home Assistant restarts (its birth message): availability, then discovery, then states.
 * Times are reported, not asserted: the assertion is that everything arrives.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../helpers/ports.js';
import { Recorder } from '../helpers/tracker.js';
import { ensureBuilt, freeTrackerPorts, killAll, postHook, TrackerProcess } from './support/child.js';
import { waitFor } from '../helpers/wait.js';
import { record } from './support/figures.js';
import { Broker } from './support/mosquitto.js';
import { Progress, script, Stream } from './support/workload.js';

const SECRET = 'broker-fault-secret-0123456789';
const OUTAGE_S = Number(process.env.FAULT_OUTAGE_S ?? 60);
let workDir = '';
const recorders: Recorder[] = [];

beforeAll(async () => {
  ensureBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'media-tracker-brokers-'));
});

afterAll(async () => {
  await Promise.all(recorders.map((r) => r.close().catch(() => undefined)));
  await killAll();
  await external?.kill();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function recorder(url: string, topics: string[]): Promise<Recorder> {
  const rec = await Recorder.connect(url, topics, { reconnectPeriod: 100 });
  recorders.push(rec);
  return rec;
}

function workload(from: number, count: number, label: string): Progress {
  return new Progress(Array.from({ length: count }, (_, i) => script(from + i, label)));
}

/** The latest state per request among the messages a recorder got from index `from` on. */
function statesSince(rec: Recorder, from: number): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const m of rec.messages.slice(from)) {
    if (!m.topic.endsWith('/state') || m.topic.includes('/bridge/')) continue;
    out.set(m.topic.split('/')[1]!, (JSON.parse(m.payload) as { state: unknown }).state);
  }
  return out;
}

/** Requests acknowledged as of `snapshot` whose state (at least that far) a recorder has not seen since `from`. */
function missing(rec: Recorder, from: number, snapshot: Progress): string[] {
  const seen = statesSince(rec, from);
  return snapshot.losses((id) => seen.get(id));
}

function frozen(p: Progress): Progress {
  const copy = new Progress(p.scripts);
  for (const [k, v] of p.acked) copy.acked.set(k, v);
  return copy;
}

describe('embedded broker restart (tracker restart) under a webhook stream', () => {
  it('republishes every acknowledged state to a reconnecting subscriber, after a clean stop and after SIGKILL', async () => {
    const dataDir = join(workDir, 'embedded');
    const ports = await freeTrackerPorts();
    let child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir, ports });
    const rec = await recorder(child.mqttUrl, ['media/+/state']);
    const progress = workload(1, 3_000, 'embedded');
    const stream = new Stream(progress, child.webhookUrl, SECRET, 5, postHook);
    stream.start();
    const notes: string[] = [];
    let target = 0;
    for (const how of ['SIGTERM', 'SIGKILL'] as const) {
      target += 150;
      await waitFor(() => (stream.acked >= target ? true : undefined), `${target} acknowledged webhooks`, 60_000);
      expect(child.alive, `the tracker exited by itself before the ${how}:\n${child.text}`).toBe(true);
      const reconnected = new Promise<{ at: number; from: number }>((resolve) => rec.client.once('connect', () => resolve({ at: Date.now(), from: rec.messages.length })));
      const exit = how === 'SIGTERM' ? await child.stop() : await child.kill('SIGKILL');
      expect(exit).toEqual(how === 'SIGTERM' ? { code: 0, signal: null } : { code: null, signal: 'SIGKILL' });
      const before = frozen(progress);
      const downFor = Date.now();
      child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir, ports });
      const { at, from } = await reconnected;
      await rec
        .until(() => missing(rec, from, before).length === 0, `every state acknowledged before the ${how} to be republished`, 30_000)
        .catch((err: unknown) => {
          throw new Error(`${(err as Error).message}: ${missing(rec, from, before).slice(0, 10).join('; ')}`);
        });
      notes.push(
        `tracker ${how} with ${before.ackedSteps} webhooks acknowledged: back after ${at - downFor} ms; ` +
          `all ${[...before.acked.keys()].length} request states on the reconnected subscriber ${Date.now() - at} ms after its reconnect`,
      );
    }
    const acked = stream.acked;
    await waitFor(() => (stream.acked >= acked + 50 ? true : undefined), 'the stream to go on after the restarts', 30_000);
    await stream.stop();
    expect(stream.errors).toEqual([]);
    const final = frozen(progress);
    await rec
      .until(() => final.losses((id) => rec.state(id)?.state).length === 0, 'every acknowledged state', 30_000)
      .catch(async (err: unknown) => {
        // Tell a delivery problem (a fresh subscriber has it) from a lost state (nobody has it).
        const fresh = await recorder(child.mqttUrl, ['media/+/state']);
        await new Promise((r) => setTimeout(r, 2_000));
        throw new Error(
          `${(err as Error).message}: the reconnected subscriber misses ${final
            .losses((id) => rec.state(id)?.state)
            .slice(0, 5)
            .join('; ')}; ` +
            `a fresh subscriber misses ${
              final
                .losses((id) => fresh.state(id)?.state)
                .slice(0, 5)
                .join('; ') || 'nothing'
            }`,
        );
      });
    const lost = final.losses((id) => rec.state(id)?.state).length;
    expect(child.alive).toBe(true);
    expect(await child.stop()).toEqual({ code: 0, signal: null });
    record({
      suite: 'embedded broker (tracker) restarts',
      rounds: 2,
      sent: stream.sent,
      acknowledged: stream.acked,
      stored: stream.acked - lost,
      losses: lost,
      crashes: 0,
      notes: [...notes, `${stream.retries} webhooks re-sent while the tracker was down; 5xx 0`],
    });
  });
});

let external: Broker | null = null;
let mirrored: TrackerProcess | null = null;

describe('external broker (Mosquitto) outage under a webhook stream', () => {
  it(`keeps acknowledging and publishing during a ${OUTAGE_S} s outage, then republishes everything to the empty broker`, async () => {
    const [port] = (await freePorts(1)) as [number];
    external = new Broker(port, workDir);
    await external.start();
    const child = (mirrored = await TrackerProcess.start({
      dataDir: join(workDir, 'external'),
      secret: SECRET,
      optionsDir: workDir,
      options: { mqtt: { mode: 'external', external_url: external.url } },
    }));
    const embedded = await recorder(child.mqttUrl, ['media/+/state']);
    const progress = workload(1, 2_000, 'external');
    const stream = new Stream(progress, child.webhookUrl, SECRET, 200, postHook);
    stream.start();
    await waitFor(() => (stream.acked >= 10 ? true : undefined), '10 acknowledged webhooks', 30_000);

    await external.kill();
    const downAt = Date.now();
    const ackedAtDown = stream.acked;
    await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
    const duringOutage = stream.acked - ackedAtDown;
    expect(duringOutage, 'webhooks acknowledged while Mosquitto was down').toBeGreaterThan(0);
    // Nothing lost on the way: the embedded broker has every state acknowledged meanwhile.
    const atUp = frozen(progress);
    await embedded.until(() => atUp.losses((id) => embedded.state(id)?.state).length === 0, 'every acknowledged state on the embedded broker during the outage', 10_000);

    await external.start();
    const upAt = Date.now();
    const fresh = await recorder(external.url, ['media/+/state', 'media/bridge/state']);
    await fresh.until(
      () => fresh.latest.get('media/bridge/state') === 'online' && atUp.losses((id) => fresh.state(id)?.state).length === 0,
      'every state acknowledged before the broker returned, on the restarted Mosquitto',
      30_000,
    );
    const allAt = Date.now();
    const republished = [...child.text.matchAll(/^(\S+) INFO .*republished (\d+) retained topics to the external broker/gm)].map((m) => ({ at: Date.parse(m[1]!), topics: Number(m[2]) }));
    const reconnect = republished.filter((r) => r.at >= downAt).at(-1);
    expect(reconnect, `no "republished" line after the outage:\n${child.text.slice(-2000)}`).toBeDefined();

    // New events flow to the returned broker live.
    const acked = stream.acked;
    await waitFor(() => (stream.acked >= acked + 5 ? true : undefined), 'more webhooks after the outage', 30_000);
    await stream.stop();
    expect(stream.errors).toEqual([]);
    const final = frozen(progress);
    await fresh.until(() => final.losses((id) => fresh.state(id)?.state).length === 0, 'every acknowledged state on Mosquitto', 20_000);
    await embedded.until(() => final.losses((id) => embedded.state(id)?.state).length === 0, 'every acknowledged state on the embedded broker', 20_000);
    expect(child.alive, child.text).toBe(true);
    const lost = final.losses((id) => fresh.state(id)?.state).length;
    record({
      suite: 'external broker (Mosquitto) outage',
      sent: stream.sent,
      acknowledged: stream.acked,
      stored: stream.acked - lost,
      losses: lost,
      crashes: 0,
      notes: [
        `Mosquitto down ${Math.round((upAt - downAt) / 1000)} s (FAULT_OUTAGE_S); ${duringOutage} webhooks acknowledged meanwhile, every state on the embedded broker`,
        `broker up → tracker reconnected ${reconnect!.at - upAt} ms; reconnected → all ${atUp.acked.size} request states (${reconnect!.topics} retained topics) on the empty Mosquitto ${allAt - reconnect!.at} ms`,
      ],
    });
  });
});

/** What a subscriber holds as retained on a broker, once it stops changing. */
async function retainedOn(url: string): Promise<Map<string, string>> {
  const rec = await recorder(url, ['media/#', 'homeassistant/#']);
  let size = -1;
  await rec.until(
    () => {
      const settled = rec.latest.size === size && size > 0;
      size = rec.latest.size;
      return settled;
    },
    `the retained set on ${url} to settle`,
    20_000,
  );
  return new Map(rec.latest);
}

/**
 * Publishes HA's birth and checks the replay: availability first, then every discovery
 * config, then every other retained topic, all of them. Returns the time it took.
 */
async function birth(url: string, prefix = 'homeassistant/'): Promise<{ ms: number; topics: number }> {
  const expected = await retainedOn(url);
  const ha = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  // The subscription's retained set arrives with the retain flag; what the tracker publishes after the birth reaches
  // this established subscription without it (MQTT-3.3.1-9). Counting messages instead could take the tail of a slow
  // retained delivery for the start of the replay.
  const initial = new Set<string>();
  const live: string[] = [];
  let born = false;
  ha.on('message', (topic, _payload, packet) => {
    if (packet.retain) initial.add(topic);
    else if (born) live.push(topic);
  });
  await ha.subscribeAsync(['media/#', 'homeassistant/+/media_tracker/#'], { qos: 1 });
  await waitFor(() => ([...expected.keys()].every((t) => initial.has(t)) ? true : undefined), 'the retained messages for the HA client', 10_000);
  born = true;
  const t0 = Date.now();
  await ha.publishAsync('homeassistant/status', 'online', { qos: 1 });
  const replay = () => live;
  await waitFor(() => ([...expected.keys()].every((t) => replay().includes(t)) ? true : undefined), `every retained topic replayed after the birth on ${url}`, 20_000).catch((err: unknown) => {
    throw new Error(
      `${(err as Error).message}: missing ${[...expected.keys()]
        .filter((t) => !replay().includes(t))
        .slice(0, 10)
        .join(', ')}`,
    );
  });
  const ms = Date.now() - t0;
  await ha.endAsync(true);
  // The bridge info is also refreshed on its own timer, so it may come at any point.
  const order = replay().filter((t) => t !== 'media/bridge/info');
  const first = (pred: (t: string) => boolean) => order.findIndex(pred);
  const last = (pred: (t: string) => boolean) => order.length - 1 - [...order].reverse().findIndex(pred);
  const discovery = (t: string) => t.startsWith(prefix);
  const other = (t: string) => !discovery(t) && t !== 'media/bridge/state';
  expect(order[0]).toBe('media/bridge/state');
  expect(last(discovery)).toBeLessThan(first(other));
  return { ms, topics: expected.size };
}

describe('Home Assistant restart (birth message)', () => {
  it('replays availability, discovery and states on the external and the embedded broker', async () => {
    expect(mirrored, 'runs after the outage test, on its tracker').not.toBeNull();
    const onExternal = await birth(external!.url);
    const onEmbedded = await birth(mirrored!.mqttUrl);
    expect(mirrored!.alive).toBe(true);
    expect(await mirrored!.stop()).toEqual({ code: 0, signal: null });
    record({
      suite: 'Home Assistant birth',
      sent: 0,
      acknowledged: 0,
      stored: 0,
      losses: 0,
      crashes: 0,
      notes: [
        `replayed ${onExternal.topics} retained topics on Mosquitto in ${onExternal.ms} ms and ${onEmbedded.topics} on the embedded broker in ${onEmbedded.ms} ms (bridge state, then discovery, then states)`,
      ],
    });
  });
});
