/** The panel's list: state groups, filters, search, sort; hash routes that keep them. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERY, groupCounts, inGroup, isDownloading, isDefaultQuery, matches, requesters, selectRequests, type ListQuery } from '../../../../frontend/src/data/query.js';
import { mineFor } from '../../../../frontend/src/data/panel-config.js';
import { formatRoute, parseRoute } from '../../../../frontend/src/data/route.js';
import { request } from '../../../../frontend/test/fixtures.js';

const q = (patch: Partial<ListQuery> = {}): ListQuery => ({ ...DEFAULT_QUERY, ...patch });

const all = [
  request('r1', { title: 'Dune: Part Two', state: 'AVAILABLE', requested_by: 'alice', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-05T00:00:00Z' }),
  request('r2', { title: 'The Bear', media_type: 'tv', state: 'PARTIALLY_AVAILABLE', requested_by: 'bob', created_at: '2026-01-02T00:00:00Z', updated_at: '2026-01-03T00:00:00Z' }),
  request('r3', { title: 'Pokémon Horizons', media_type: 'tv', is_anime: true, state: 'DOWNLOADING', requested_by: 'alice', created_at: '2026-01-03T00:00:00Z', updated_at: '2026-01-04T00:00:00Z' }),
  request('r4', { title: 'Nosferatu', state: 'FAILED', requested_by: null, created_at: '2026-01-04T00:00:00Z', updated_at: '2026-01-02T00:00:00Z' }),
  request('r5', { title: 'Anora', state: 'DECLINED', requested_by: 'carol', created_at: '2026-01-05T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' }),
  request('r6', { title: 'alien: Romulus', state: 'DELETED', requested_by: 'bob', created_at: '2026-01-06T00:00:00Z', updated_at: '2026-01-06T00:00:00Z' }),
  request('r7', {
    title: 'Severance',
    media_type: 'tv',
    state: 'IMPORTING',
    stuck: { since: '2026-01-07T00:00:00Z', reason: 'Sonarr: import blocked' },
    created_at: '2026-01-07T00:00:00Z',
    updated_at: '2026-01-07T00:00:00Z',
  }),
];
const ids = (list: { id: string }[]) => list.map((r) => r.id);

describe('state groups', () => {
  it('active, stuck, available, failed & declined, deleted', () => {
    const of = (g: Parameters<typeof inGroup>[1]) => ids(all.filter((r) => inGroup(r, g)));
    expect(of('all')).toHaveLength(all.length);
    expect(of('active')).toEqual(['r2', 'r3', 'r7']);
    expect(of('stuck')).toEqual(['r7']);
    expect(of('available')).toEqual(['r1', 'r2']);
    expect(of('failed')).toEqual(['r4', 'r5']);
    expect(of('deleted')).toEqual(['r6']);
  });

  it('counts each group under the other filters', () => {
    expect(groupCounts(all, q())).toEqual({ all: 7, active: 3, stuck: 1, available: 2, failed: 2, deleted: 1 });
    expect(groupCounts(all, q({ media: 'tv', group: 'deleted' }))).toEqual({ all: 3, active: 3, stuck: 1, available: 1, failed: 0, deleted: 0 });
  });
});

describe('filters and search', () => {
  it('by type, anime and requester', () => {
    expect(ids(selectRequests(all, q({ media: 'tv' })))).toEqual(['r7', 'r3', 'r2']);
    expect(ids(selectRequests(all, q({ media: 'movie', group: 'failed' })))).toEqual(['r4', 'r5']);
    expect(ids(selectRequests(all, q({ anime: 'anime' })))).toEqual(['r3']);
    expect(ids(selectRequests(all, q({ anime: 'regular' })))).not.toContain('r3');
    expect(ids(selectRequests(all, q({ requester: 'alice' })))).toEqual(['r7', 'r1', 'r3']);
  });

  it('searches titles without regard to case or accents', () => {
    expect(ids(selectRequests(all, q({ search: 'pokemon' })))).toEqual(['r3']);
    expect(ids(selectRequests(all, q({ search: '  DUNE ' })))).toEqual(['r1']);
    expect(ids(selectRequests(all, q({ search: 'part two' })))).toEqual(['r1']);
    expect(matches(all[0]!, q({ search: 'r1' }))).toBe(true);
    expect(selectRequests(all, q({ search: 'nothing like this' }))).toEqual([]);
  });

  it('lists requesters once, sorted', () => {
    expect(requesters(all)).toEqual(['alice', 'bob', 'carol']);
  });
});

describe('sort', () => {
  it('by last update (newest first), request date, or title', () => {
    expect(ids(selectRequests(all, q({ sort: 'updated' })))).toEqual(['r7', 'r6', 'r1', 'r3', 'r2', 'r4', 'r5']);
    expect(ids(selectRequests(all, q({ sort: 'requested' })))).toEqual(['r7', 'r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
    expect(selectRequests(all, q({ sort: 'title' })).map((r) => r.title)).toEqual(['alien: Romulus', 'Anora', 'Dune: Part Two', 'Nosferatu', 'Pokémon Horizons', 'Severance', 'The Bear']);
  });

  it('breaks ties by id, so the order is stable', () => {
    const same = ['b', 'c', 'a'].map((id) => request(id, { updated_at: '2026-01-01T00:00:00Z' }));
    expect(ids(selectRequests(same, q()))).toEqual(['a', 'b', 'c']);
  });

  it('puts the viewer’s own requests first (user name or display name, any case), each part in the query’s order', () => {
    const bob = mineFor({ id: 'u2', name: 'bob', display_name: 'Bob' });
    expect(ids(selectRequests(all, q({ sort: 'updated' }), bob))).toEqual(['r6', 'r2', 'r7', 'r1', 'r3', 'r4', 'r5']);
    expect(ids(selectRequests(all, q({ sort: 'title' }), bob))).toEqual(['r6', 'r2', 'r5', 'r1', 'r4', 'r3', 'r7']);
    // Jellyseerr's requester is a display name: Alice Liddell's HA display name "ALICE" matches "alice".
    const alice = mineFor({ id: 'u1', name: 'aliddell', display_name: 'ALICE' });
    expect(ids(selectRequests(all, q({ sort: 'updated' }), alice))).toEqual(['r7', 'r1', 'r3', 'r6', 'r2', 'r4', 'r5']);
    // Nobody's own (or no viewer): the query's order alone.
    expect(ids(selectRequests(all, q(), mineFor({ id: 'u9', name: 'dave', display_name: 'Dave' })))).toEqual(ids(selectRequests(all, q())));
    expect(mineFor(null)).toBeNull();
    expect(mineFor({ id: 'u9', name: '', display_name: ' ' })).toBeNull();
  });

  it('does not modify its input', () => {
    const copy = [...all];
    selectRequests(all, q({ sort: 'title' }));
    expect(all).toEqual(copy);
  });

  it('sorts 10,000 requests quickly', () => {
    const many = Array.from({ length: 10_000 }, (_, i) =>
      request(`r${i}`, { title: `Title ${(i * 7919) % 10_000}`, updated_at: new Date(Date.UTC(2026, 0, 1) + ((i * 104_729) % 10_000) * 60_000).toISOString() }),
    );
    const started = performance.now();
    const sorted = selectRequests(many, q({ sort: 'updated', search: 'title' }));
    const elapsed = performance.now() - started;
    expect(sorted).toHaveLength(10_000);
    expect(Date.parse(sorted[0]!.updated_at)).toBeGreaterThanOrEqual(Date.parse(sorted[1]!.updated_at));
    expect(elapsed).toBeLessThan(500);
  });
});

describe('progress is shown while something downloads', () => {
  it('for the request, or for some of its episodes', () => {
    expect(isDownloading(request('a', { state: 'DOWNLOADING', progress: 0.3 }))).toBe(true);
    expect(isDownloading(request('a', { state: 'DOWNLOADING', progress: null }))).toBe(false);
    expect(isDownloading(request('a', { state: 'IMPORTING', progress: 0.6, episodes: { total: 8, available: 0, by_state: { IMPORTING: 4, DOWNLOADING: 4 } } }))).toBe(true);
    expect(isDownloading(request('a', { state: 'IMPORTING', progress: 1, episodes: { total: 8, available: 0, by_state: { IMPORTING: 8 } } }))).toBe(false);
  });
});

describe('hash routes', () => {
  it('list with filters, and back', () => {
    expect(parseRoute('')).toEqual({ view: 'list', query: DEFAULT_QUERY });
    expect(parseRoute('#/')).toEqual({ view: 'list', query: DEFAULT_QUERY });
    const query = q({ group: 'stuck', media: 'tv', anime: 'anime', requester: 'Jo Ann', search: 'dune & co', sort: 'title' });
    const hash = formatRoute({ view: 'list', query });
    expect(hash).toBe('#/?group=stuck&media=tv&anime=anime&by=Jo+Ann&q=dune+%26+co&sort=title');
    expect(parseRoute(hash)).toEqual({ view: 'list', query });
    expect(formatRoute({ view: 'list', query: DEFAULT_QUERY })).toBe('#/');
    expect(isDefaultQuery(DEFAULT_QUERY)).toBe(true);
    expect(isDefaultQuery(query)).toBe(false);
  });

  it('ignores unknown values', () => {
    expect(parseRoute('#/?group=nope&sort=random&media=vhs')).toEqual({ view: 'list', query: DEFAULT_QUERY });
  });

  it('one request', () => {
    expect(parseRoute('#/request/jellyseerr-57')).toEqual({ view: 'detail', id: 'jellyseerr-57' });
    expect(parseRoute('#/request/sonarr-anime-57/')).toEqual({ view: 'detail', id: 'sonarr-anime-57' });
    expect(formatRoute({ view: 'detail', id: 'radarr-12' })).toBe('#/request/radarr-12');
    expect(parseRoute('#/request/%E0%A4%A')).toEqual({ view: 'detail', id: '%E0%A4%A' });
  });
});
