/**
 * NZBGet end to end: a real tracker (webhook routes, journal, engine, aedes) with the Radarr fake
 * and the NZBGet fake on loopback, the NZBGet watcher driven by `poke()`, and a real mqtt.js
 * subscriber. Radarr grabs a release for NZBGet (`downloadClient: "NZBGet"`, the `drone`
 * parameter's value as `downloadId`, not the NZBID); what is asserted is what Home Assistant and
 * the panel see on the retained topics, and how many requests NZBGet gets per cycle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import type { ArrReconciler } from '../../src/integrations/arr/reconciler.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { FakeNzbget, newDroneId } from '../fakes/nzbget.js';
import { timelineText, world } from './support.js';

const PASSWORD = 'integration-Nzb-pass-5e4d3c';
const MIB = 1024 * 1024;
const QUIET = { intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600, nzbget_s: 3600 } };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function stack(mqtt: Record<string, unknown> = {}) {
  const radarr = createRadarrFake();
  const nzb = await FakeNzbget.start({ password: PASSWORD });
  const r = await radarr.start();
  cleanup.push(
    () => radarr.stop(),
    () => nzb.close(),
  );
  const w = await world({
    ...QUIET,
    ...mqtt,
    radarr: [{ name: 'radarr', url: r.url, api_key: radarr.state.apiKey }],
    nzbget: [{ name: 'nzbget', url: nzb.url, username: 'nzbget', password: PASSWORD }],
  });
  const watcher = w.h.tracker.watchers.find((x) => x.name === 'nzbget/nzbget');
  if (!watcher?.poke) throw new Error(`no NZBGet watcher: ${w.h.tracker.watchers.map((x) => x.name).join(', ')}`);
  /** One cycle of the NZBGet watcher; returns how many listgroups and history requests NZBGet received. */
  const poke = async (): Promise<{ listgroups: number; history: number }> => {
    const before = { listgroups: nzb.count('listgroups'), history: nzb.count('history') };
    await watcher.poke!();
    expect(watcher.status().healthy, String(watcher.status().last_error)).toBe(true);
    return { listgroups: nzb.count('listgroups') - before.listgroups, history: nzb.count('history') - before.history };
  };
  const reconciler = w.h.tracker.watchers.find((x) => x.name === 'radarr/radarr/reconcile') as ArrReconciler;
  return { ...w, nzb, radarr, poke, watcher, reconciler };
}

/** Radarr's Grab webhook for a release sent to NZBGet: the drone id as downloadId. */
function nzbGrab(m: MovieSpec, drone: string): Record<string, unknown> {
  const grab = radarrGrab(m);
  (grab.release as Record<string, unknown>).indexer = 'NZBgeek (Prowlarr)';
  return { ...grab, downloadClient: 'NZBGet', downloadClientType: 'Nzbget', downloadId: drone };
}

const movie = (n: number, drone: string): MovieSpec => ({ requestId: n, tmdbId: 910_000 + n, title: `Nzb Movie ${n}`, year: 2020 + (n % 6), radarrId: n, hash: drone });

describe('a Radarr grab downloaded by NZBGet', () => {
  it('GRABBING → DOWNLOADING → post-processing → DOWNLOADED, matched on the drone id', async () => {
    const { send, rec, nzb, poke } = await stack();
    const drone = newDroneId();
    const m = movie(61, drone);
    const id = 'jellyseerr-61';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    nzb.add(newDroneId()); // another download, NZBID 1
    nzb.add(drone, { NZBName: 'Nzb.Movie.61.2021.1080p.WEB-DL', fileSize: 8000 * MIB, remaining: 6000 * MIB });
    await send('/hooks/radarr', nzbGrab(m, drone));
    await rec.untilState(id, 'GRABBING');
    expect(await poke()).toEqual({ listgroups: 1, history: 0 });
    expect(await rec.untilState(id, 'DOWNLOADING')).toMatchObject({ progress: 0.25, protocol: 'usenet' });
    nzb.set(drone, { remaining: 0, ppStatus: 'UNPACKING' });
    await poke();
    await rec.until(() => (rec.state(id)?.progress === 1 ? rec.state(id) : undefined), 'unpacking at 100 %');
    nzb.finish(drone, 'SUCCESS/ALL');
    expect(await poke()).toEqual({ listgroups: 1, history: 1 });
    expect(await rec.untilState(id, 'DOWNLOADED')).toMatchObject({ progress: 1, stuck: null });
    expect(timelineText(rec, id)).toContain('NZBGet');
  });

  it("health below critical, then FAILURE/HEALTH → FAILED with NZBGet's words", async () => {
    const { send, rec, nzb, poke } = await stack();
    const drone = newDroneId();
    const m = movie(62, drone);
    const id = 'jellyseerr-62';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    nzb.add(drone, { fileSize: 5000 * MIB, remaining: 4000 * MIB, health: 832, criticalHealth: 850 });
    await send('/hooks/radarr', nzbGrab(m, drone));
    await poke();
    const s = await rec.untilState(id, 'DOWNLOADING');
    expect(s.stuck).toMatchObject({ reason: 'NZBGet: health 83.2 % is below the critical 85 % — articles are missing' });
    nzb.finish(drone, 'FAILURE/HEALTH', { health: 500 });
    await poke();
    await rec.untilState(id, 'FAILED');
    expect(timelineText(rec, id)).toContain(
      'Download failed: NZBGet: articles are missing on the news server (out of retention?); health fell below critical (FAILURE/HEALTH, health 50 %, critical 85 %)',
    );
  });
});

describe('NZBGet and the Radarr queue', () => {
  it("a download a configured NZBGet holds is NZBGet's alone: Radarr's older queue figure never overwrites it", async () => {
    const { send, rec, nzb, radarr, poke, reconciler } = await stack();
    const drone = newDroneId();
    const m = movie(63, drone);
    const id = 'jellyseerr-63';
    radarr.addMovie(m, { hasFile: false });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    radarr.addDownload(m.radarrId, drone, { protocol: 'usenet', downloadClient: 'NZBGet', size: 1000 * MIB, sizeleft: 900 * MIB });
    nzb.add(drone, { fileSize: 1000 * MIB, remaining: 400 * MIB });
    await send('/hooks/radarr', nzbGrab(m, drone));
    await rec.untilState(id, 'GRABBING');
    // The grab came after NZBGet's last poll: the download is left to NZBGet, not reported from the queue.
    await reconciler.pokeDownloads();
    expect(rec.state(id)).toMatchObject({ state: 'GRABBING', progress: 0 });
    await poke();
    expect(await rec.untilState(id, 'DOWNLOADING')).toMatchObject({ progress: 0.6, protocol: 'usenet' });
    for (let i = 0; i < 2; i++) {
      await reconciler.pokeDownloads();
      await reconciler.poke();
    }
    expect(rec.state(id)).toMatchObject({ progress: 0.6 });
    expect(timelineText(rec, id)).not.toContain("Radarr's queue");
  });
});

describe('requests per cycle', () => {
  it.each([1, 500])(
    '%i tracked NZBGet downloads: one listgroups and at most one history per cycle',
    async (n) => {
      const { h, nzb, poke } = await stack({ mqtt: { discovery: false } });
      const ids = Array.from({ length: n }, () => newDroneId());
      for (let start = 0; start < n; start += 25) {
        await Promise.all(
          ids.slice(start, start + 25).map(async (drone, j) => {
            const k = start + j + 1;
            nzb.add(drone, { fileSize: 1000 * MIB, remaining: (1000 - (k % 10) * 100) * MIB });
            const res = await h.post('/hooks/radarr', nzbGrab(movie(k, drone), drone));
            expect(res.status).toBe(200);
          }),
        );
      }
      expect(h.tracker.engine.trackedHashes().size).toBe(n);
      for (let c = 0; c < 3; c++) expect(await poke()).toEqual({ listgroups: 1, history: 0 });
      for (const drone of ids.slice(0, Math.ceil(n / 2))) nzb.finish(drone);
      expect(await poke()).toEqual({ listgroups: 1, history: 1 });
      expect(await poke()).toEqual({ listgroups: 1, history: 0 });
    },
    120_000,
  );
});
