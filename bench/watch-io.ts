/**
 * What the watcher benchmarks (watch.ts) see and send from the orchestrator: an mqtt.js
 * subscriber on the tracker's embedded broker, timing each state message on arrival, and the
 * webhooks posted to the tracker.
 */
import { performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import type { WatchReady } from './watch-target.js';

/** How long a scenario waits for an expected state message. */
const WAIT_MS = 15_000;

export type State = { state?: string; progress?: number | null } & Record<string, unknown>;

/** The latest state per topic, and waiters for a future message matching a predicate. */
export class States {
  private readonly waiters: Array<{ topic: string; check: (s: State) => boolean; resolve: (at: number) => void }> = [];
  readonly latest = new Map<string, State>();

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      const at = performance.now();
      const text = payload.toString();
      if (text === '') return;
      let s: State;
      try {
        s = JSON.parse(text) as State;
      } catch {
        return;
      }
      this.latest.set(topic, s);
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        const w = this.waiters[i]!;
        if (w.topic === topic && w.check(s)) {
          this.waiters.splice(i, 1);
          w.resolve(at);
        }
      }
    });
  }

  static async connect(url: string): Promise<States> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, clientId: `bench-${process.pid}-${Math.random().toString(16).slice(2)}` });
    const s = new States(client);
    await client.subscribeAsync('media/+/state', { qos: 0 });
    return s;
  }

  /** Resolves with the arrival time of the next message on `topic` that passes `check`. */
  next(topic: string, check: (s: State) => boolean, what: string, timeoutMs = WAIT_MS): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.findIndex((w) => w.resolve === done);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what} (last state: ${JSON.stringify(this.latest.get(topic) ?? null)})`));
      }, timeoutMs);
      const done = (at: number) => {
        clearTimeout(timer);
        resolve(at);
      };
      this.waiters.push({ topic, check, resolve: done });
    });
  }

  /** The current state if it passes `check`, else the next one that does. */
  async until(topic: string, check: (s: State) => boolean, what: string): Promise<void> {
    const now = this.latest.get(topic);
    if (now && check(now)) return;
    await this.next(topic, check, what);
  }

  close(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** What a brand-new subscriber receives, retained, on `topic`. */
export async function retained(url: string, topic: string): Promise<State | null> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    const got = new Promise<State | null>((resolve) => {
      const t = setTimeout(() => resolve(null), 5_000);
      client.on('message', (_topic, payload, packet) => {
        if (!packet.retain) return;
        clearTimeout(t);
        resolve(JSON.parse(payload.toString()) as State);
      });
    });
    await client.subscribeAsync(topic, { qos: 0 });
    return await got;
  } finally {
    await client.endAsync(true);
  }
}

export async function post(ready: WatchReady, route: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${ready.webhookUrl}${route}`, {
    method: 'POST',
    headers: { 'content-type': contentType, authorization: `Bearer ${ready.secret}` },
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

/** Posts an *arr/Jellyseerr webhook and fails unless every event was accepted. */
export async function hook(ready: WatchReady, route: string, body: Record<string, unknown>): Promise<void> {
  const res = await post(ready, route, JSON.stringify(body));
  const results = res.json.results as Array<{ status: string }> | undefined;
  if (res.status !== 200 || !results?.length || !results.every((r) => r.status === 'accepted')) {
    throw new Error(`${route}: HTTP ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
  }
}
