/**
 * The Shoko watcher with a real tracker (webhooks, engine, store, aedes, mqtt.js) and the
 * fake Shoko Server (real SignalR JSON protocol over WebSockets, REST): Radarr/Sonarr imports
 * go through the real webhook routes, Shoko events through the hub, and every assertion is
 * on the retained MQTT topics.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, range, sonarrGrab, sonarrImportComplete, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { createLogger } from '../../src/log.js';
import { createShokoWatcher, type ShokoWatcher } from '../../src/integrations/shoko/watcher.js';
import { createShokoFake, v4, v5 } from '../fakes/shoko.js';
import type { Recorder } from '../helpers/tracker.js';
import { timelineText, world, type World } from './support.js';

const API_KEY = 'shoko-api-key';
const summerGhost: MovieSpec = { requestId: 170, tmdbId: 791373, title: 'Summer Ghost', year: 2021, radarrId: 600, hash: fakeHash('sg-shoko'), anime: true };
const dandadan: ShowSpec = { requestId: 180, tmdbId: 240411, tvdbId: 433925, title: 'Dan Da Dan', year: 2024, sonarrId: 77, seasons: [1], anime: true };
const MOVIE_ID = 'jellyseerr-170';
const SHOW_ID = 'jellyseerr-180';
/** What Radarr imported (demo payloads: `/data/anime/movies/<title> (<year>)/…`), relative to the fake's import folder `/data/anime/`. */
const MOVIE_REL = 'movies/Summer Ghost (2021)/Summer Ghost (2021) [Bluray-1080p].mkv';
const episodeRel = (e: number): string => `Dan Da Dan/Season 01/Dan Da Dan - S01E${String(e).padStart(2, '0')} - Episode ${e} [WEBDL-1080p].mkv`;

type Fake = ReturnType<typeof createShokoFake>;
interface Rig extends World {
  fake: Fake;
  watcher: ShokoWatcher;
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function rig(): Promise<Rig> {
  const fake = createShokoFake({ pingIntervalMs: 200 });
  await fake.start();
  cleanup.push(() => fake.stop());
  const w = await world({ shoko: { url: fake.url, api_key: API_KEY } });
  const engine = w.h.tracker.engine;
  // Once the app builds its own Shoko watcher, it is stopped here: this one has test-sized
  // reconnect delays and no periodic catch-up, so timings and request counts are exact.
  const own = w.h.tracker.watchers.find((x) => x.name === 'shoko');
  if (own) await own.stop();
  const watcher = createShokoWatcher({
    url: fake.url,
    apiKey: API_KEY,
    sink: engine,
    view: engine,
    log: createLogger('shoko'),
    reconnectDelaysMs: [0, 50, 100, 200],
    catchupIntervalMs: 0,
    recheckDelayMs: 50,
  });
  watcher.start();
  cleanup.push(() => watcher.stop());
  await w.rec.until(() => watcher.connected() && fake.open().length === 1, 'the watcher to join the hub');
  return { ...w, fake, watcher };
}

async function importMovie(r: Rig): Promise<void> {
  await r.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', summerGhost));
  await r.send('/hooks/radarr', radarrGrab(summerGhost));
  await r.send('/hooks/radarr', radarrDownload(summerGhost));
  await r.rec.untilState(MOVIE_ID, 'IMPORTING');
}

async function importSeason(r: Rig): Promise<void> {
  const hash = fakeHash('dandadan-shoko');
  await r.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dandadan));
  await r.send('/hooks/sonarr', sonarrGrab(dandadan, range(1, 1, 12), hash, '[SubsPlease] Dandadan (01-12) (1080p) [Batch]'));
  await r.send('/hooks/sonarr', sonarrImportComplete(dandadan, range(1, 1, 12), hash));
  await r.rec.until(() => episodes(r.rec, SHOW_ID)?.every((e) => e.state === 'IMPORTING'), 'all 12 episodes IMPORTING');
  await r.rec.untilState(SHOW_ID, 'IMPORTING');
}

type Ep = { season: number; episode: number; state: string };
function episodes(rec: Recorder, id: string): Ep[] | undefined {
  return rec.json<Ep[]>(`media/${id}/episodes`);
}

function everState(rec: Recorder, id: string): string[] {
  return rec.messages.filter((m) => m.topic === `media/${id}/state` && m.payload).map((m) => String((JSON.parse(m.payload) as { state: string }).state));
}

const xref = (anime: number, episode: number) => ({ episodeId: null, anidbEpisodeId: episode, seriesId: null, anidbAnimeId: anime, groupId: null });

describe('Shoko watcher → tracker', () => {
  it('anime movie: Radarr import, then Shoko FileMatched → ANIME_MATCHING (never AVAILABLE)', async () => {
    const r = await rig();
    await importMovie(r);
    expect(r.fake.connections.at(-1)).toMatchObject({ negotiated: true, feeds: ['shoko'], accessToken: API_KEY, apikey: API_KEY });

    r.fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 41, fileLocationId: 141, importFolderId: 1, relativePath: MOVIE_REL, crossReferences: [xref(15000, 210000)] }));
    const s = await r.rec.untilState(MOVIE_ID, 'ANIME_MATCHING');
    expect(s.stuck).toBeNull();
    expect(s.last_reason).toBe('Shoko: matched to AniDB (anime 15000, episode 210000)');
    expect(timelineText(r.rec, MOVIE_ID)).toMatch(/Imported by Radarr[\s\S]*Shoko: matched to AniDB \(anime 15000, episode 210000\)/);
    // Only Jellyfin may say AVAILABLE (E1); a TMDB MovieUpdated "Added" does not either.
    r.fake.emit('ShokoEvent:MovieUpdated', v5.movieUpdated({ reason: 'Added', movieId: summerGhost.tmdbId }));
    r.fake.emit('ShokoEvent:MovieUpdated', v5.movieUpdated({ reason: 'ImageAdded', movieId: summerGhost.tmdbId }));
    await r.rec.until(() => r.watcher.status().detail?.events_received === 3, 'three events received');
    await r.watcher.poke?.();
    expect(r.rec.state(MOVIE_ID)?.state).toBe('ANIME_MATCHING');
    expect(everState(r.rec, MOVIE_ID)).not.toContain('AVAILABLE');
    expect(r.watcher.status()).toMatchObject({ name: 'shoko', healthy: true, detail: { connected: true, state: 'Connected', reconnects: 0 } });
  });

  it('anime TV season: FileMatched per episode (v5 and v4.2.2) moves exactly those episodes to ANIME_MATCHING', async () => {
    const r = await rig();
    await importSeason(r);
    r.fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 1, fileLocationId: 11, importFolderId: 1, relativePath: episodeRel(1), crossReferences: [xref(17000, 280001)] }));
    r.fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 2, fileLocationId: 12, importFolderId: 1, relativePath: episodeRel(2), crossReferences: [xref(17000, 280002)] }));
    // v4.2.2: camelCase, Shoko ids only, Windows separators with a leading one.
    r.fake.emit(
      'ShokoEvent:FileMatched',
      v4.fileEvent({ fileId: 3, importFolderId: 1, relativePath: `\\${episodeRel(3).replace(/\//g, '\\')}`, crossRefs: [{ episodeId: 903, seriesId: 90, groupId: 9 }] }),
    );
    const eps = await r.rec.until(() => {
      const list = episodes(r.rec, SHOW_ID);
      return list && list.filter((e) => e.state === 'ANIME_MATCHING').length === 3 ? list : undefined;
    }, 'three episodes ANIME_MATCHING');
    expect(eps.filter((e) => e.state === 'ANIME_MATCHING').map((e) => e.episode)).toEqual([1, 2, 3]);
    expect(eps.filter((e) => e.state === 'IMPORTING').map((e) => e.episode)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The request shows its least advanced episode (F3): still importing as a whole.
    const s = r.rec.state(SHOW_ID)!;
    expect(s.state).toBe('IMPORTING');
    expect(s.episodes).toMatchObject({ total: 12, available: 0 });
    // The timeline topic follows the episodes topic.
    await r.rec.until(() => timelineText(r.rec, SHOW_ID).includes('Shoko: matched'), 'the timeline entry');
    expect(timelineText(r.rec, SHOW_ID)).toMatch(/Shoko: matched to AniDB \(anime 17000, episode 280001\)/);
    expect(everState(r.rec, SHOW_ID)).not.toContain('AVAILABLE');
  });

  it('FileNotMatched flags the request stuck with a plain reason; a later FileMatched clears it', async () => {
    const r = await rig();
    await importMovie(r);
    r.fake.emit('ShokoEvent:FileNotMatched', v5.fileNotMatched({ fileId: 42, fileLocationId: 142, importFolderId: 1, relativePath: MOVIE_REL }, { autoMatchAttempts: 1 }));
    const s = await r.rec.until(() => {
      const st = r.rec.state(MOVIE_ID);
      return st?.stuck ? st : undefined;
    }, 'a stuck flag');
    expect(s.state).toBe('ANIME_MATCHING');
    expect(s.stuck).toMatchObject({ reason: 'Shoko: file not matched to AniDB (needs a manual link in Shoko)', source: 'shoko' });
    r.fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 42, fileLocationId: 142, importFolderId: 1, relativePath: MOVIE_REL, crossReferences: [xref(15000, 210000)] }));
    await r.rec.until(() => r.rec.state(MOVIE_ID)?.stuck === null, 'the stuck flag to clear');
    expect(r.rec.state(MOVIE_ID)?.state).toBe('ANIME_MATCHING');
  });

  it('an event with an empty path or no file id changes nothing (D10)', async () => {
    const r = await rig();
    await importMovie(r);
    await importSeason(r);
    const before = { movie: r.rec.latest.get(`media/${MOVIE_ID}/state`), show: r.rec.latest.get(`media/${SHOW_ID}/state`), eps: r.rec.latest.get(`media/${SHOW_ID}/episodes`) };
    expect(before.show).toContain('"IMPORTING"');
    expect(before.eps).toContain('"IMPORTING"');
    r.fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 0, fileLocationId: 0, importFolderId: 1, relativePath: '', crossReferences: [xref(1, 2)] }));
    r.fake.emit('ShokoEvent:FileNotMatched', v5.fileNotMatched({ fileId: 0, fileLocationId: 0, importFolderId: 0, relativePath: '' }));
    r.fake.emit('ShokoEvent:FileNotMatched', { FileID: null, ImportFolderID: 1, RelativePath: MOVIE_REL, CrossReferences: [] });
    r.fake.emit('ShokoEvent:FileDetected', v5.fileDetected({ relativePath: '', importFolderId: 1 }));
    r.fake.emit('ShokoEvent:FileMatched', { FileID: 'not a number', RelativePath: MOVIE_REL });
    await r.rec.until(() => r.watcher.status().detail?.events_received === 5, 'five events received');
    await r.watcher.poke?.();
    expect(r.watcher.status().detail).toMatchObject({ ignored: 4, invalid: 1 });
    expect(r.rec.latest.get(`media/${SHOW_ID}/state`)).toBe(before.show);
    expect(r.rec.latest.get(`media/${SHOW_ID}/episodes`)).toBe(before.eps);
    // A real event afterwards still goes through, so nothing was merely delayed.
    r.fake.emit('ShokoEvent:FileHashed', v5.fileEvent({ fileId: 7, fileLocationId: 7, importFolderId: 1, relativePath: episodeRel(7) }));
    await r.rec.until(() => episodes(r.rec, SHOW_ID)?.find((e) => e.episode === 7)?.state === 'ANIME_MATCHING', 'episode 7 ANIME_MATCHING');
    expect(r.rec.latest.get(`media/${MOVIE_ID}/state`)).toBe(before.movie);
    expect(
      episodes(r.rec, SHOW_ID)!
        .filter((e) => e.state === 'ANIME_MATCHING')
        .map((e) => e.episode),
    ).toEqual([7]);
  });

  it('reconnects by itself after a hub restart, keeps receiving, and catches up through PathEndsWith', async () => {
    const r = await rig();
    await importMovie(r);

    // 1. Every socket dies (1006): SignalR's automatic reconnect.
    r.fake.dropAll();
    await r.rec.until(() => (r.watcher.status().detail?.reconnects as number) >= 1 && r.watcher.connected() && r.fake.open().length === 1, 'an automatic reconnect');
    r.fake.emit('ShokoEvent:FileHashed', v5.fileEvent({ fileId: 50, fileLocationId: 150, importFolderId: 1, relativePath: MOVIE_REL }));
    await r.rec.untilState(MOVIE_ID, 'ANIME_MATCHING');
    expect(timelineText(r.rec, MOVIE_ID)).toMatch(/Shoko: file hashed/);

    // 2. The hub goes away for longer than the automatic delays; the outer loop keeps trying.
    await importSeason(r);
    await r.fake.stop();
    await r.rec.until(() => !r.watcher.connected(), 'the watcher to notice');
    // While it is down, Shoko matches episode 5: the event is lost, REST knows it.
    r.fake.addFile({ id: 205, locationId: 305, relativePath: episodeRel(5), xrefs: [{ seriesId: 90, anidbAnimeId: 17000, episodes: [{ id: 905, anidbEpisodeId: 280005 }] }] });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(r.watcher.status().detail).toMatchObject({ connected: false });
    r.fake.log.clear();
    await r.fake.start();
    await r.rec.until(() => r.watcher.connected() && r.fake.open().length === 1, 'a new connection after the restart', 15_000);
    const ep5 = await r.rec.until(() => episodes(r.rec, SHOW_ID)?.find((e) => e.episode === 5 && e.state === 'ANIME_MATCHING'), 'episode 5 caught up');
    expect(ep5.state).toBe('ANIME_MATCHING');
    const lookups = r.fake.log.of('GET /api/v3/File/PathEndsWith');
    expect(lookups.length).toBeGreaterThan(0);
    expect(lookups.length).toBeLessThanOrEqual(10);
    expect(lookups.map((l) => String(l.query.path))).toContain(`Season 01/${episodeRel(5).split('/').pop()}`);
    expect(lookups.every((l) => l.query.includeXRefs === 'true' && l.query.limit === '5')).toBe(true);
    expect(lookups.every((l) => l.headers.apikey === API_KEY)).toBe(true);
    await r.rec.until(() => /Shoko: matched to AniDB \(anime 17000, episode 280005\): S01E05/.test(timelineText(r.rec, SHOW_ID)), 'the catch-up in the timeline');
    // Other episodes stay where they were: Shoko does not know them.
    expect(
      episodes(r.rec, SHOW_ID)!
        .filter((e) => e.state === 'ANIME_MATCHING')
        .map((e) => e.episode),
    ).toEqual([5]);

    // 3. Live events still arrive on the new connection.
    r.fake.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 206, fileLocationId: 306, importFolderId: 1, relativePath: episodeRel(6), crossReferences: [xref(17000, 280006)] }));
    await r.rec.until(() => episodes(r.rec, SHOW_ID)?.find((e) => e.episode === 6)?.state === 'ANIME_MATCHING', 'episode 6 live');
    expect(r.watcher.status()).toMatchObject({ healthy: true });
    // The automatic delays (0+50+100+200 ms) ran out while the hub was down: the outer loop started a fresh connection.
    expect(r.watcher.status().detail).toMatchObject({ connects: 2 });
    expect((r.watcher.status().detail?.reconnects as number) >= 2).toBe(true);
  });
});
