/** Commands and connection status, with a fake MQTT client: transactions, timeouts, refusals. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandTracker } from '../../../../frontend/src/data/commands.js';
import { Connection, type MqttLike } from '../../../../frontend/src/data/connection.js';
import { RequestStore } from '../../../../frontend/src/data/store.js';
import { request } from '../../../../frontend/test/fixtures.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('CommandTracker', () => {
  it('settles the command whose transaction and id match', async () => {
    let n = 0;
    const tracker = new CommandTracker('media', 1000, () => `tx-${++n}`);
    const a = tracker.expect('req-a', 'retry');
    const b = tracker.expect('req-b', 'forget');
    expect([a.transaction, b.transaction]).toEqual(['tx-1', 'tx-2']);
    // Another request's topic, bad JSON, no transaction, or an unknown one: ignored.
    expect(tracker.handle('media/req-b/response', JSON.stringify({ action: 'retry', status: 'ok', transaction: 'tx-1' }))).toBe(false);
    expect(tracker.handle('media/req-a/response', '{oops')).toBe(false);
    expect(tracker.handle('media/req-a/response', JSON.stringify({ action: 'retry', status: 'ok' }))).toBe(false);
    expect(tracker.handle('media/req-a/response', JSON.stringify({ action: 'retry', status: 'ok', transaction: 'tx-9' }))).toBe(false);
    expect(tracker.handle('media/req-a/state', JSON.stringify({ transaction: 'tx-1' }))).toBe(false);
    expect(tracker.handle('media/req-a/response', JSON.stringify({ action: 'retry', status: 'ok', transaction: 'tx-1', result: { id: 'req-a' } }))).toBe(true);
    await expect(a.response).resolves.toEqual({ action: 'retry', status: 'ok', transaction: 'tx-1', result: { id: 'req-a' } });
    expect(tracker.size).toBe(1);
    tracker.cancelAll('closed');
    await expect(b.response).resolves.toMatchObject({ action: 'forget', status: 'error', error: 'closed', transaction: 'tx-2' });
  });

  it('answers with an error when the tracker does not', async () => {
    vi.useFakeTimers();
    const tracker = new CommandTracker('media', 15_000);
    const { response } = tracker.expect('x', 'retry');
    vi.advanceTimersByTime(15_000);
    await expect(response).resolves.toMatchObject({ action: 'retry', status: 'error', error: 'no answer from the tracker within 15 s' });
    expect(tracker.size).toBe(0);
  });
});

/** Just enough of mqtt.js: emits what the test says, records subscriptions and publishes. */
class FakeClient extends EventEmitter implements MqttLike {
  /** QoS granted to each subscription (0x80: refused). */
  grant = (_topic: string): number => 1;
  subscriptions: string[] = [];
  /** QoS asked for, per subscribed topic. */
  subscribedQos = new Map<string, number>();
  unsubscriptions: string[] = [];
  published: Array<{ topic: string; message: string; retain: boolean }> = [];
  ended = false;
  override on(event: string, cb: (...args: never[]) => void): this {
    return super.on(event, cb as (...args: unknown[]) => void);
  }
  subscribe(topics: string[], opts: { qos: 0 | 1 | 2 }, cb: (err: Error | null | undefined, granted?: Array<{ topic: string; qos: number }>) => void): this {
    this.subscriptions.push(...topics);
    for (const t of topics) this.subscribedQos.set(t, opts.qos);
    queueMicrotask(() =>
      cb(
        null,
        topics.map((topic) => ({ topic, qos: this.grant(topic) })),
      ),
    );
    return this;
  }
  unsubscribe(topics: string[]): this {
    this.unsubscriptions.push(...topics);
    return this;
  }
  publish(topic: string, message: string, opts: { qos: 0 | 1 | 2; retain: boolean }, cb?: (err?: Error) => void): this {
    this.published.push({ topic, message, retain: opts.retain });
    cb?.();
    return this;
  }
  end(): this {
    this.ended = true;
    return this;
  }
}

describe('Connection status', () => {
  function rig() {
    const client = new FakeClient();
    const store = new RequestStore({ schedule: () => {} });
    const connection = new Connection({ url: 'ws://x/mqtt', store, connect: () => client, offlineAfter: 3 });
    const seen: string[] = [];
    connection.subscribe((c) => {
      if (seen.at(-1) !== c.status) seen.push(c.status);
    });
    return { client, store, connection, seen };
  }

  it('connecting → connected → reconnecting → offline → connected', () => {
    const { client, connection, seen } = rig();
    connection.start();
    client.emit('close'); // the first attempt failed
    expect(connection.status).toBe('connecting');
    client.emit('connect');
    client.emit('close');
    client.emit('close');
    expect(connection.status).toBe('reconnecting');
    client.emit('error', new Error('connect ECONNREFUSED'));
    expect(connection.error).toBe('connect ECONNREFUSED');
    client.emit('close');
    expect(connection.status).toBe('offline');
    client.emit('connect');
    expect(connection.error).toBeNull();
    connection.stop();
    expect(client.ended).toBe(true);
    expect(seen).toEqual(['connecting', 'connected', 'reconnecting', 'offline', 'connected', 'offline']);
  });

  it('says so when the broker refuses the subscription (another base topic)', async () => {
    const { client, connection } = rig();
    client.grant = (topic) => (topic === 'media/bridge/info' ? 0x80 : 1);
    connection.start();
    client.emit('connect');
    await new Promise((r) => queueMicrotask(() => r(null)));
    expect(connection.error).toBe('the broker refused media/bridge/info (is the tracker\'s base topic "media"?)');
  });

  it("subscribes to the list topics, and to one request's details only while watched", async () => {
    const { client, store, connection } = rig();
    connection.start();
    const early = connection.watch('jellyseerr-1');
    client.emit('connect');
    // The bridge info first: its count tells when the replay of the states is complete.
    expect(client.subscriptions).toEqual(['media/bridge/info', 'media/+/state', 'media/+/response', 'media/bridge/doctor', 'media/jellyseerr-1/episodes', 'media/jellyseerr-1/timeline']);
    // QoS 0: one live connection with a clean session gains nothing from QoS 1 but a PUBACK per message.
    expect([...client.subscribedQos.values()]).toEqual([0, 0, 0, 0, 0, 0]);
    const second = connection.watch('jellyseerr-1');
    const other = connection.watch('jellyseerr-2');
    expect(client.subscriptions.slice(6)).toEqual(['media/jellyseerr-2/episodes', 'media/jellyseerr-2/timeline']);
    client.emit('message', 'media/jellyseerr-1/state', Buffer.from(JSON.stringify(request('jellyseerr-1'))), { retain: true });
    client.emit('message', 'media/jellyseerr-1/timeline', Buffer.from(JSON.stringify([{ at: 'x', source: 'user', reason: 'r' }])), { retain: true });
    early();
    early(); // twice is once
    expect(client.unsubscriptions).toEqual([]);
    second();
    expect(client.unsubscriptions).toEqual(['media/jellyseerr-1/episodes', 'media/jellyseerr-1/timeline']);
    // Unwatched details are dropped (they would go stale); the request stays.
    expect(store.get('jellyseerr-1')).toMatchObject({ timeline: null, state: { id: 'jellyseerr-1' } });
    other();
    expect(client.unsubscriptions).toHaveLength(4);
  });

  it('ends the replay as soon as it holds as many states as the bridge info counts', async () => {
    vi.useFakeTimers();
    const client = new FakeClient();
    const flushes: boolean[] = [];
    const store = new RequestStore({ schedule: (_flush, replaying) => flushes.push(replaying) });
    const connection = new Connection({ url: 'ws://x/mqtt', store, connect: () => client, resyncQuietMs: 60_000 });
    const changes: Array<{ synced: boolean; ids: number }> = [];
    store.subscribe((c) => changes.push({ synced: c.synced, ids: c.ids.size }));
    connection.start();
    client.emit('connect');
    await vi.advanceTimersByTimeAsync(0); // the SUBACK
    const retained = { retain: true };
    client.emit('message', 'media/bridge/info', Buffer.from(JSON.stringify({ version: '1', mode: 'embedded', started_at: 'x', counts: { total: 3 } })), retained);
    client.emit('message', 'media/a/state', Buffer.from(JSON.stringify(request('a'))), retained);
    store.flush(); // the first batch on screen: the rest of the replay is batched less often
    client.emit('message', 'media/b/state', Buffer.from(JSON.stringify(request('b'))), retained);
    expect(flushes).toEqual([false, true]);
    expect(store.synced).toBe(false);
    client.emit('message', 'media/c/state', Buffer.from(JSON.stringify(request('c'))), retained);
    // The third state completes it: delivered at once, long before the quiet period.
    expect(store.synced).toBe(true);
    expect(changes.at(-1)).toEqual({ synced: true, ids: 2 });
    // Live changes after it are batched as usual.
    client.emit('message', 'media/c/state', Buffer.from(JSON.stringify(request('c', { state: 'AVAILABLE' }))), { retain: false });
    expect(flushes.at(-1)).toBe(false);
    connection.stop();
  });

  it('without a count (or a stale one), ends the replay after a quiet period', async () => {
    vi.useFakeTimers();
    const client = new FakeClient();
    const store = new RequestStore({ schedule: () => {} });
    const connection = new Connection({ url: 'ws://x/mqtt', store, connect: () => client, resyncQuietMs: 500 });
    connection.start();
    client.emit('connect');
    await vi.advanceTimersByTimeAsync(0);
    client.emit('message', 'media/bridge/info', Buffer.from(JSON.stringify({ version: '1', mode: 'embedded', started_at: 'x', counts: { total: 5 } })), { retain: true });
    for (const id of ['a', 'b']) {
      client.emit('message', `media/${id}/state`, Buffer.from(JSON.stringify(request(id))), { retain: true });
      await vi.advanceTimersByTimeAsync(400);
    }
    expect(store.synced).toBe(false);
    await vi.advanceTimersByTimeAsync(99);
    expect(store.synced).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(store.synced).toBe(true);
    connection.stop();
  });

  it('publishes commands non-retained with a transaction, and feeds messages to the store', async () => {
    const { client, store, connection } = rig();
    connection.start();
    client.emit('connect');
    const answer = connection.command('jellyseerr-7', 'retry');
    const sent = client.published[0]!;
    expect(sent.topic).toBe('media/jellyseerr-7/set/retry');
    expect(sent.retain).toBe(false);
    const { transaction } = JSON.parse(sent.message) as { transaction: string };
    client.emit('message', 'media/jellyseerr-7/response', Buffer.from(JSON.stringify({ action: 'retry', status: 'ok', transaction })), { retain: false });
    await expect(answer).resolves.toMatchObject({ status: 'ok', transaction });
    client.emit('message', 'media/bridge/state', Buffer.from('online'), { retain: true });
    expect(store.bridgeState).toBe('online');
    // A lost connection fails what is still pending.
    const pending = connection.command('jellyseerr-7', 'forget');
    client.emit('close');
    await expect(pending).resolves.toMatchObject({ status: 'error', error: 'the connection to the tracker was lost' });
  });
});
