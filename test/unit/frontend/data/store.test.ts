/** The panel's store: reducing MQTT messages of the contract (docs/mqtt.md) into requests. */
import { describe, expect, it, vi } from 'vitest';
import { RequestStore, type StoreChange } from '../../../../frontend/src/data/store.js';
import { episode, request } from '../../../../frontend/test/fixtures.js';

/** A store that notifies synchronously on flush(), and records every change. */
function rig(base = 'media') {
  const store = new RequestStore({ base, schedule: () => {} });
  const changes: StoreChange[] = [];
  store.subscribe((c) => changes.push(c));
  return { store, changes };
}

describe('RequestStore', () => {
  it('keeps state, episodes and timeline per id, in whatever order they arrive', () => {
    const { store } = rig();
    // The tracker publishes episodes, then timeline, then state.
    store.handle('media/jellyseerr-1/episodes', JSON.stringify([episode(1, 1), episode(1, 2)]));
    expect(store.requests()).toEqual([]);
    expect(store.get('jellyseerr-1')?.state).toBeNull();
    store.handle('media/jellyseerr-1/timeline', JSON.stringify([{ at: '2026-11-22T03:00:00Z', source: 'jellyseerr', reason: 'Requested' }]));
    store.handle('media/jellyseerr-1/state', JSON.stringify(request('jellyseerr-1', { media_type: 'tv' })));
    const record = store.get('jellyseerr-1')!;
    expect(record.state?.media_type).toBe('tv');
    expect(record.episodes).toHaveLength(2);
    expect(record.timeline).toHaveLength(1);
    expect(store.requests().map((r) => r.id)).toEqual(['jellyseerr-1']);
  });

  it('replaces a request with its newer state, as a new object', () => {
    const { store } = rig();
    store.handle('media/a/state', JSON.stringify(request('a')));
    const before = store.get('a')!;
    store.handle('media/a/state', JSON.stringify(request('a', { state: 'DOWNLOADING', progress: 0.4 })));
    const after = store.get('a')!;
    expect(after).not.toBe(before);
    expect(after.state).toMatchObject({ state: 'DOWNLOADING', progress: 0.4 });
    expect(store.size).toBe(1);
  });

  it('forgets a request when its retained state is cleared (empty payload)', () => {
    const { store, changes } = rig();
    store.handle('media/a/state', JSON.stringify(request('a')));
    store.handle('media/a/episodes', JSON.stringify([episode(1, 1)]));
    store.flush();
    store.handle('media/a/episodes', '');
    store.handle('media/a/timeline', '');
    store.handle('media/a/state', '');
    store.flush();
    expect(store.get('a')).toBeUndefined();
    expect(store.requests()).toEqual([]);
    expect([...changes.at(-1)!.ids]).toEqual(['a']);
    // Clearing what is not there changes nothing.
    expect(store.handle('media/zzz/state', '')).toBe(false);
  });

  it('tracks the bridge state and info', () => {
    const { store, changes } = rig();
    expect(store.bridgeState).toBe('unknown');
    store.handle('media/bridge/state', 'online');
    store.handle('media/bridge/info', JSON.stringify({ version: '0.1.0', mode: 'embedded', started_at: 'x', watchers: [{ name: 'stuck', healthy: true, last_ok: null, last_error: null }] }));
    store.flush();
    expect(store.bridgeState).toBe('online');
    expect(store.bridgeInfo?.watchers?.[0]?.name).toBe('stuck');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ bridge: true });
    expect(changes[0]!.ids.size).toBe(0);
    store.handle('media/bridge/state', 'offline');
    expect(store.bridgeState).toBe('offline');
    // Bridge messages do not invalidate the request list.
    expect(store.requestsRevision).toBe(0);
  });

  it('batches notifications: one per flush, with every changed id', () => {
    const schedule = vi.fn();
    const store = new RequestStore({ schedule });
    const listener = vi.fn();
    store.subscribe(listener);
    for (let i = 0; i < 100; i++) store.handle(`media/r${i}/state`, JSON.stringify(request(`r${i}`)));
    expect(schedule).toHaveBeenCalledTimes(1);
    expect(listener).not.toHaveBeenCalled();
    (schedule.mock.calls[0]![0] as () => void)();
    expect(listener).toHaveBeenCalledTimes(1);
    expect((listener.mock.calls[0]![0] as StoreChange).ids.size).toBe(100);
    // Unsubscribed listeners hear nothing more.
    store.unsubscribe(listener);
    store.handle('media/r1/state', JSON.stringify(request('r1', { state: 'APPROVED' })));
    store.flush();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('keeps going when a listener throws', () => {
    const { store, changes } = rig();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    store.subscribe(() => {
      throw new Error('boom');
    });
    store.handle('media/a/state', JSON.stringify(request('a')));
    store.flush();
    expect(changes).toHaveLength(1);
    expect(error).toHaveBeenCalled();
    error.mockRestore();
  });

  it('ignores what it does not understand, and counts invalid payloads', () => {
    const { store } = rig();
    expect(store.handle('media/a/state', '{not json')).toBe(false);
    expect(store.handle('media/a/state', JSON.stringify({ id: 'a', state: 'EXPLODED', title: 'x' }))).toBe(false);
    expect(store.handle('media/a/episodes', JSON.stringify({ not: 'a list' }))).toBe(false);
    expect(store.invalid).toBe(3);
    // Other topics of the contract are not state.
    expect(store.handle('media/a/event', JSON.stringify({ event_type: 'available' }))).toBe(false);
    expect(store.handle('media/a/response', JSON.stringify({ status: 'ok' }))).toBe(false);
    expect(store.handle('media/a/set/retry', '{}')).toBe(false);
    expect(store.handle('homeassistant/sensor/x/config', '{}')).toBe(false);
    expect(store.handle('other/a/state', JSON.stringify(request('a')))).toBe(false);
    expect(store.requests()).toEqual([]);
    // Malformed list elements are dropped, the rest kept.
    store.handle('media/b/episodes', JSON.stringify([episode(1, 1), { season: 'one' }, null]));
    expect(store.get('b')?.episodes).toHaveLength(1);
  });

  it('uses the topic id, and another base topic when configured', () => {
    const { store } = rig('tracker');
    store.handle('tracker/x1/state', JSON.stringify(request('something-else')));
    expect(store.handle('media/x2/state', JSON.stringify(request('x2')))).toBe(false);
    expect(store.requests().map((r) => r.id)).toEqual(['x1']);
  });

  it('after a reconnect, drops the requests the retained replay did not bring back', () => {
    const { store, changes } = rig();
    expect(store.synced).toBe(false);
    store.beginResync();
    for (const id of ['a', 'b', 'c', 'd']) store.handle(`media/${id}/state`, JSON.stringify(request(id)));
    expect(store.endResync()).toEqual([]);
    expect(store.synced).toBe(true);
    store.flush();
    expect(changes.at(-1)).toMatchObject({ synced: true });

    store.beginResync();
    store.handle('media/a/state', JSON.stringify(request('a')));
    store.handle('media/c/state', JSON.stringify(request('c', { state: 'AVAILABLE' })));
    store.handle('media/d/episodes', JSON.stringify([]));
    expect(store.endResync().sort()).toEqual(['b', 'd']);
    expect(
      store
        .requests()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['a', 'c']);
    expect(store.get('c')?.state?.state).toBe('AVAILABLE');
    store.flush();
    expect(changes.at(-1)).toMatchObject({ synced: false });
  });
});
