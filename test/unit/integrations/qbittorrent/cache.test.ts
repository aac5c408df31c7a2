/** The pure `sync/maindata` merge (docs/upstreams.md §4.3, §4.5). */
import { describe, expect, it } from 'vitest';
import { emptyCache, mergeMaindata } from '../../../../src/integrations/qbittorrent/cache.js';
import { maindataSchema, type MainData } from '../../../../src/integrations/qbittorrent/client.js';
import { fakeTorrent } from '../../../helpers/qbittorrent.js';

const H = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';
const H2 = 'aaaa2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';

/** A full torrent as the server puts it in maindata: no `hash` inside. */
function wire(hash: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { hash: _h, ...rest } = fakeTorrent(hash, overrides);
  return rest;
}

const parse = (v: unknown): MainData => maindataSchema.parse(v);

describe('mergeMaindata', () => {
  const full = parse({
    rid: 13,
    full_update: true,
    torrents: { [H]: wire(H, { progress: 0.5, size: 15_032_385_536, amount_left: 7_516_192_768 }), [H2]: wire(H2, { state: 'stalledUP', progress: 1 }) },
    categories: { radarr: { name: 'radarr', savePath: '' } },
    server_state: { connection_status: 'connected', dl_info_speed: 0 },
  });

  it('takes a full snapshot whole, with the hash put back inside each torrent', () => {
    const r = mergeMaindata(emptyCache(), full);
    expect(r.full).toBe(true);
    expect(r.cache.rid).toBe(13);
    expect([...r.cache.torrents.keys()].sort()).toEqual([H2, H].sort());
    expect(r.cache.torrents.get(H)).toMatchObject({ hash: H, progress: 0.5, state: 'downloading', name: `Torrent ${H.slice(0, 8)}` });
    expect(r.added.sort()).toEqual([H, H2].sort());
    expect(r.removed).toEqual([]);
  });

  it('merges the §4.5 example delta: only the changed fields move, the rest is kept', () => {
    const first = mergeMaindata(emptyCache(), full).cache;
    const delta = parse({
      rid: 14,
      torrents: { [H]: { progress: 0.6142, dlspeed: 18874368, eta: 312, amount_left: 5798281216, completed: 9234104320, downloaded: 9234104320 } },
      server_state: { dl_info_speed: 18874368, dl_info_data: 9235001344 },
    });
    expect(delta.full_update).toBeUndefined();
    const r = mergeMaindata(first, delta);
    expect(r.full).toBe(false);
    expect(r.cache.rid).toBe(14);
    expect(r.changed).toEqual([H]);
    expect(r.cache.torrents.get(H)).toMatchObject({
      hash: H,
      progress: 0.6142,
      dlspeed: 18874368,
      eta: 312,
      amount_left: 5798281216,
      state: 'downloading',
      size: 15_032_385_536,
      category: 'radarr',
    });
    // Untouched torrents are shared, not copied; the input cache is not modified.
    expect(r.cache.torrents.get(H2)).toBe(first.torrents.get(H2));
    expect(first.torrents.get(H)?.progress).toBe(0.5);
    expect(first.rid).toBe(13);
  });

  it('adds a torrent that appears in a delta with all its fields', () => {
    const first = mergeMaindata(emptyCache(), full).cache;
    const H3 = 'cccc2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';
    const r = mergeMaindata(first, parse({ rid: 14, torrents: { [H3]: wire(H3, { state: 'metaDL', size: 0 }) } }));
    expect(r.added).toEqual([H3]);
    expect(r.cache.torrents.get(H3)).toMatchObject({ hash: H3, state: 'metaDL', size: 0, num_seeds: 5 });
    expect(r.cache.torrents.size).toBe(3);
  });

  it('deletes torrents_removed and reports the last known torrent', () => {
    const first = mergeMaindata(emptyCache(), full).cache;
    const r = mergeMaindata(first, parse({ rid: 14, torrents_removed: [H] }));
    expect(r.cache.torrents.has(H)).toBe(false);
    expect(r.cache.torrents.has(H2)).toBe(true);
    expect(r.removed.map((t) => t.hash)).toEqual([H]);
    expect(r.removed[0]?.progress).toBe(0.5);
    // Removing an unknown hash is harmless.
    expect(mergeMaindata(r.cache, parse({ rid: 15, torrents_removed: [H] })).removed).toEqual([]);
  });

  it('an empty delta changes nothing but the rid', () => {
    const first = mergeMaindata(emptyCache(), full).cache;
    const r = mergeMaindata(first, parse({ rid: 14 }));
    expect(r.cache.rid).toBe(14);
    expect(r.cache.torrents).toEqual(first.torrents);
    expect([r.added, r.changed, r.removed]).toEqual([[], [], []]);
  });

  it('a delta repeating the current values is not a change', () => {
    const first = mergeMaindata(emptyCache(), full).cache;
    const r = mergeMaindata(first, parse({ rid: 14, torrents: { [H]: { progress: 0.5, state: 'downloading' } } }));
    expect(r.changed).toEqual([]);
    expect(r.cache.torrents.get(H)).toBe(first.torrents.get(H));
  });

  it('a full_update after a server-side reset replaces everything; what it lacks counts as removed', () => {
    const first = mergeMaindata(emptyCache(), full).cache;
    const again = parse({ rid: 1, full_update: true, torrents: { [H2]: wire(H2, { state: 'pausedUP', progress: 1 }) } });
    const r = mergeMaindata(first, again);
    expect(r.full).toBe(true);
    expect(r.cache.rid).toBe(1);
    expect([...r.cache.torrents.keys()]).toEqual([H2]);
    expect(r.cache.torrents.get(H2)?.state).toBe('pausedUP');
    expect(r.removed.map((t) => t.hash)).toEqual([H]);
    expect(r.changed).toEqual([H2]);
    expect(r.added).toEqual([]);
  });

  it('a full snapshot drops fields the old copy had (no stale merge)', () => {
    const first = mergeMaindata(emptyCache(), parse({ rid: 1, full_update: true, torrents: { [H]: { state: 'downloading', progress: 0.2, extra: 'x' } } })).cache;
    const r = mergeMaindata(first, parse({ rid: 2, full_update: true, torrents: { [H]: { state: 'downloading', progress: 0.3 } } }));
    expect(r.cache.torrents.get(H)).toEqual({ hash: H, state: 'downloading', progress: 0.3 });
  });

  it('lower-cases hashes (keys and torrents_removed)', () => {
    const upper = H.toUpperCase();
    const a = mergeMaindata(emptyCache(), parse({ rid: 1, full_update: true, torrents: { [upper]: { state: 'downloading', progress: 0.1 } } }));
    expect([...a.cache.torrents.keys()]).toEqual([H]);
    const b = mergeMaindata(a.cache, parse({ rid: 2, torrents: { [upper]: { progress: 0.2 } } }));
    expect(b.cache.torrents.get(H)?.progress).toBe(0.2);
    const c = mergeMaindata(b.cache, parse({ rid: 3, torrents_removed: [upper] }));
    expect(c.cache.torrents.size).toBe(0);
  });

  it('the schema accepts unknown keys and rejects a wrong type', () => {
    expect(parse({ rid: 5, torrents: { [H]: { brand_new_field: [1, 2] } }, tags_removed: ['x'] }).torrents?.[H]).toEqual({ brand_new_field: [1, 2] });
    expect(maindataSchema.safeParse({ rid: 5, torrents: { [H]: { progress: '0.5' } } }).success).toBe(false);
    expect(maindataSchema.safeParse({ torrents: {} }).success).toBe(false);
  });
});
