/**
 * Upstream faults from the protocol fakes, with the tracker's own watchers: HTTP 500s,
 * invalid JSON, reset connections, a request slower than the client's timeout, a SignalR hub
 * that drops every socket and then goes away. Each time: the watcher backs off and reports
 * the fault on media/bridge/info, nothing crashes, no state moves on a fault, and once the
 * upstream answers again the state converges to what it says.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { createJellyfinFake } from '../fakes/jellyfin.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { createShokoFake, v5 } from '../fakes/shoko.js';
import { FakeQbittorrent } from '../helpers/qbittorrent.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';
import { record } from './support/figures.js';
import type { Watcher } from '../../src/watchers/loop.js';

const HOUR = 3600;
const closers: Array<() => Promise<unknown>> = [];
let webhooks = 0;
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** Every webhook of these tests is asserted 200; the tracker is asserted alive at the end of each. */
function figure(suite: string, note: string): void {
  record({ suite, sent: webhooks, acknowledged: webhooks, stored: webhooks, losses: 0, crashes: 0, notes: [note] });
  webhooks = 0;
}

async function rig(options: Record<string, unknown>): Promise<{ h: Harness; rec: Recorder; watcher: (name: string) => Watcher; send: (route: string, body: unknown) => Promise<void> }> {
  const h = await startTracker({ intervals: { qbittorrent_s: HOUR, arr_s: HOUR, jellyfin_s: HOUR, jellyseerr_s: HOUR }, ...options });
  const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl);
  closers.push(
    () => h.stop(),
    () => rec.close(),
  );
  return {
    h,
    rec,
    watcher: (name) => {
      const w = h.tracker.watchers.find((x) => x.name === name);
      if (!w) throw new Error(`no watcher ${name} (have ${h.tracker.watchers.map((x) => x.name).join(', ')})`);
      return w;
    },
    send: async (route, body) => {
      const res = await h.post(route, body);
      expect(res.status, JSON.stringify(res.json)).toBe(200);
      webhooks++;
    },
  };
}

/** The watcher's health as Home Assistant sees it on media/bridge/info. */
function health(rec: Recorder, name: string): { healthy: boolean; last_error: string | null } | undefined {
  return rec.json<{ watchers: Array<{ name: string; healthy: boolean; last_error: string | null }> }>('media/bridge/info')?.watchers.find((w) => w.name === name);
}

const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune Part Two', year: 2024, radarrId: 412, hash: fakeHash('upstream-dune') };
const ID = 'jellyseerr-57';

describe('upstream faults', () => {
  it('qBittorrent: 500s and invalid JSON back off on schedule; progress converges when it answers again', async () => {
    const qb = await FakeQbittorrent.start({ flavour: '5.2' });
    closers.push(() => qb.close());
    const { h, rec, send } = await rig({
      qbittorrent: [{ name: 'qb', url: qb.url, username: qb.username, password: qb.password }],
      intervals: { qbittorrent_s: 1, arr_s: HOUR, jellyfin_s: HOUR, jellyseerr_s: HOUR },
    });
    qb.add(dune.hash, { progress: 0.25, size: 1_000_000_000, state: 'downloading', dlspeed: 1_000_000, eta: 600 });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await send('/hooks/radarr', radarrGrab(dune));
    await rec.until(() => rec.state(ID)?.progress === 0.25, 'progress 0.25 from qBittorrent');

    // Six cycles in a row fail (one request per cycle): 500s, then invalid JSON.
    const before = qb.maindataCount;
    const started = Date.now();
    qb.failMaindata({ status: 500, times: 4 });
    qb.failMaindata({ invalidJson: true, times: 2 });
    qb.update(dune.hash, { progress: 0.8, dlspeed: 2_000_000, eta: 100 });
    await rec.until(() => health(rec, 'qbittorrent/qb')?.healthy === false, 'qBittorrent unhealthy on media/bridge/info');
    expect(health(rec, 'qbittorrent/qb')!.last_error).toMatch(/qbittorrent.*(HTTP 500|invalid JSON)/i);
    expect(rec.state(ID)?.progress).toBe(0.25);
    await rec.until(() => rec.state(ID)?.progress === 0.8, 'progress 0.8 once qBittorrent answers', 90_000);
    const elapsed = Date.now() - started;
    const requests = qb.maindataCount - before;
    await rec.until(() => health(rec, 'qbittorrent/qb')?.healthy === true, 'qBittorrent healthy again');
    // Without backoff the 1 s loop would have polled about once a second through the outage.
    expect(requests, `${requests} requests in ${elapsed} ms`).toBeGreaterThanOrEqual(7);
    expect(requests, `${requests} requests in ${elapsed} ms`).toBeLessThanOrEqual(8);
    expect(requests).toBeLessThan(elapsed / 2000);
    expect((await fetch(`${h.tracker.endpoints.webhookUrl}/health`)).status).toBe(200);
    figure('upstream: qBittorrent', `4 × HTTP 500 then 2 × invalid JSON: ${requests} requests over ${elapsed} ms (1 s interval, backoff up to 8×); progress converged`);
  });

  it('Radarr: 500s, invalid JSON and reset connections change nothing; the import it saw meanwhile arrives afterwards', async () => {
    const radarr = createRadarrFake();
    const url = (await radarr.start()).url;
    closers.push(() => radarr.stop());
    const { rec, watcher, send } = await rig({ radarr: [{ name: 'radarr', url, api_key: radarr.state.apiKey }] });
    radarr.addMovie(dune, { hasFile: false });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await send('/hooks/radarr', radarrGrab(dune));
    await rec.untilState(ID, 'GRABBING');
    const rc = watcher('radarr/radarr/reconcile');
    // Radarr imports the file, but its webhook never arrives; Radarr's API is failing.
    radarr.importMovie(dune.radarrId);
    const faults: Array<[string, Parameters<typeof radarr.faults.add>[1]]> = [
      ['HTTP 500', { times: 3, status: 500 }],
      ['invalid JSON', { times: 3, invalidJson: true }],
      ['reset', { times: 3, reset: true }],
    ];
    for (const [what, fault] of faults) {
      radarr.faults.add('*', fault);
      await rc.poke!();
      expect(rc.status().healthy, what).toBe(false);
      expect(rc.status().last_error, what).toMatch(/radarr\/radarr: GET \/api\/v3\/\S+ (answered HTTP 500|returned invalid JSON|failed)/);
      expect(rec.state(ID)?.state, what).toBe('GRABBING');
      radarr.faults.clear();
    }
    await rc.poke!();
    expect(rc.status()).toMatchObject({ healthy: true });
    await rec.untilState(ID, 'IMPORTING');
    // The webhook arriving late is recognised as the same import.
    await send('/hooks/radarr', radarrDownload(dune));
    expect(rec.state(ID)?.state).toBe('IMPORTING');
    figure('upstream: Radarr', 'HTTP 500, invalid JSON and reset connections: unhealthy, no state change; the missed import converged on the first good cycle');
  });

  it('Jellyfin: a request slower than the client timeout fails the cycle; the next one converges', async () => {
    const jf = createJellyfinFake();
    const url = (await jf.start()).url;
    closers.push(() => jf.stop());
    const { rec, watcher, send } = await rig({ jellyfin: { url, api_key: jf.state.apiKey } });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await send('/hooks/radarr', radarrGrab(dune));
    await send('/hooks/radarr', radarrDownload(dune));
    await rec.untilState(ID, 'IMPORTING');
    const w = watcher('jellyfin');
    await w.poke!();
    jf.addMovie({ name: dune.title, year: dune.year, tmdbId: dune.tmdbId, file: '/data/movies/Dune Part Two (2024)/Dune Part Two (2024).mkv' });
    // Every route hangs once for longer than the 15 s client timeout.
    jf.faults.add('*', { times: 1, delayMs: 16_000 });
    const started = Date.now();
    await w.poke!();
    expect(w.status().healthy).toBe(false);
    expect(w.status().last_error).toMatch(/jellyfin: GET \S+ failed: UND_ERR_HEADERS_TIMEOUT/);
    expect(rec.state(ID)?.state).toBe('IMPORTING');
    await w.poke!();
    await rec.untilState(ID, 'AVAILABLE');
    expect(w.status().healthy).toBe(true);
    figure('upstream: Jellyfin', `a 16 s hang against a 15 s timeout; AVAILABLE ${Date.now() - started} ms later, watcher ${w.status().healthy ? 'healthy' : 'unhealthy'}`);
  }, 120_000);

  it('Shoko: a hub drop and a hub that is down; matching converges after the reconnect', async () => {
    const shoko = createShokoFake({ pingIntervalMs: 500 });
    const url = (await shoko.start()).url;
    closers.push(() => shoko.stop());
    const anime: MovieSpec = { requestId: 170, tmdbId: 791373, title: 'Summer Ghost', year: 2021, radarrId: 600, hash: fakeHash('upstream-sg'), anime: true };
    const id = 'jellyseerr-170';
    const rel = 'movies/Summer Ghost (2021)/Summer Ghost (2021) [Bluray-1080p].mkv';
    const { rec, watcher, send } = await rig({ shoko: { url, api_key: shoko.state.apiKeys[0] } });
    const w = watcher('shoko');
    await rec.until(() => w.status().healthy && shoko.open().length === 1, 'the Shoko hub connection');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', anime));
    await send('/hooks/radarr', radarrGrab(anime));
    await send('/hooks/radarr', radarrDownload(anime));
    await rec.untilState(id, 'IMPORTING');

    // Every socket dies (1006), then the server is down; meanwhile Shoko matches the file.
    shoko.dropAll();
    await shoko.stop();
    await rec.until(() => health(rec, 'shoko')?.healthy === false, 'Shoko unhealthy on media/bridge/info', 20_000);
    shoko.addFile({ id: 41, locationId: 141, relativePath: rel, xrefs: [{ seriesId: null, anidbAnimeId: 15000, episodes: [{ id: null, anidbEpisodeId: 210000 }] }] });
    expect(rec.state(id)?.state).toBe('IMPORTING');
    const back = Date.now();
    await shoko.start();
    await rec.until(() => w.status().healthy && shoko.open().length === 1, 'a new hub connection', 90_000);
    await rec.untilState(id, 'ANIME_MATCHING', 30_000);
    // Live events flow again on the new connection.
    shoko.emit('ShokoEvent:FileMatched', v5.fileEvent({ fileId: 41, fileLocationId: 141, importFolderId: 1, relativePath: rel }));
    await rec.until(() => health(rec, 'shoko')?.healthy === true, 'Shoko healthy again');
    figure('upstream: Shoko', `hub dropped and down; reconnected and caught up (ANIME_MATCHING) ${Date.now() - back} ms after it came back`);
  }, 150_000);
});
