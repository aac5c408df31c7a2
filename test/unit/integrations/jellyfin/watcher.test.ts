/**
 * The Jellyfin watcher and client against the protocol-faithful Jellyfin fake over real HTTP
 * on loopback (test/fakes/jellyfin.ts). The view is a list of requests; the sink records
 * every batch and applies events addressed by request id through the real reducer, so a
 * request moves on like it would in the engine.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseJellyfin, type JellyfinHint } from '../../../../src/integrations/jellyfin/adapter.js';
import type { TrackerEvent, UnstampedEvent } from '../../../../src/domain/events.js';
import { episodeKey, type Episode, type MediaRequest } from '../../../../src/domain/model.js';
import { reduce } from '../../../helpers/reduce.js';
import { isClosed, type EpisodeState } from '../../../../src/domain/states.js';
import { createLogger, redact, setLogLevel, setLogSink, type Level } from '../../../../src/log.js';
import { authorizationHeader, JellyfinClient } from '../../../../src/integrations/jellyfin/client.js';
import { createJellyfinWatcher, type JellyfinWatcher, type JellyfinWatcherOptions } from '../../../../src/integrations/jellyfin/watcher.js';
import type { EventSink, TrackedView } from '../../../../src/watchers/types.js';
import { createJellyfinFake, shokofinIds, type JfItem } from '../../../fakes/jellyfin.js';
import { blankRequest } from '../../../helpers/requests.js';

const KEY = 'jf-Watcher-Key-7c1d';

// ---------------------------------------------------------------------------------------
// Requests, view and sink

function base(o: Partial<MediaRequest>): MediaRequest {
  return blankRequest({ id: 'req', media_type: 'movie', jellyseerr_request_id: 1, phase: 'REQUESTED', ...o }, '2026-01-01T00:00:00.000Z');
}

const movieReq = (id: string, tmdb: number, o: Partial<MediaRequest> = {}) => base({ id, media_type: 'movie', tmdb_id: tmdb, ...o });

function ep(season: number, episode: number, state: EpisodeState = 'IMPORTING', o: Partial<Episode> = {}): Episode {
  return {
    season,
    episode,
    title: null,
    state,
    progress: 1,
    hash: null,
    file_path: null,
    release: null,
    air_date_utc: null,
    sonarr_episode_id: null,
    history: [{ at: '2026-01-01T00:00:00.000Z', state, source: 'sonarr' }],
    ...o,
  };
}

function tvReq(id: string, tvdb: number | null, eps: Episode[], o: Partial<MediaRequest> = {}): MediaRequest {
  const episodes: Record<string, Episode> = {};
  for (const e of eps) episodes[episodeKey(e.season, e.episode)] = e;
  // Sonarr's episode list was read: these episodes are everything the request wants.
  return base({
    id,
    media_type: 'tv',
    tvdb_id: tvdb,
    requested_seasons: [...new Set(eps.map((e) => e.season))],
    phase: 'IMPORTING',
    episodes,
    roster: { from: 'sonarr', at: '2026-01-01T00:00:00.000Z' },
    ...o,
  });
}

class World implements EventSink, TrackedView {
  readonly requests = new Map<string, MediaRequest>();
  readonly batches: UnstampedEvent[][] = [];
  failNext = 0;

  add(...rs: MediaRequest[]): this {
    for (const r of rs) this.requests.set(r.id, r);
    return this;
  }

  async ingest(events: UnstampedEvent[]): Promise<unknown> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('store is read-only');
    }
    this.batches.push(events);
    const out: Array<{ status: string; request_ids: string[] }> = [];
    for (const e of events) {
      const target = e.match.request_id ? this.requests.get(e.match.request_id) : this.byJellyfin(e.match.jellyfin_id);
      if (!target) {
        out.push({ status: 'ignored', request_ids: [] });
        continue;
      }
      const res = reduce(target, { ...e, at: new Date().toISOString() } as TrackerEvent, { verifyAvailability: true });
      if (res.request) this.requests.set(target.id, res.request);
      out.push({ status: res.outcome === 'applied' ? 'accepted' : res.outcome, request_ids: [target.id] });
    }
    return out;
  }

  private byJellyfin(id: string | undefined): MediaRequest | undefined {
    if (!id) return undefined;
    return [...this.requests.values()].find((r) => r.jellyfin_id === id || Object.values(r.episodes).some((e) => e.jellyfin_id === id));
  }

  *openRequests(): IterableIterator<MediaRequest> {
    for (const r of this.requests.values()) if (!isClosed(r.state)) yield r;
  }

  request(id: string): MediaRequest | undefined {
    return this.requests.get(id);
  }

  trackedHashes(): Set<string> {
    return new Set();
  }

  get events(): UnstampedEvent[] {
    return this.batches.flat();
  }

  state(id: string): MediaRequest {
    const r = this.requests.get(id);
    if (!r) throw new Error(`no request ${id}`);
    return r;
  }
}

// ---------------------------------------------------------------------------------------
// Rig

const logLines: Array<{ level: Level; line: string }> = [];
beforeAll(() => {
  setLogLevel('debug');
  setLogSink((level, line) => logLines.push({ level, line }));
});
afterAll(() => {
  setLogSink(null);
  setLogLevel('info');
});

interface Rig {
  jf: ReturnType<typeof createJellyfinFake>;
  url: string;
  world: World;
  watcher: JellyfinWatcher;
  now: { ms: number };
  /** Requests the fake saw since the last `mark()`. */
  since(): number;
  mark(): void;
  advance(ms: number): void;
}

const rigs: Rig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) {
    await r.watcher.stop();
    await r.jf.stop();
  }
});

async function rig(
  opts: { setup?: (jf: ReturnType<typeof createJellyfinFake>) => void; watcher?: Partial<JellyfinWatcherOptions>; version?: string; legacyAuth?: boolean; key?: string } = {},
): Promise<Rig> {
  const jf = createJellyfinFake({ apiKey: KEY, scanDelayMs: 300, ...(opts.version ? { version: opts.version } : {}), ...(opts.legacyAuth !== undefined ? { legacyAuth: opts.legacyAuth } : {}) });
  opts.setup?.(jf);
  const handle = await jf.start();
  const world = new World();
  const now = { ms: Date.parse('2026-01-01T12:00:00Z') };
  const watcher = createJellyfinWatcher({
    url: handle.url,
    apiKey: opts.key ?? KEY,
    intervalS: 3600,
    sink: world,
    view: world,
    log: createLogger('test:jellyfin'),
    clock: () => new Date(now.ms),
    timeoutMs: 2000,
    ...opts.watcher,
  });
  let mark = 0;
  const r: Rig = {
    jf,
    url: handle.url,
    world,
    watcher,
    now,
    since: () => jf.log.count() - mark,
    mark: () => void (mark = jf.log.count()),
    advance: (ms) => void (now.ms += ms),
  };
  rigs.push(r);
  return r;
}

function hint(jf: Rig['jf'], item: JfItem, type: 'ItemAdded' | 'ItemDeleted'): JellyfinHint {
  const parsed = parseJellyfin(jf.webhookData(item, type));
  if (!parsed.ok || !parsed.hint) throw new Error('webhook data did not parse');
  return parsed.hint;
}

const available = (w: World) => w.events.filter((e) => e.kind === 'available');

// ---------------------------------------------------------------------------------------
// Client

describe('client', () => {
  it('authenticates with Authorization: MediaBrowser Token (also on 12.0 without legacy auth), never X-Emby-Token', async () => {
    const { jf, watcher } = await rig({ version: '12.0.0', legacyAuth: false, setup: (f) => void f.addMovie({ name: 'A', tmdbId: 1 }) });
    await watcher.poke();
    expect(watcher.status()).toMatchObject({ healthy: true, last_error: null, detail: { server_version: '12.0.0', movies: 1 } });
    expect(jf.log.entries.length).toBeGreaterThan(0);
    for (const e of jf.log.entries) {
      expect(e.meta.authVia).toBe('MediaBrowser');
      expect(e.headers['x-emby-token']).toBeUndefined();
      expect(e.headers.authorization).toMatch(/^MediaBrowser Token="jf-Watcher-Key-7c1d"/);
      expect(JSON.stringify(e.query)).not.toContain(KEY);
    }
    expect(authorizationHeader('a"b')).toMatch(/^MediaBrowser Token="a%22b", Client="Media%20Tracker"/);
  });

  it('asks for ProviderIds/Path (and MediaSources where playability is judged) through Fields', async () => {
    const { jf, watcher } = await rig({ setup: (f) => void f.addMovie({ name: 'A', tmdbId: 1 }) });
    await watcher.poke();
    const fields = (key: string) => String(jf.log.of(key)[0]?.query.Fields ?? jf.log.of(key)[0]?.query.fields).split(',');
    const items = jf.log.of('GET /Items');
    const inventory = items.find((e) => String(e.query.IncludeItemTypes) === 'Movie,Series');
    const recent = items.find((e) => String(e.query.IncludeItemTypes) === 'Movie,Episode');
    expect(String(inventory?.query.Fields).split(',')).toEqual(expect.arrayContaining(['ProviderIds', 'Path']));
    expect(recent?.query).toMatchObject({ SortBy: 'DateCreated', SortOrder: 'Descending', Recursive: 'true', Limit: '100' });
    expect(String(recent?.query.Fields).split(',')).toEqual(expect.arrayContaining(['ProviderIds', 'Path', 'MediaSources', 'DateCreated']));
    expect(items.every((e) => e.query.AnyProviderIdEquals === undefined)).toBe(true);
    expect(fields('GET /Items')).toContain('ProviderIds');
    // The index really got the gated fields.
    expect([...watcher.library.all()][0]).toMatchObject({ providers: { tmdb: '1' }, path: expect.stringContaining('/data/movies/') });
  });

  it('GET /Items/{id}: 404 means gone; /Shows/{id}/Episodes drops virtual episodes', async () => {
    const jf = createJellyfinFake({ apiKey: KEY });
    const s = jf.addSeries({ name: 'S', tvdbId: 5 });
    jf.addEpisode(s, { season: 1, episode: 1 });
    jf.addEpisode(s, { season: 1, episode: 2, file: false });
    const { url } = await jf.start();
    try {
      const client = new JellyfinClient({ url, apiKey: KEY });
      expect(await client.item('0'.repeat(32))).toBeNull();
      expect((await client.item(s.Id))?.ProviderIds).toEqual({ Tvdb: '5' });
      const eps = await client.seriesEpisodes(s.Id);
      expect(eps?.map((e) => e.IndexNumber)).toEqual([1]);
      expect(eps?.[0]).toMatchObject({ Path: expect.any(String), MediaSources: expect.any(Array) });
      expect(jf.log.last('GET /Shows/:id/Episodes')?.query).toMatchObject({ isMissing: 'false' });
      expect(await client.seriesEpisodes('0'.repeat(32))).toBeNull();
    } finally {
      await jf.stop();
    }
  });

  it('HTTP 401: a clear error, unhealthy, no crash; the key never reaches a log line', async () => {
    const { watcher, world } = await rig({ key: 'wrong-Key-0000', setup: (f) => void f.addMovie({ name: 'A', tmdbId: 1 }) });
    world.add(movieReq('m', 1));
    logLines.length = 0;
    await watcher.poke();
    const st = watcher.status();
    expect(st.healthy).toBe(false);
    expect(st.last_error).toContain('jellyfin: GET /System/Info answered HTTP 401 (check the API key)');
    expect(world.events).toEqual([]);
    expect(logLines.some((l) => l.line.includes('HTTP 401 (check the API key)'))).toBe(true);
    expect(logLines.every((l) => !l.line.includes('wrong-Key-0000') && !l.line.includes(KEY))).toBe(true);
    expect(redact(`x ${KEY} y`)).toBe('x *** y');
  });
});

// ---------------------------------------------------------------------------------------
// Verification rules over HTTP

describe('verification', () => {
  it('a playable movie in the library → one verified available event with its item id', async () => {
    let dune!: JfItem;
    const { watcher, world } = await rig({
      setup: (f) => {
        dune = f.addMovie({ name: 'Dune: Part Two', year: 2024, tmdbId: 693134 });
        f.addMovie({ name: 'Interstellar', tmdbId: 157336 });
      },
    });
    world.add(movieReq('dune', 693134));
    await watcher.poke();
    expect(world.batches).toHaveLength(1);
    expect(world.events).toEqual([
      expect.objectContaining({ kind: 'available', verified: true, source: 'jellyfin', jellyfin_id: dune.Id, match: { request_id: 'dune', scope: 'any' }, reason: 'Playable in Jellyfin' }),
    ]);
    expect(world.state('dune')).toMatchObject({ state: 'AVAILABLE', jellyfin_id: dune.Id });
    // Nothing more to say on the next cycle.
    await watcher.poke();
    expect(world.batches).toHaveLength(1);
  });

  it('E2: the server returns every item whatever the provider filter; only the exact id matches', async () => {
    const { watcher, world, jf, url } = await rig({
      setup: (f) => {
        f.addMovie({ name: 'Jujutsu Kaisen 0', tmdbId: 810693 });
        f.addMovie({ name: 'Interstellar', tmdbId: 157336 });
        f.addMovie({ name: 'Near miss', tmdbId: 5721540 });
        f.addMovie({ name: 'Near miss 2', tmdbId: 57215 });
      },
    });
    world.add(movieReq('suzume', 572154));
    await watcher.poke();
    expect(world.events).toEqual([]);
    // Even a client that asked with AnyProviderIdEquals gets everything back.
    void jf;
    const res = await fetch(`${url}/Items?Recursive=true&IncludeItemTypes=Movie&AnyProviderIdEquals=Tmdb.572154`, { headers: { authorization: authorizationHeader(KEY) } });
    expect(((await res.json()) as { Items: unknown[] }).Items).toHaveLength(4);
  });

  /** A metadata-only movie (no file yet) created long ago, behind two newer items in a 2-item "recently added" feed. */
  async function suzumeRig(): Promise<Rig & { suzume: JfItem }> {
    let suzume!: JfItem;
    const r = await rig({
      watcher: { recentLimit: 2 },
      setup: (f) => {
        suzume = f.addMovie({ name: 'Suzume', tmdbId: 916224, file: false, dateCreated: '2025-01-01T00:00:00.0000000Z' });
        f.addMovie({ name: 'Newer 1', tmdbId: 1, dateCreated: '2025-06-01T00:00:00.0000000Z' });
        f.addMovie({ name: 'Newer 2', tmdbId: 2, dateCreated: '2025-06-02T00:00:00.0000000Z' });
      },
    });
    return { ...r, suzume };
  }

  it('E3: a metadata-only movie never counts; once it has a file (same item, saved again) the changed-since sweep finds it', async () => {
    const { watcher, world, jf, advance, suzume } = await suzumeRig();
    world.add(movieReq('suzume', 916224));
    await watcher.poke();
    expect(world.events).toEqual([]);
    // The same item gets its file: Jellyfin saves it again, but DateCreated is unchanged, so it is not among the recently added.
    await new Promise((r) => setTimeout(r, 5));
    Object.assign(suzume, { Path: '/data/movies/Suzume (2022)/Suzume.mkv', MediaSources: [{ Id: suzume.Id, Path: '/x.mkv', Protocol: 'File' }], DateLastSaved: new Date().toISOString() });
    await watcher.poke();
    expect(world.events).toEqual([]);
    advance(16 * 60_000);
    await watcher.poke();
    const sweeps = jf.log.of('GET /Items').filter((e) => e.query.MinDateLastSaved !== undefined);
    expect(sweeps).toHaveLength(1);
    // The window starts before the last look at the library (the server's clock), not at this machine's.
    expect(Date.parse(String(sweeps[0]!.query.MinDateLastSaved))).toBeLessThan(Date.parse(suzume.DateLastSaved));
    expect(world.state('suzume')).toMatchObject({ state: 'AVAILABLE', jellyfin_id: suzume.Id });
  });

  it('E3: an unplayable candidate the sweep does not return is re-checked by id after 15 minutes', async () => {
    const { watcher, world, jf, advance, suzume } = await suzumeRig();
    // Saved long ago: no changed-since window holds it, whatever happens to it.
    suzume.DateLastSaved = '2025-01-01T00:00:00.0000000Z';
    world.add(movieReq('suzume', 916224));
    await watcher.poke();
    Object.assign(suzume, { Path: '/data/movies/Suzume (2022)/Suzume.mkv', MediaSources: [{ Id: suzume.Id, Path: '/x.mkv', Protocol: 'File' }] });
    await watcher.poke();
    expect(world.events).toEqual([]);
    advance(16 * 60_000);
    await watcher.poke();
    expect(jf.log.of('GET /Items').filter((e) => String(e.query.Ids ?? '') === suzume.Id)).toHaveLength(1);
    expect(world.state('suzume')).toMatchObject({ state: 'AVAILABLE', jellyfin_id: suzume.Id });
  });

  it('E3: a virtual episode never counts', async () => {
    const { watcher, world } = await rig({
      setup: (f) => {
        const s = f.addSeries({ name: 'Show', tvdbId: 10 });
        f.addEpisode(s, { season: 1, episode: 1, file: false });
      },
    });
    world.add(tvReq('show', 10, [ep(1, 1)]));
    await watcher.poke();
    expect(world.events).toEqual([]);
  });

  it('E5: a new season of a series whose earlier season exists is not available until its own episodes are', async () => {
    let s!: JfItem;
    const { watcher, world, jf } = await rig({
      setup: (f) => {
        s = f.addSeries({ name: 'Outer Banks', tvdbId: 362629, tmdbId: 100757 });
        for (let e = 1; e <= 3; e++) f.addEpisode(s, { season: 1, episode: e });
      },
    });
    world.add(tvReq('obx', 362629, [ep(2, 1), ep(2, 2), ep(2, 3)]));
    await watcher.poke();
    expect(world.events).toEqual([]);
    expect(world.state('obx').state).toBe('IMPORTING');
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(1);

    const e21 = jf.addEpisode(s, { season: 2, episode: 1 });
    const e22 = jf.addEpisode(s, { season: 2, episode: 2 });
    await watcher.poke();
    expect(available(world)).toHaveLength(1);
    expect(available(world)[0]).toMatchObject({
      episodes: [
        { season: 2, episode: 1, jellyfin_id: e21.Id },
        { season: 2, episode: 2, jellyfin_id: e22.Id },
      ],
    });
    expect(world.state('obx').state).toBe('PARTIALLY_AVAILABLE');
    expect(world.state('obx').episodes.S02E03?.state).toBe('IMPORTING');

    const e23 = jf.addEpisode(s, { season: 2, episode: 3, episodeEnd: 4 });
    await watcher.poke();
    expect(world.state('obx').state).toBe('AVAILABLE');
    expect(world.state('obx').episodes.S02E03?.jellyfin_id).toBe(e23.Id);
  });

  it('Shokofin anime: items without Tmdb/Tvdb match through Shoko File (movie and episodes)', async () => {
    let movie!: JfItem;
    let e3!: JfItem;
    const { watcher, world } = await rig({
      setup: (f) => {
        movie = f.addMovie({ name: 'Summer Ghost', providerIds: shokofinIds({ series: 99, episode: 990, file: 9900 }) });
        const s = f.addSeries({ name: 'Dan Da Dan', providerIds: shokofinIds({ series: 12, anidb: 17709 }), path: '/data/anime/Dan Da Dan' });
        e3 = f.addEpisode(s, { season: 1, episode: 3, providerIds: shokofinIds({ series: 12, episode: 345, file: 678 }) });
        f.addEpisode(s, { season: 1, episode: 4, providerIds: shokofinIds({ series: 12, episode: 346, file: 999 }) });
      },
    });
    world.add(
      movieReq('ghost', 791373, { is_anime: true, state: 'ANIME_MATCHING', shoko_file_id: 9900 }),
      tvReq('ddd', 433925, [ep(1, 3, 'ANIME_MATCHING', { shoko_file_id: 678 }), ep(1, 4, 'ANIME_MATCHING', { shoko_file_id: 679 })], { is_anime: true }),
    );
    await watcher.poke();
    expect(world.state('ghost')).toMatchObject({ state: 'AVAILABLE', jellyfin_id: movie.Id });
    expect(world.state('ddd').episodes.S01E03).toMatchObject({ state: 'AVAILABLE', jellyfin_id: e3.Id });
    // Shoko file 679 is not the file Jellyfin has at E04 (999): E04 stays unproven.
    expect(world.state('ddd').episodes.S01E04?.state).toBe('ANIME_MATCHING');
    expect(world.state('ddd').state).toBe('PARTIALLY_AVAILABLE');
  });

  it('a series added after start-up (unknown to the inventory) is fetched by id from its new episode', async () => {
    const { watcher, world, jf } = await rig();
    world.add(tvReq('new', 777, [ep(1, 1)]));
    await watcher.poke();
    const s = jf.addSeries({ name: 'New Show', tvdbId: 777 });
    const e = jf.addEpisode(s, { season: 1, episode: 1 });
    await watcher.poke();
    expect(jf.log.of('GET /Items').some((x) => String(x.query.Ids ?? '') === s.Id)).toBe(true);
    expect(world.state('new')).toMatchObject({ state: 'AVAILABLE' });
    expect(world.state('new').episodes.S01E01?.jellyfin_id).toBe(e.Id);
  });

  it('a series the API does not return (another library, no access) is not asked for again every cycle', async () => {
    const { watcher, jf, advance } = await rig();
    await watcher.poke();
    const hidden = jf.addSeries({ name: 'Hidden', tvdbId: 1 });
    jf.addEpisode(hidden, { season: 1, episode: 1 });
    jf.state.items = jf.state.items.filter((i) => i.Id !== hidden.Id);
    const byIds = () => jf.log.of('GET /Items').filter((e) => e.query.Ids !== undefined).length;
    await watcher.poke();
    await watcher.poke();
    expect(byIds()).toBe(1);
    advance(16 * 60_000);
    await watcher.poke();
    expect(byIds()).toBe(2);
    expect(watcher.status().healthy).toBe(true);
  });

  it('a gap in the recently-added feed (more new items than Limit) reloads tracked series and the inventory', async () => {
    let s!: JfItem;
    const { watcher, world, jf } = await rig({
      watcher: { recentLimit: 2 },
      setup: (f) => {
        s = f.addSeries({ name: 'Big', tvdbId: 42 });
        f.addMovie({ name: 'Old', tmdbId: 1, dateCreated: '2025-01-01T00:00:00.0000000Z' });
      },
    });
    world.add(tvReq('big', 42, [ep(1, 1), ep(1, 2)]));
    await watcher.poke();
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(1);
    // Five new episodes at once: the 2-item page holds E05/E04 only, and nothing seen before.
    for (let e = 1; e <= 5; e++) Object.assign(jf.addEpisode(s, { season: 1, episode: e }), { DateCreated: `2025-02-0${e}T00:00:00.0000000Z` });
    await watcher.poke();
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(2);
    expect(world.state('big').state).toBe('AVAILABLE');
    expect(jf.log.count('GET /System/Info')).toBe(1);
    await watcher.poke();
    expect(jf.log.count('GET /System/Info')).toBe(2);
  });
});

// ---------------------------------------------------------------------------------------
// Request budget

describe('requests per cycle do not grow with tracked requests', () => {
  async function perCycle(requests: MediaRequest[], setup: (f: ReturnType<typeof createJellyfinFake>) => void): Promise<number[]> {
    const r = await rig({ setup });
    r.world.add(...requests);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      r.mark();
      await r.watcher.poke();
      counts.push(r.since());
      expect(r.watcher.lastCycleRequests).toBe(counts.at(-1));
    }
    expect(r.watcher.status().healthy).toBe(true);
    return counts;
  }

  const library = (f: ReturnType<typeof createJellyfinFake>) => {
    for (let i = 0; i < 50; i++) f.addMovie({ name: `Movie ${i}`, tmdbId: 1000 + i });
    const s = f.addSeries({ name: 'Show', tvdbId: 9000 });
    for (let e = 1; e <= 10; e++) f.addEpisode(s, { season: 1, episode: e });
  };

  it('movies: 1 vs 500 tracked requests → the same count every cycle', async () => {
    const one = await perCycle([movieReq('m-0', 1000)], library);
    const many = await perCycle(
      Array.from({ length: 500 }, (_, i) => movieReq(`m-${i}`, 1000 + i)),
      library,
    );
    expect(many).toEqual(one);
    // First cycle: System/Info + inventory + recently added; then one request per cycle.
    expect(one).toEqual([3, 1, 1]);
  });

  it('TV: 1 vs 500 tracked requests → the same count every cycle', async () => {
    const eps = (i: number) => [ep(1, (i % 10) + 1), ep(2, 1)];
    const one = await perCycle([tvReq('t-0', 9000, eps(0))], library);
    const many = await perCycle(
      Array.from({ length: 500 }, (_, i) => tvReq(`t-${i}`, 9000, eps(i))),
      library,
    );
    expect(many).toEqual(one);
    expect(one).toEqual([4, 1, 1]);
  });

  it('500 requests over 500 distinct series: at most 3 episode-list loads per cycle', async () => {
    const r = await rig({
      setup: (f) => {
        for (let i = 0; i < 500; i++) f.addSeries({ name: `S${i}`, tvdbId: 20_000 + i });
      },
    });
    r.world.add(...Array.from({ length: 500 }, (_, i) => tvReq(`s-${i}`, 20_000 + i, [ep(1, 1)])));
    for (let i = 0; i < 4; i++) {
      r.mark();
      await r.watcher.poke();
      expect(r.since()).toBeLessThanOrEqual(i === 0 ? 2 + 1 + 3 : 1 + 3);
    }
    expect(r.jf.log.count('GET /Shows/:id/Episodes')).toBe(12);
  });
});

// ---------------------------------------------------------------------------------------
// Failures

describe('failures', () => {
  it('HTTP 500 / invalid JSON / timeout: unhealthy, nothing emitted, state unchanged; recovers', async () => {
    const { watcher, world, jf } = await rig({ watcher: { timeoutMs: 300 }, setup: (f) => void f.addMovie({ name: 'A', tmdbId: 1 }) });
    world.add(movieReq('a', 1));
    jf.faults.failNext('GET /System/Info', 1, 500);
    await watcher.poke();
    expect(watcher.status()).toMatchObject({ healthy: false, last_error: expect.stringContaining('jellyfin: GET /System/Info answered HTTP 500') });
    expect(world.events).toEqual([]);

    jf.faults.invalidJsonNext('GET /Items');
    await watcher.poke();
    expect(watcher.status().last_error).toContain('returned invalid JSON');
    expect(world.events).toEqual([]);
    expect(world.state('a').state).toBe('IMPORTING');

    jf.faults.delayNext('GET /Items', 2000);
    await watcher.poke();
    expect(watcher.status()).toMatchObject({ healthy: false, last_error: expect.stringMatching(/jellyfin: GET \/Items failed: UND_ERR_HEADERS_TIMEOUT/) });
    expect(world.events).toEqual([]);

    await watcher.poke();
    expect(watcher.status().healthy).toBe(true);
    expect(world.state('a').state).toBe('AVAILABLE');
  });

  it('a failed ingest is retried on the next cycle (nothing is remembered as sent)', async () => {
    const { watcher, world } = await rig({ setup: (f) => void f.addMovie({ name: 'A', tmdbId: 1 }) });
    world.add(movieReq('a', 1));
    world.failNext = 1;
    await watcher.poke();
    expect(watcher.status().healthy).toBe(false);
    await watcher.poke();
    expect(world.state('a').state).toBe('AVAILABLE');
  });
});

// ---------------------------------------------------------------------------------------
// Webhook hints

describe('onHint', () => {
  it('ItemAdded (movie): verified through the API and matched at once', async () => {
    const { watcher, world, jf } = await rig();
    world.add(movieReq('dune', 693134));
    await watcher.poke();
    const dune = jf.addMovie({ name: 'Dune: Part Two', tmdbId: 693134 });
    const out = await watcher.onHint(hint(jf, dune, 'ItemAdded'));
    expect(out.note).toContain('playable');
    expect(out.results).toEqual([{ status: 'accepted', request_ids: ['dune'] }]);
    expect(world.state('dune')).toMatchObject({ state: 'AVAILABLE', jellyfin_id: dune.Id });
    expect(jf.log.last('GET /Items/:id')?.path).toBe(`/Items/${dune.Id}`);
  });

  it('ItemAdded is only a hint: the API decides (virtual/metadata-only, unknown id)', async () => {
    const { watcher, world, jf } = await rig();
    world.add(movieReq('m', 5));
    const meta = jf.addMovie({ name: 'Meta', tmdbId: 5, file: false });
    expect((await watcher.onHint(hint(jf, meta, 'ItemAdded'))).note).toContain('not playable');
    const ghost = { ...meta, Id: 'ab'.repeat(16) };
    expect((await watcher.onHint(hint(jf, ghost, 'ItemAdded'))).note).toContain('does not know');
    expect(world.events).toEqual([]);
  });

  it('ItemAdded (episode, template form with hyphenated ids): resolves its series and marks only that episode (A9)', async () => {
    let s!: JfItem;
    const { watcher, world, jf } = await rig({ setup: (f) => void (s = f.addSeries({ name: 'Outer Banks', tvdbId: 362629 })) });
    world.add(tvReq('obx', 362629, [ep(4, 1), ep(4, 2)]));
    // Not polled yet: the series is unknown to the index.
    const e = jf.addEpisode(s, { season: 4, episode: 2 });
    const body = jf.webhookData(e, 'ItemAdded');
    body.ItemId = `${e.Id.slice(0, 8)}-${e.Id.slice(8, 12)}-${e.Id.slice(12, 16)}-${e.Id.slice(16, 20)}-${e.Id.slice(20)}`.toUpperCase();
    const parsed = parseJellyfin(body);
    if (!parsed.ok || !parsed.hint) throw new Error('parse');
    const out = await watcher.onHint(parsed.hint);
    expect(out.results).toHaveLength(1);
    expect(world.state('obx').episodes.S04E02).toMatchObject({ state: 'AVAILABLE', jellyfin_id: e.Id });
    expect(world.state('obx').episodes.S04E01?.state).toBe('IMPORTING');
    expect(world.state('obx').state).toBe('PARTIALLY_AVAILABLE');
    expect(jf.log.of('GET /Items/:id').map((x) => x.path)).toEqual([`/Items/${e.Id}`, `/Items/${s.Id}`]);
  });

  it('ItemAdded when Jellyfin is unreachable: a note, no crash', async () => {
    const { watcher, jf } = await rig();
    const m = jf.addMovie({ name: 'A', tmdbId: 1 });
    jf.faults.failNext('GET /Items/:id', 1, 503);
    const out = await watcher.onHint(hint(jf, m, 'ItemAdded'));
    expect(out).toEqual({ note: expect.stringContaining('could not verify'), results: [] });
  });

  it('ItemDeleted (movie, AVAILABLE request): DELETED; a still-present item is ignored', async () => {
    let m!: JfItem;
    const { watcher, world, jf } = await rig({ setup: (f) => void (m = f.addMovie({ name: 'A', tmdbId: 1 })) });
    world.add(movieReq('a', 1));
    await watcher.poke();
    expect(world.state('a').state).toBe('AVAILABLE');
    // A re-scan that sends ItemDeleted while the item is still there changes nothing.
    expect((await watcher.onHint(hint(jf, m, 'ItemDeleted'))).note).toContain('still in the library');
    jf.remove(m.Id);
    const out = await watcher.onHint(hint(jf, m, 'ItemDeleted'));
    expect(out.results).toEqual([{ status: 'accepted', request_ids: ['a'] }]);
    expect(world.events.at(-1)).toMatchObject({ kind: 'deleted', scope: 'media', reason: 'Jellyfin: item deleted', match: { request_id: 'a', scope: 'any' } });
    expect(world.state('a').state).toBe('DELETED');
    expect(watcher.library.get(m.Id)).toBeUndefined();
  });

  it('ItemDeleted (episode): only the episodes holding that item', async () => {
    let e1!: JfItem;
    const { watcher, world, jf } = await rig({
      setup: (f) => {
        const s = f.addSeries({ name: 'S', tvdbId: 3 });
        e1 = f.addEpisode(s, { season: 1, episode: 1 });
        f.addEpisode(s, { season: 1, episode: 2 });
      },
    });
    world.add(tvReq('s', 3, [ep(1, 1), ep(1, 2)]));
    await watcher.poke();
    expect(world.state('s').state).toBe('AVAILABLE');
    jf.remove(e1.Id);
    await watcher.onHint(hint(jf, e1, 'ItemDeleted'));
    expect(world.events.at(-1)).toMatchObject({ kind: 'deleted', scope: 'files', episodes: [{ season: 1, episode: 1, jellyfin_id: e1.Id }] });
    expect(world.state('s').episodes.S01E01?.state).toBe('DELETED');
    expect(world.state('s').episodes.S01E02?.state).toBe('AVAILABLE');
  });

  it('ItemDeleted after a restart (nothing remembered): by jellyfin_id with the webhook numbers', async () => {
    let m!: JfItem;
    const { watcher, world, jf } = await rig({ setup: (f) => void (m = f.addMovie({ name: 'A', tmdbId: 1 })) });
    world.add(movieReq('a', 1, { state: 'AVAILABLE', jellyfin_id: m.Id }));
    jf.remove(m.Id);
    const out = await watcher.onHint(hint(jf, m, 'ItemDeleted'));
    expect(world.events).toEqual([expect.objectContaining({ kind: 'deleted', scope: 'media', match: { jellyfin_id: m.Id, media_type: 'movie', scope: 'any' } })]);
    expect(out.results).toEqual([{ status: 'accepted', request_ids: ['a'] }]);
  });
});

// ---------------------------------------------------------------------------------------
// Library scan

describe('refreshLibrary', () => {
  it('never runs by itself; one in flight at most; rate-limited to one per 10 min; polls go on meanwhile', async () => {
    const { watcher, jf, advance } = await rig({ setup: (f) => void (f.state.scanDelayMs = 500) });
    await watcher.poke();
    await watcher.poke();
    expect(jf.state.refresh.calls).toBe(0);

    const first = await watcher.refreshLibrary('anime stuck in matching');
    expect(first.started).toBe(true);
    expect(watcher.status().detail).toMatchObject({ library_scan: { running: true } });
    const second = await watcher.refreshLibrary('again');
    expect(second).toEqual({ started: false, note: expect.stringContaining('still running') });
    // A poll cycle does not wait for the scan.
    const t0 = Date.now();
    await watcher.poke();
    expect(Date.now() - t0).toBeLessThan(400);
    expect(jf.state.refresh.inFlight).toBe(1);

    await watcher.libraryScan;
    expect(jf.state.refresh).toMatchObject({ calls: 1, completed: 1, maxInFlight: 1 });
    expect(watcher.status().detail).toMatchObject({ library_scan: { running: false, last_result: 'finished' } });

    advance(5 * 60_000);
    expect(await watcher.refreshLibrary('too soon')).toEqual({ started: false, note: expect.stringContaining('rate-limited') });
    advance(6 * 60_000);
    expect((await watcher.refreshLibrary('later')).started).toBe(true);
    await watcher.libraryScan;
    expect(jf.state.refresh).toMatchObject({ calls: 2, maxInFlight: 1 });
  });

  it('a refused scan (non-admin key) is reported, not thrown', async () => {
    const { watcher, jf } = await rig();
    jf.faults.failNext('POST /Library/Refresh', 1, 403);
    expect((await watcher.refreshLibrary('x')).started).toBe(true);
    await watcher.libraryScan;
    expect(watcher.status().detail).toMatchObject({ library_scan: { last_result: expect.stringContaining('HTTP 403') } });
  });
});

// ---------------------------------------------------------------------------------------
// Episode lists, the changed-since sweep and stale proofs

describe('episode lists are read once; a library-wide sweep catches what the feed cannot show', () => {
  it('two simulated hours of 60 s cycles: one episode-list read per series, one sweep per 15 minutes, 1 vs 500 tracked alike', async () => {
    const run = async (n: number): Promise<{ counts: number[]; episodes: number; sweeps: number }> => {
      const r = await rig({
        setup: (f) => {
          for (let i = 0; i < 50; i++) {
            const s = f.addSeries({ name: `S${i}`, tvdbId: 30_000 + i });
            for (let e = 1; e <= 4; e++) f.addEpisode(s, { season: 1, episode: e });
          }
        },
      });
      // Series waiting for season 2 (not in Jellyfin): their lists are wanted every cycle.
      r.world.add(...Array.from({ length: n }, (_, i) => tvReq(`t-${i}`, 30_000 + (i % 50), [ep(1, 1, 'AVAILABLE'), ep(2, 1)])));
      await r.watcher.poke();
      // Start-up: the 50 episode lists, 3 per cycle.
      for (let i = 0; i < 20; i++) {
        r.advance(60_000);
        await r.watcher.poke();
      }
      const counts: number[] = [];
      const episodesBefore = r.jf.log.count('GET /Shows/:id/Episodes');
      for (let i = 0; i < 120; i++) {
        r.advance(60_000);
        r.mark();
        await r.watcher.poke();
        counts.push(r.since());
      }
      const sweeps = r.jf.log.of('GET /Items').filter((e) => e.query.MinDateLastSaved !== undefined).length;
      return { counts, episodes: r.jf.log.count('GET /Shows/:id/Episodes') - episodesBefore, sweeps };
    };
    const one = await run(1);
    const many = await run(500);
    expect(many.counts).toEqual(one.counts);
    expect(many.episodes).toBe(0);
    expect(Math.max(...many.counts)).toBe(2);
    expect(many.counts.filter((c) => c === 2)).toHaveLength(8);
    expect(many.sweeps).toBeGreaterThanOrEqual(8);
  });

  it('an episode imported with an old DateCreated (not among the recently added) is found by the next sweep', async () => {
    let s!: JfItem;
    const { watcher, world, jf, advance } = await rig({
      watcher: { recentLimit: 2 },
      setup: (f) => {
        s = f.addSeries({ name: 'Show', tvdbId: 77 });
        f.addEpisode(s, { season: 1, episode: 1 });
        f.addMovie({ name: 'Newer 1', tmdbId: 1, dateCreated: '2030-06-01T00:00:00.0000000Z' });
        f.addMovie({ name: 'Newer 2', tmdbId: 2, dateCreated: '2030-06-02T00:00:00.0000000Z' });
      },
    });
    world.add(tvReq('show', 77, [ep(1, 1, 'AVAILABLE'), ep(1, 2)]));
    await watcher.poke();
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    const e2 = jf.addEpisode(s, { season: 1, episode: 2 });
    e2.DateCreated = '2019-03-01T00:00:00.0000000Z'; // the file's own date, kept by the import
    for (let i = 0; i < 14; i++) {
      advance(60_000);
      await watcher.poke();
    }
    expect(world.state('show').episodes.S01E02?.state).toBe('IMPORTING');
    advance(60_000);
    await watcher.poke();
    expect(world.state('show').episodes.S01E02).toMatchObject({ state: 'AVAILABLE', jellyfin_id: e2.Id });
    // Found without reading the series' episodes again.
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(1);
  });

  it('an item not seen for a while is verified before it proves an episode: gone without a webhook → no AVAILABLE', async () => {
    let e2!: JfItem;
    const { watcher, world, jf, advance } = await rig({
      setup: (f) => {
        const s = f.addSeries({ name: 'Show', tvdbId: 88 });
        f.addEpisode(s, { season: 1, episode: 1 });
        e2 = f.addEpisode(s, { season: 1, episode: 2 });
      },
    });
    // E02 is settled (DELETED in the request) when the list is read: nothing to prove yet.
    world.add(tvReq('show', 88, [ep(1, 1), ep(1, 2, 'DELETED')]));
    await watcher.poke();
    expect(world.state('show').episodes.S01E01?.state).toBe('AVAILABLE');
    // Jellyfin loses E02 (no ItemDeleted webhook configured); an hour later the request waits for it again.
    jf.state.items = jf.state.items.filter((i) => i.Id !== e2.Id);
    advance(60 * 60_000);
    world.add(tvReq('show', 88, [ep(1, 1, 'AVAILABLE'), ep(1, 2)]));
    const byIds = () => jf.log.of('GET /Items').filter((e) => String(e.query.Ids ?? '').includes(e2.Id)).length;
    await watcher.poke();
    expect(byIds()).toBe(1);
    expect(world.state('show').episodes.S01E02?.state).toBe('IMPORTING');
    expect(watcher.library.has(e2.Id)).toBe(false);
  });

  it('more changes than the sweep reads in five pages count as a gap: episode lists and the inventory are reloaded', async () => {
    const { watcher, world, jf, advance } = await rig({
      watcher: { sweepPageSize: 2 },
      setup: (f) => void f.addEpisode(f.addSeries({ name: 'Show', tvdbId: 99 }), { season: 1, episode: 1 }),
    });
    world.add(tvReq('show', 99, [ep(1, 1, 'AVAILABLE'), ep(2, 1)]));
    await watcher.poke();
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(1);
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 11; i++) jf.addMovie({ name: `Re-identified ${i}`, tmdbId: 500 + i });
    advance(16 * 60_000);
    await watcher.poke();
    expect(jf.log.of('GET /Items').filter((e) => e.query.MinDateLastSaved !== undefined)).toHaveLength(5);
    advance(60_000);
    await watcher.poke();
    expect(jf.log.count('GET /Shows/:id/Episodes')).toBe(2);
    expect(jf.log.count('GET /System/Info')).toBe(2);
  });
});
