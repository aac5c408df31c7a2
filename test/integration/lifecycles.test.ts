/**
 * Real-life request lifecycles, end to end: a real tracker (webhook routes, journal, engine,
 * aedes) with the protocol fakes of Sonarr, Radarr and Jellyfin on loopback, its own watchers
 * driven by `poke()`, and a real mqtt.js subscriber. What is asserted is what Home Assistant and
 * the panel see: the retained topics, the discovery configs and the `media/<id>/event` stream.
 *
 * The promise under test: AVAILABLE means everything the user asked for is playable, and one
 * request stays one request (one HA device, one `available` event) for its whole life.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  fakeHash,
  jellyseerr,
  radarrDownload,
  radarrGrab,
  range,
  sonarrDownload,
  sonarrGrab,
  sonarrImportComplete,
  sonarrManualInteraction,
  sonarrSeriesAdd,
  type MovieSpec,
  type ShowSpec,
} from '../../src/demo/payloads.js';
import type { EpisodePayload } from '../../src/contract/index.js';
import { createJellyfinFake, type JfItem } from '../fakes/jellyfin.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import type { Recorder } from '../helpers/tracker.js';
import { expectDevice, timelineText, world, type World } from './support.js';

const JF_KEY = 'lifecycle-Jellyfin-Key-7';
const QUIET = { intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600 } };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Stack {
  w: World;
  send: World['send'];
  rec: Recorder;
  sonarr: ReturnType<typeof createSonarrFake>;
  radarr: ReturnType<typeof createRadarrFake>;
  jf: ReturnType<typeof createJellyfinFake>;
  /** One cycle of the tracker's own watcher (`sonarr/sonarr/reconcile`, `jellyfin`, ...). */
  poke(name: string): Promise<void>;
}

async function stack(extra: { clock?: () => Date } = {}): Promise<Stack> {
  const sonarr = createSonarrFake();
  const radarr = createRadarrFake();
  const jf = createJellyfinFake({ apiKey: JF_KEY });
  const [s, r, j] = [await sonarr.start(), await radarr.start(), await jf.start()];
  cleanup.push(
    () => sonarr.stop(),
    () => radarr.stop(),
    () => jf.stop(),
  );
  const w = await world(
    {
      ...QUIET,
      sonarr: [{ name: 'sonarr', url: s.url, api_key: sonarr.state.apiKey }],
      radarr: [{ name: 'radarr', url: r.url, api_key: radarr.state.apiKey }],
      jellyfin: { url: j.url, api_key: JF_KEY },
    },
    {},
    extra,
  );
  const poke = async (name: string): Promise<void> => {
    const watcher = w.h.tracker.watchers.find((x) => x.name === name);
    if (!watcher?.poke) throw new Error(`no watcher ${name}: ${w.h.tracker.watchers.map((x) => x.name).join(', ')}`);
    await watcher.poke();
  };
  return { w, send: w.send, rec: w.rec, sonarr, radarr, jf, poke };
}

const episodes = (rec: Recorder, id: string) => rec.json<EpisodePayload[]>(`media/${id}/episodes`) ?? [];
const grid = (rec: Recorder, id: string) => Object.fromEntries(episodes(rec, id).map((e) => [`S${e.season}E${e.episode}`, e.state]));
const count = (rec: Recorder, id: string, type: string) => rec.events(id).filter((e) => e.event_type === type).length;

/** Events are not retained and follow the state: wait for the first, then there must be exactly one. */
async function expectOnce(rec: Recorder, id: string, type: string): Promise<void> {
  await rec.until(() => count(rec, id, type) > 0 || undefined, `a ${type} event of ${id}`);
  expect(count(rec, id, type), `${type} events of ${id}`).toBe(1);
}

/** Every request id with a retained state topic: the requests HA and the panel know. */
function requestIds(rec: Recorder): string[] {
  return [...rec.latest.entries()]
    .filter(([t, v]) => /^media\/[^/]+\/state$/.test(t) && t !== 'media/bridge/state' && v !== '')
    .map(([t]) => t.split('/')[1]!)
    .sort();
}

/** Request devices announced to Home Assistant (one status sensor per device). */
function devices(rec: Recorder): string[] {
  return [...rec.latest.entries()]
    .filter(([t, v]) => /^homeassistant\/sensor\/media_tracker\/.+_status\/config$/.test(t) && v !== '' && !t.includes('/bridge'))
    .map(([t]) => t.split('/')[3]!.replace(/_status$/, ''))
    .sort();
}

/** Jellyfin gets the episode files: the fake's items, then the tracker's Jellyfin poll. */
function addToJellyfin(jf: Stack['jf'], series: JfItem, eps: Array<{ season: number; episode: number }>): void {
  for (const e of eps) jf.addEpisode(series, e);
}

describe('a season grabbed in two parts', () => {
  const show: ShowSpec = { requestId: 61, tmdbId: 100757, tvdbId: 362629, title: 'Outer Banks', year: 2020, sonarrId: 12, seasons: [4] };

  it('is PARTIALLY_AVAILABLE after the first five, one request and one device throughout, AVAILABLE only after all ten, one `available` event', async () => {
    const { send, rec, sonarr, jf, poke } = await stack();
    const id = 'jellyseerr-61';
    sonarr.addSeries(show, { episodesPerSeason: 10 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await send('/hooks/sonarr', sonarrSeriesAdd(show));
    await poke('sonarr/sonarr/reconcile');
    // The roster: every episode of the requested season is wanted from the start.
    await rec.until(() => episodes(rec, id).length === 10 || undefined, 'ten wanted episodes');
    expect(Object.values(grid(rec, id))).toEqual(Array(10).fill('SEARCHING'));
    await rec.until(() => rec.state(id)?.roster === 'sonarr' || undefined, 'the roster source in the state');
    expect(rec.state(id)?.state).toBe('SEARCHING');

    const h1 = fakeHash('obx-1-5');
    await send('/hooks/sonarr', sonarrGrab(show, range(4, 1, 5), h1));
    await send('/hooks/sonarr', sonarrImportComplete(show, range(4, 1, 5), h1));
    const series = jf.addSeries({ name: show.title, year: show.year, tvdbId: show.tvdbId, tmdbId: show.tmdbId });
    addToJellyfin(jf, series, range(4, 1, 5));
    await poke('jellyfin');
    const partial = await rec.untilState(id, 'PARTIALLY_AVAILABLE');
    expect(partial.episodes).toMatchObject({ total: 10, available: 5 });
    expect(count(rec, id, 'available')).toBe(0);

    // The second part: Sonarr grabs episodes 6–10 days later.
    const h2 = fakeHash('obx-6-10');
    await send('/hooks/sonarr', sonarrGrab(show, range(4, 6, 10), h2));
    await rec.until(() => grid(rec, id).S4E6 === 'GRABBING' || undefined, 'S04E06 grabbed');
    expect(rec.state(id)?.state).toBe('PARTIALLY_AVAILABLE');
    await send('/hooks/sonarr', sonarrImportComplete(show, range(4, 6, 10), h2));
    addToJellyfin(jf, series, range(4, 6, 9));
    await poke('jellyfin');
    await rec.until(() => grid(rec, id).S4E9 === 'AVAILABLE' || undefined, 'S04E09 available');
    expect(rec.state(id)?.state).toBe('PARTIALLY_AVAILABLE');
    addToJellyfin(jf, series, range(4, 10, 10));
    await poke('jellyfin');
    const done = await rec.untilState(id, 'AVAILABLE');
    expect(done.episodes).toMatchObject({ total: 10, available: 10 });

    expect(requestIds(rec)).toEqual([id]);
    expect(devices(rec)).toEqual([id]);
    await expectDevice(rec, id, { tv: true, name: 'Outer Banks (2020)' });
    await expectOnce(rec, id, 'available');
    expect(timelineText(rec, id)).toMatch(/Wanted episodes from Sonarr: S04E01–S04E10 \(10 episodes\)/);
  });
});

describe('an airing season', () => {
  const show: ShowSpec = { requestId: 62, tmdbId: 202, tvdbId: 302, title: 'Weekly Show', year: 2026, sonarrId: 13, seasons: [1] };
  const DAY = 86_400_000;

  it('3 of 8 aired: grabbed weekly into the same request, unaired episodes never stuck, AVAILABLE after the last one airs', async () => {
    let now = Date.parse('2026-12-07T12:00:00.000Z');
    const { send, rec, sonarr, jf, poke } = await stack({ clock: () => new Date(now) });
    const id = 'jellyseerr-62';
    const premiere = Date.parse('2026-11-22T20:00:00.000Z');
    sonarr.addSeries(show, { episodesPerSeason: 0 });
    for (let n = 1; n <= 8; n++) sonarr.addEpisode(show, { season: 1, episode: n }, { airDateUtc: new Date(premiere + (n - 1) * 7 * DAY).toISOString() });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await send('/hooks/sonarr', sonarrSeriesAdd(show));
    await poke('sonarr/sonarr/reconcile');
    await rec.until(() => episodes(rec, id).length === 8 || undefined, 'eight wanted episodes');
    expect(episodes(rec, id).map((e) => e.aired)).toEqual([true, true, true, false, false, false, false, false]);

    const series = jf.addSeries({ name: show.title, year: show.year, tvdbId: show.tvdbId, tmdbId: show.tmdbId });
    const week = async (from: number, to: number): Promise<void> => {
      const hash = fakeHash(`weekly-${from}`);
      await send('/hooks/sonarr', sonarrGrab(show, range(1, from, to), hash));
      for (let n = from; n <= to; n++) await send('/hooks/sonarr', sonarrDownload(show, { season: 1, episode: n }, hash));
      addToJellyfin(jf, series, range(1, from, to));
      await poke('jellyfin');
      await rec.until(() => grid(rec, id)[`S1E${to}`] === 'AVAILABLE' || undefined, `S01E0${to} available`);
    };
    await week(1, 3);
    let s = await rec.untilState(id, 'PARTIALLY_AVAILABLE');
    expect(Date.parse(String(s.next_air_date))).toBe(premiere + 3 * 7 * DAY);
    expect(s.stuck).toBeNull();

    for (let n = 4; n <= 7; n++) {
      now += 7 * DAY;
      await week(n, n);
      expect(rec.state(id)?.state).toBe('PARTIALLY_AVAILABLE');
    }
    now += 7 * DAY;
    await week(8, 8);
    s = await rec.untilState(id, 'AVAILABLE');
    expect(s).toMatchObject({ next_air_date: null, episodes: { total: 8, available: 8 } });
    expect(requestIds(rec)).toEqual([id]);
    expect(devices(rec)).toEqual([id]);
    await expectOnce(rec, id, 'available');
  });
});

describe('a movie upgrade after AVAILABLE', () => {
  const movie: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune-1080p') };

  it('keeps AVAILABLE, follows the upgrade, ends with `upgraded`: no new request, no second `available`', async () => {
    const { send, rec, jf, poke } = await stack();
    const id = 'jellyseerr-57';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    await send('/hooks/radarr', radarrGrab(movie));
    await send('/hooks/radarr', radarrDownload(movie));
    const first = jf.addMovie({ name: movie.title, year: movie.year, tmdbId: movie.tmdbId });
    await poke('jellyfin');
    await rec.untilState(id, 'AVAILABLE');
    await rec.until(() => count(rec, id, 'available') === 1 || undefined, 'the available event');

    const better: MovieSpec = { ...movie, hash: fakeHash('dune-2160p') };
    const grab = radarrGrab(better);
    (grab.release as Record<string, unknown>).releaseTitle = 'Dune.Part.Two.2024.2160p.UHD.BluRay.x265-GROUP';
    await send('/hooks/radarr', grab);
    let s = await rec.until(() => (rec.state(id)?.upgrade ? rec.state(id) : undefined), 'upgrade block');
    expect(s).toMatchObject({ state: 'AVAILABLE', upgrade: { state: 'GRABBING', release: 'Dune.Part.Two.2024.2160p.UHD.BluRay.x265-GROUP' } });

    // Radarr imports the upgrade as a new movie file (a new id and, here, a new name).
    const download = radarrDownload(better);
    const file = download.movieFile as Record<string, unknown>;
    Object.assign(download, {
      isUpgrade: true,
      movieFile: { ...file, id: Number(file.id) + 1, relativePath: 'Dune Part Two (2024) [Bluray-2160p].mkv', path: String(file.path).replace('1080p', '2160p') },
    });
    await send('/hooks/radarr', download);
    s = await rec.until(() => ((rec.state(id)?.upgrade as { state?: string } | null)?.state === 'IMPORTING' ? rec.state(id) : undefined), 'upgrade importing');
    expect(s.state).toBe('AVAILABLE');

    // Jellyfin drops the old item before it adds the new file's: part of the upgrade, not a deletion.
    const gone = jf.webhookData(first, 'ItemDeleted');
    jf.remove(first.Id);
    const answer = await send('/hooks/jellyfin', gone);
    expect(answer.results).toEqual([expect.objectContaining({ status: 'accepted', states: ['AVAILABLE'] })]);
    await rec.until(() => timelineText(rec, id).includes('Old file removed for the upgrade') || undefined, 'the old file noted');
    expect(rec.state(id)?.state).toBe('AVAILABLE');
    // Jellyfin's new item is the upgrade's file.
    const second = jf.addMovie({ name: movie.title, year: movie.year, tmdbId: movie.tmdbId, file: String((download.movieFile as Record<string, unknown>).path) });
    await send('/hooks/jellyfin', jf.webhookData(second, 'ItemAdded'));
    await rec.until(() => count(rec, id, 'upgraded') === 1 || undefined, 'upgraded event');
    s = rec.state(id)!;
    expect(s).toMatchObject({ state: 'AVAILABLE', upgrade: null });
    expect(count(rec, id, 'available')).toBe(1);
    expect(count(rec, id, 'deleted')).toBe(0);
    expect(requestIds(rec)).toEqual([id]);
    expect(devices(rec)).toEqual([id]);
    expect(timelineText(rec, id)).toMatch(/Upgrade grabbed by Radarr[\s\S]*Old file removed for the upgrade[\s\S]*Upgrade playable in Jellyfin/);
  });
});

describe('an episode re-grab after a failed download', () => {
  const show: ShowSpec = { requestId: 63, tmdbId: 203, tvdbId: 303, title: 'Regrab Show', year: 2025, sonarrId: 14, seasons: [1] };

  it('follows the new download; the old one no longer moves the episodes', async () => {
    const { send, rec, sonarr, poke } = await stack();
    const id = 'jellyseerr-63';
    sonarr.addSeries(show, { episodesPerSeason: 3 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    const old = fakeHash('regrab-old');
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 3), old, 'Regrab.Show.S01.1080p-BAD'));
    await rec.untilState(id, 'GRABBING');
    // Sonarr marks the download failed (no webhook exists for that: its history says so).
    sonarr.state.history.push(
      ...range(1, 1, 3).map((e, i) => ({
        id: 900 + i,
        eventType: 'downloadFailed',
        date: new Date().toISOString(),
        downloadId: old.toUpperCase(),
        sourceTitle: 'Regrab.Show.S01.1080p-BAD',
        seriesId: show.sonarrId,
        episodeId: sonarr.state.episodes.find((x) => x.seasonNumber === 1 && x.episodeNumber === e.episode)!.id,
        data: { message: 'Download failed: the torrent has no seeds' },
      })),
    );
    await poke('sonarr/sonarr/reconcile');
    await rec.untilState(id, 'FAILED');

    const fresh = fakeHash('regrab-new');
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 3), fresh, 'Regrab.Show.S01.1080p-GOOD'));
    const s = await rec.untilState(id, 'GRABBING');
    expect(episodes(rec, id).map((e) => [e.state, e.release])).toEqual(Array(3).fill(['GRABBING', 'Regrab.Show.S01.1080p-GOOD']));
    expect(s.downloads).toBe(2);
    await send('/hooks/sonarr', sonarrImportComplete(show, range(1, 1, 3), fresh));
    await rec.untilState(id, 'IMPORTING');
    // A late word about the old download changes nothing.
    await poke('sonarr/sonarr/reconcile');
    expect(rec.state(id)?.state).toBe('IMPORTING');
    expect(requestIds(rec)).toEqual([id]);
    expect(timelineText(rec, id)).toMatch(/Re-grabbed by Sonarr: Regrab\.Show\.S01\.1080p-GOOD/);
  });
});

describe('ManualInteractionRequired with one episode missing from the download', () => {
  const show: ShowSpec = { requestId: 64, tmdbId: 204, tvdbId: 304, title: 'Short Pack', year: 2025, sonarrId: 15, seasons: [1] };

  it("the imported episodes stay, the missing one goes back to searching with Sonarr's words", async () => {
    const { send, rec, sonarr, poke } = await stack();
    const id = 'jellyseerr-64';
    sonarr.addSeries(show, { episodesPerSeason: 3 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await poke('sonarr/sonarr/reconcile');
    const hash = fakeHash('short-pack');
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 3), hash));
    await send('/hooks/sonarr', sonarrDownload(show, { season: 1, episode: 1 }, hash));
    await send('/hooks/sonarr', sonarrDownload(show, { season: 1, episode: 2 }, hash));
    const message = 'One or more episodes expected in this release were not imported or missing from the release';
    await send('/hooks/sonarr', sonarrManualInteraction(show, range(1, 1, 3), hash, message));
    await rec.until(() => grid(rec, id).S1E3 === 'SEARCHING' || undefined, 'S01E03 back to searching');
    expect(grid(rec, id)).toEqual({ S1E1: 'IMPORTING', S1E2: 'IMPORTING', S1E3: 'SEARCHING' });
    await rec.until(() => timelineText(rec, id).includes(message) || undefined, "Sonarr's message in the timeline");
  });
});

describe('two users request different seasons of one series', () => {
  const s1: ShowSpec = { requestId: 70, tmdbId: 205, tvdbId: 305, title: 'Two Seasons', year: 2024, sonarrId: 16, seasons: [1], requestedBy: 'alice' };
  const s2: ShowSpec = { ...s1, requestId: 71, seasons: [2], requestedBy: 'bob' };

  it("two requests with disjoint rosters; each grab goes to its season's request; a pack spanning both updates both", async () => {
    const { send, rec, sonarr, poke } = await stack();
    sonarr.addSeries({ ...s1, seasons: [1, 2] }, { episodesPerSeason: 2 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s1));
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', s2));
    await poke('sonarr/sonarr/reconcile');
    await rec.until(() => episodes(rec, 'jellyseerr-71').length === 2 || undefined, 'roster of the second request');
    expect(Object.keys(grid(rec, 'jellyseerr-70'))).toEqual(['S1E1', 'S1E2']);
    expect(Object.keys(grid(rec, 'jellyseerr-71'))).toEqual(['S2E1', 'S2E2']);

    await send('/hooks/sonarr', sonarrGrab(s1, range(1, 1, 1), fakeHash('two-s1e1')));
    await rec.until(() => grid(rec, 'jellyseerr-70').S1E1 === 'GRABBING' || undefined, 'S01E01 grabbed');
    expect(rec.state('jellyseerr-71')?.state).toBe('SEARCHING');
    const pack = fakeHash('two-pack');
    const answer = await send('/hooks/sonarr', sonarrGrab(s1, [...range(1, 2, 2), ...range(2, 1, 2)], pack));
    expect(answer.results).toEqual([expect.objectContaining({ status: 'accepted', request_ids: ['jellyseerr-71', 'jellyseerr-70'] })]);
    await rec.until(() => grid(rec, 'jellyseerr-71').S2E2 === 'GRABBING' || undefined, 'season 2 grabbed');
    await rec.until(() => grid(rec, 'jellyseerr-70').S1E2 === 'GRABBING' || undefined, 'season 1 completed by the pack');
    expect(grid(rec, 'jellyseerr-70')).toEqual({ S1E1: 'GRABBING', S1E2: 'GRABBING' });
    expect(grid(rec, 'jellyseerr-71')).toEqual({ S2E1: 'GRABBING', S2E2: 'GRABBING' });
    expect(requestIds(rec)).toEqual(['jellyseerr-70', 'jellyseerr-71']);
    expect(rec.state('jellyseerr-71')?.requested_by).toBe('bob');
  });
});

describe('an import whose grab was never seen', () => {
  const movie: MovieSpec = { requestId: 58, tmdbId: 329865, title: 'Arrival', year: 2016, radarrId: 413, hash: fakeHash('arrival') };
  const unrequested: MovieSpec = { requestId: 0, tmdbId: 157336, title: 'Interstellar', year: 2014, radarrId: 414, hash: fakeHash('interstellar') };

  it('attaches to the open request, and creates one like a grab would when nobody asked', async () => {
    const { send, rec } = await stack();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    await rec.untilState('jellyseerr-58', 'APPROVED');
    await send('/hooks/radarr', radarrDownload(movie, { manual: true }));
    await rec.untilState('jellyseerr-58', 'IMPORTING');
    const answer = await send('/hooks/radarr', radarrDownload(unrequested));
    expect(answer).not.toMatchObject({ results: [{ status: 'ignored' }] });
    await rec.untilState('radarr-414', 'IMPORTING');
    expect(rec.state('radarr-414')).toMatchObject({ origin: 'radarr', title: 'Interstellar', requested_by: null });
    expect(requestIds(rec)).toEqual(['jellyseerr-58', 'radarr-414']);
  });
});
