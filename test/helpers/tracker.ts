/**
 * Test harness: a real tracker in this process (real aedes, real HTTP on loopback, real
 * files in a temp dir) and a real mqtt.js subscriber that records every retained topic.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { Tracker } from '../../src/app.js';
import { parseOptions } from '../../src/config/load.js';
import type { Options } from '../../src/config/schema.js';
import { createLogger, setLogLevel, type Logger } from '../../src/log.js';
import { until, Wakeup, type What } from './wait.js';

export const SECRET = 'test-secret-0123456789';

export interface Harness {
  tracker: Tracker;
  dataDir: string;
  secret: string;
  post(route: string, body: unknown, init?: { headers?: Record<string, string>; raw?: string }): Promise<{ status: number; json: Record<string, unknown> }>;
  restart(): Promise<void>;
  stop(): Promise<void>;
  options: Options;
}

const quiet: Logger = (() => {
  setLogLevel('error');
  return createLogger('test');
})();

export async function startTracker(overrides: Record<string, unknown> = {}, dataDir?: string, extra: { clock?: () => Date; addon?: boolean; proxies?: readonly string[] } = {}): Promise<Harness> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'media-tracker-')));
  const raw = {
    data_dir: dir,
    webhook_secret: SECRET,
    webhook_port: 0,
    ingress_port: 0,
    ...overrides,
    mqtt: { port: 0, ha_birth_delay_s: 0, ...((overrides.mqtt as object | undefined) ?? {}) },
  };
  const options = parseOptions(raw);
  let tracker = new Tracker({ options, host: '127.0.0.1', log: quiet, ...extra });
  await tracker.start();
  const h: Harness = {
    get tracker() {
      return tracker;
    },
    dataDir: dir,
    secret: SECRET,
    options,
    async post(route, body, init = {}) {
      const res = await fetch(`${tracker.endpoints.webhookUrl}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}`, ...(init.headers ?? {}) },
        body: init.raw ?? JSON.stringify(body),
      });
      const text = await res.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        json = { text };
      }
      return { status: res.status, json };
    },
    async restart() {
      await tracker.stop();
      tracker = new Tracker({ options, host: '127.0.0.1', log: quiet, ...extra });
      await tracker.start();
    },
    async stop() {
      await tracker.stop();
      if (!dataDir) await rm(dir, { recursive: true, force: true });
    },
  };
  return h;
}

/** The store's files (journals and snapshot) as one text, to show that something changed nothing. */
export async function storeBytes(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.startsWith('journal') || f.startsWith('snapshot')).sort();
  return (await Promise.all(files.map(async (f) => `${f}:${await readFile(join(dir, f), 'utf8')}`))).join('\n');
}

/** The retained topics of requests: the bridge's own (info, doctor, their discovery) change on their own schedule. */
export function requestTopics(latest: ReadonlyMap<string, string>): Map<string, string> {
  return new Map([...latest].filter(([topic]) => !topic.startsWith('media/bridge/') && !topic.includes('/media_tracker/bridge_')));
}

/** A subscriber that keeps the latest payload per topic and every message in order. */
export class Recorder {
  readonly latest = new Map<string, string>();
  readonly messages: Array<{ topic: string; payload: string; retain: boolean }> = [];
  private readonly arrivals = new Wakeup();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const text = payload.toString();
      if (text === '') this.latest.delete(topic);
      else this.latest.set(topic, text);
      this.messages.push({ topic, payload: text, retain: packet.retain });
      this.arrivals.wake();
    });
  }

  static async connect(url: string, topics: string[] = ['media/#', 'homeassistant/#'], opts: mqtt.IClientOptions = {}): Promise<Recorder> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 200, ...opts });
    const rec = new Recorder(client);
    await client.subscribeAsync(topics, { qos: 1 });
    return rec;
  }

  json<T = Record<string, unknown>>(topic: string): T | undefined {
    const raw = this.latest.get(topic);
    return raw === undefined ? undefined : (JSON.parse(raw) as T);
  }

  /** Waits until `check` holds; fails with the last state seen, never by timing alone. */
  until<T>(check: () => T | undefined | null | false, what: What, timeoutMs = 10_000): Promise<NonNullable<Exclude<T, false>>> {
    return until(check, what, { timeoutMs, everyMs: 100, sleep: this.arrivals.sleep });
  }

  state(id: string): Record<string, unknown> | undefined {
    return this.json(`media/${id}/state`);
  }

  async untilState(id: string, state: string, timeoutMs?: number): Promise<Record<string, unknown>> {
    return this.until(
      () => {
        const s = this.state(id);
        return s && s.state === state ? s : undefined;
      },
      () => `media/${id}/state to be ${state} (last: ${JSON.stringify(this.state(id)?.state)})`,
      timeoutMs,
    );
  }

  events(id: string): Array<Record<string, unknown>> {
    return this.messages.filter((m) => m.topic === `media/${id}/event`).map((m) => JSON.parse(m.payload) as Record<string, unknown>);
  }

  /** Waits until the request's `event` messages are exactly `types` (in order). */
  async untilEvents(id: string, types: string[], timeoutMs?: number): Promise<void> {
    await this.until(
      () => {
        const seen = this.events(id).map((e) => String(e.event_type));
        return seen.length >= types.length ? seen : undefined;
      },
      () =>
        `${types.length} events on media/${id}/event (seen: ${this.events(id)
          .map((e) => e.event_type)
          .join(',')})`,
      timeoutMs,
    );
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
