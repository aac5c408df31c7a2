/**
 * The Jellyfin watcher with a REAL tracker (engine, store, aedes, webhook routes) and the
 * protocol-faithful Jellyfin fake over loopback. The watcher is built here and driven by
 * `poke()`/`onHint()` (the app wires it itself once `src/watchers/index.ts` knows it).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseJellyfin } from '../../src/integrations/jellyfin/adapter.js';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, range, sonarrGrab, sonarrImportComplete, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { createLogger } from '../../src/log.js';
import { createJellyfinWatcher, type JellyfinWatcher } from '../../src/integrations/jellyfin/watcher.js';
import { createJellyfinFake, type JfItem } from '../fakes/jellyfin.js';
import { timelineText, world, type World } from './support.js';

const KEY = 'integration-Jellyfin-Key-42';

const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
const severance: ShowSpec = { requestId: 90, tmdbId: 95396, tvdbId: 371980, title: 'Severance', year: 2022, sonarrId: 33, seasons: [2] };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function setup(): Promise<{ w: World; jf: ReturnType<typeof createJellyfinFake>; watcher: JellyfinWatcher }> {
  const jf = createJellyfinFake({ apiKey: KEY });
  const { url } = await jf.start();
  const w = await world({ jellyfin: { url, api_key: KEY } });
  const watcher = createJellyfinWatcher({
    url,
    apiKey: KEY,
    intervalS: 3600,
    sink: w.h.tracker.engine,
    view: w.h.tracker.engine,
    log: createLogger('test:jellyfin'),
    timeoutMs: 3000,
  });
  cleanups.push(async () => {
    await watcher.stop();
    await jf.stop();
  });
  return { w, jf, watcher };
}

type Ep = { season: number; episode: number; state: string };

describe('Jellyfin watcher with a real tracker', () => {
  it('movie: Jellyseerr → Radarr import → the Jellyfin item appears → AVAILABLE with jellyfin_id; ItemDeleted → DELETED', async () => {
    const { w, jf, watcher } = await setup();
    const { send, rec } = w;
    const id = 'jellyseerr-57';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await send('/hooks/radarr', radarrGrab(dune));
    await send('/hooks/radarr', radarrDownload(dune));
    await rec.untilState(id, 'IMPORTING');

    // Jellyfin does not have it yet; other, unrelated items are there (E2).
    jf.addMovie({ name: 'Interstellar', year: 2014, tmdbId: 157336 });
    jf.addMovie({ name: 'Dune: Part Two', year: 2024, tmdbId: 693134, file: false });
    await watcher.poke();
    expect(watcher.status()).toMatchObject({ healthy: true, detail: { server_version: '10.10.7', movies: 2 } });
    expect(rec.state(id)?.state).toBe('IMPORTING');

    // The scan adds the real file.
    jf.remove(jf.state.items.find((i) => i.Name === 'Dune: Part Two')!.Id);
    const item = jf.addMovie({ name: 'Dune: Part Two', year: 2024, tmdbId: 693134 });
    await watcher.poke();
    const s = await rec.untilState(id, 'AVAILABLE');
    expect(s).toMatchObject({ jellyfin_id: item.Id, last_reason: expect.stringContaining('Playable in Jellyfin') });
    const ev = await rec.until(() => rec.events(id).find((e) => e.event_type === 'available'), 'the available event');
    expect(ev).toMatchObject({ from: 'importing', media_type: 'movie' });

    // Polling again says nothing new.
    const before = rec.messages.length;
    await watcher.poke();
    expect(rec.messages.slice(before).filter((m) => m.topic === `media/${id}/state`)).toEqual([]);

    // Deleted in Jellyfin: the webhook plugin's ItemDeleted, verified against the API.
    jf.remove(item.Id);
    const parsed = parseJellyfin(jf.webhookData(item, 'ItemDeleted'));
    if (!parsed.ok || !parsed.hint) throw new Error('ItemDeleted did not parse');
    const out = await watcher.onHint(parsed.hint);
    expect(out.results).toEqual([expect.objectContaining({ status: 'accepted', request_ids: [id], states: ['DELETED'] })]);
    await rec.untilState(id, 'DELETED');
    expect(timelineText(rec, id)).toContain('Jellyfin: item deleted');
  });

  it('TV: two of three episodes in Jellyfin → PARTIALLY_AVAILABLE per episode; the third → AVAILABLE', async () => {
    const { w, jf, watcher } = await setup();
    const { send, rec } = w;
    const id = 'jellyseerr-90';
    // Season 1 is in Jellyfin already; the request is for season 2 (E5).
    const series = jf.addSeries({ name: 'Severance', year: 2022, tvdbId: 371980, tmdbId: 95396 });
    for (let e = 1; e <= 3; e++) jf.addEpisode(series, { season: 1, episode: e });

    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', severance));
    const hash = fakeHash('severance-s2');
    await send('/hooks/sonarr', sonarrGrab(severance, range(2, 1, 3), hash));
    await send('/hooks/sonarr', sonarrImportComplete(severance, range(2, 1, 3), hash));
    await rec.untilState(id, 'IMPORTING');

    await watcher.poke();
    expect(rec.state(id)?.state).toBe('IMPORTING');

    const e1 = jf.addEpisode(series, { season: 2, episode: 1 });
    jf.addEpisode(series, { season: 2, episode: 2 });
    jf.addEpisode(series, { season: 2, episode: 3, file: false });
    await watcher.poke();
    const partial = await rec.untilState(id, 'PARTIALLY_AVAILABLE');
    expect(partial.episodes).toMatchObject({ total: 3, available: 2 });
    const eps = rec.json<Ep[]>(`media/${id}/episodes`)!;
    expect(eps.map((e) => [e.season, e.episode, e.state])).toEqual([
      [2, 1, 'AVAILABLE'],
      [2, 2, 'AVAILABLE'],
      [2, 3, 'IMPORTING'],
    ]);
    expect(w.h.tracker.engine.request(id)?.episodes.S02E01?.jellyfin_id).toBe(e1.Id);

    // No Sonarr API here, so no episode list: only Jellyseerr's word says the three are all of
    // season 2. It does not make the request AVAILABLE while Jellyfin lacks an episode.
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', severance));
    await rec.until(() => timelineText(rec, id).includes('Jellyseerr reports the whole request available'), 'the whole-request note');
    expect(rec.state(id)?.state).toBe('PARTIALLY_AVAILABLE');

    // The third episode's file arrives; the webhook hint makes it immediate.
    jf.remove(jf.state.items.find((i) => i.Type === 'Episode' && i.ParentIndexNumber === 2 && i.IndexNumber === 3)!.Id);
    const e3: JfItem = jf.addEpisode(series, { season: 2, episode: 3 });
    const parsed = parseJellyfin(JSON.parse(JSON.stringify(jf.webhookData(e3, 'ItemAdded'))));
    if (!parsed.ok || !parsed.hint) throw new Error('ItemAdded did not parse');
    const out = await watcher.onHint(parsed.hint);
    expect(out.results).toEqual([expect.objectContaining({ status: 'accepted', request_ids: [id], states: ['AVAILABLE'] })]);
    const done = await rec.untilState(id, 'AVAILABLE');
    expect(done.episodes).toMatchObject({ total: 3, available: 3 });
    await rec.until(() => rec.json<Ep[]>(`media/${id}/episodes`)?.every((e) => e.state === 'AVAILABLE'), 'all episodes AVAILABLE');
    expect(w.h.tracker.engine.request(id)?.episodes.S02E03?.jellyfin_id).toBe(e3.Id);
  });
});

describe('the refresh command (panel: "Refresh Jellyfin")', () => {
  it('asks Jellyfin for one library scan, rate-limits a second, and says so in the answer', async () => {
    const { w, jf } = await setup();
    const { send, rec } = w;
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    const before = await rec.untilState('jellyseerr-57', 'APPROVED');
    await rec.client.subscribeAsync('media/+/response', { qos: 1 });
    type Reply = { action: string; status: string; refresh?: string; error?: string; transaction?: string };
    const ask = async (transaction: string) => {
      await rec.client.publishAsync('media/jellyseerr-57/set/refresh', JSON.stringify({ transaction }), { qos: 1 });
      return rec.until(() => {
        const r = rec.json<Reply>('media/jellyseerr-57/response');
        return r?.transaction === transaction ? r : undefined;
      }, `refresh answer ${transaction}`);
    };
    // The answer is Jellyfin's: it comes once the scan has finished.
    expect(await ask('r1')).toMatchObject({ action: 'refresh', status: 'ok', refresh: expect.stringContaining('Jellyfin finished the scan') });
    expect(jf.state.refresh.completed).toBe(1);
    expect(await ask('r2')).toMatchObject({ status: 'ok', refresh: expect.stringContaining('rate-limited') });
    expect(jf.state.refresh.calls).toBe(1);
    // Not a tracking change: the request is untouched.
    expect(rec.state('jellyseerr-57')).toMatchObject({ state: 'APPROVED', updated_at: before.updated_at });
  });

  it('reports a scan Jellyfin refused as an error, not as started', async () => {
    const { w, jf } = await setup();
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.rec.untilState('jellyseerr-57', 'APPROVED');
    await w.rec.client.subscribeAsync('media/+/response', { qos: 1 });
    jf.faults.add('POST /Library/Refresh', { times: 1, status: 500, body: 'scan failed' });
    await w.rec.client.publishAsync('media/jellyseerr-57/set/refresh', '', { qos: 1 });
    const reply = await w.rec.until(() => w.rec.json<{ status: string; error?: string }>('media/jellyseerr-57/response'), 'refresh answer');
    expect(reply).toMatchObject({ status: 'error', error: expect.stringContaining('HTTP 500') });
  });

  it('without Jellyfin the answer names the missing option', async () => {
    const { send, rec } = await world();
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await rec.untilState('jellyseerr-57', 'APPROVED');
    await rec.client.subscribeAsync('media/+/response', { qos: 1 });
    await rec.client.publishAsync('media/jellyseerr-57/set/refresh', '', { qos: 1 });
    const reply = await rec.until(() => rec.json<{ status: string; error?: string }>('media/jellyseerr-57/response'), 'refresh answer');
    expect(reply).toMatchObject({ status: 'error', error: expect.stringContaining('jellyfin.url') });
  });
});
