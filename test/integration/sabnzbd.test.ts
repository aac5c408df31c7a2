/**
 * SABnzbd end to end: a real tracker (webhook routes, journal, engine, aedes) with the Radarr
 * fake and the SABnzbd fake on loopback, the SABnzbd watcher driven by `poke()`, and a real
 * mqtt.js subscriber. Radarr grabs a release for SABnzbd (`downloadClient: "SABnzbd"`, the
 * `nzo_id` as `downloadId`, in SABnzbd's own spelling); what is asserted is what Home Assistant
 * and the panel see on the retained topics, and how many requests SABnzbd gets per cycle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import type { ArrReconciler } from '../../src/integrations/arr/reconciler.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { FAIL_MESSAGES, FakeSabnzbd } from '../fakes/sabnzbd.js';
import { timelineText, world } from './support.js';

const SAB_KEY = 'integration-Sab-Key-5e4d3c';
const QUIET = { intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600, sabnzbd_s: 3600 } };

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function stack(mqtt: Record<string, unknown> = {}) {
  const radarr = createRadarrFake();
  const sab = await FakeSabnzbd.start({ apiKey: SAB_KEY });
  const r = await radarr.start();
  cleanup.push(
    () => radarr.stop(),
    () => sab.close(),
  );
  const w = await world({ ...QUIET, ...mqtt, radarr: [{ name: 'radarr', url: r.url, api_key: radarr.state.apiKey }], sabnzbd: [{ name: 'sabnzbd', url: sab.url, api_key: SAB_KEY }] });
  const watcher = w.h.tracker.watchers.find((x) => x.name === 'sabnzbd/sabnzbd');
  if (!watcher?.poke) throw new Error(`no SABnzbd watcher: ${w.h.tracker.watchers.map((x) => x.name).join(', ')}`);
  /** One cycle of the SABnzbd watcher; returns how many requests SABnzbd received. */
  const poke = async (): Promise<number> => {
    const before = sab.count();
    await watcher.poke!();
    expect(watcher.status().healthy, String(watcher.status().last_error)).toBe(true);
    return sab.count() - before;
  };
  const reconciler = w.h.tracker.watchers.find((x) => x.name === 'radarr/radarr/reconcile') as ArrReconciler;
  return { ...w, sab, radarr, poke, watcher, reconciler };
}

/** Radarr's Grab webhook for a release sent to SABnzbd: the nzo_id verbatim as downloadId. */
function sabGrab(m: MovieSpec, nzoId: string): Record<string, unknown> {
  const grab = radarrGrab(m);
  (grab.release as Record<string, unknown>).indexer = 'NZBgeek (Prowlarr)';
  return { ...grab, downloadClient: 'SABnzbd', downloadClientType: 'SABnzbd', downloadId: nzoId };
}

const movie = (n: number, nzoId: string): MovieSpec => ({ requestId: n, tmdbId: 900_000 + n, title: `Usenet Movie ${n}`, year: 2020 + (n % 6), radarrId: n, hash: nzoId });

describe('a Radarr grab downloaded by SABnzbd', () => {
  it('GRABBING → DOWNLOADING with rising progress → DOWNLOADED, two requests per cycle', async () => {
    const { send, rec, sab, poke } = await stack();
    const nzo = 'SABnzbd_nzo_sf78tpj';
    const m = movie(57, nzo);
    const id = 'jellyseerr-57';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    sab.add(nzo, { filename: 'Usenet.Movie.57.2023.1080p.WEB-DL', mb: 8000, mbleft: 8000 });
    await send('/hooks/radarr', sabGrab(m, nzo));
    await rec.untilState(id, 'GRABBING');

    expect(await poke()).toBe(2);
    expect(sab.log.last('GET /api mode=queue')?.query).toMatchObject({ nzo_ids: nzo, apikey: SAB_KEY });
    let s = await rec.untilState(id, 'DOWNLOADING');
    expect(s).toMatchObject({ progress: 0, speed_bps: 2048 * 1024 });

    const seen: number[] = [];
    for (const left of [6000, 2000, 400]) {
      sab.progress(nzo, left);
      await poke();
      s = await rec.until(() => (rec.state(id)?.progress === 1 - left / 8000 ? rec.state(id) : undefined), `progress ${1 - left / 8000}`);
      expect(s.state).toBe('DOWNLOADING');
      seen.push(s.progress as number);
    }
    expect(seen).toEqual([0.25, 0.75, 0.95]);
    expect(s.eta_s).toBe(200); // 400 MiB at 2 MiB/s

    sab.finish(nzo, 'Extracting');
    await poke();
    s = await rec.until(() => (rec.state(id)?.progress === 1 ? rec.state(id) : undefined), 'unpacking at 100 %');
    expect(s.state).toBe('DOWNLOADING');

    sab.finish(nzo, 'Completed');
    expect(await poke()).toBe(2);
    s = await rec.untilState(id, 'DOWNLOADED');
    expect(s).toMatchObject({ progress: 1, stuck: null });
    await rec.untilEvents(id, ['requested', 'approved', 'grabbing', 'downloading', 'downloaded']);
    expect(timelineText(rec, id)).toContain('Download complete in SABnzbd');
    // Nothing moves any more, and the unchanged history costs one `false`.
    const seq = rec.messages.length;
    expect(await poke()).toBe(2);
    expect(sab.log.last('GET /api mode=history')?.query.last_history_update).toBeDefined();
    expect(rec.messages.length).toBe(seq);
  });

  it('a failed history item gives FAILED with the fail_message in plain words', async () => {
    const { send, rec, sab, poke } = await stack();
    const nzo = 'SABnzbd_nzo_q1w2e3_r';
    const m = movie(58, nzo);
    const id = 'jellyseerr-58';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    sab.add(nzo, { mb: 5000, mbleft: 4000, mbmissing: 120 });
    await send('/hooks/radarr', sabGrab(m, nzo));
    await poke();
    let s = await rec.untilState(id, 'DOWNLOADING');
    expect(s.stuck).toMatchObject({ reason: 'SABnzbd: articles are missing on the server (out of retention?); the download may fail' });

    sab.fail(nzo, FAIL_MESSAGES.missingArticles);
    await poke();
    s = await rec.untilState(id, 'FAILED');
    const text = timelineText(rec, id);
    expect(text).toContain('Download failed: SABnzbd: out of retention / missing articles (Aborted, cannot be completed - https://sabnzbd.org/not-complete)');
  });
});

describe('SABnzbd and the Radarr queue', () => {
  it("a job a configured SABnzbd holds is SABnzbd's alone: Radarr's older queue figure never overwrites it", async () => {
    const { send, rec, sab, radarr, poke, reconciler } = await stack();
    const nzo = 'SABnzbd_nzo_c0v3r5';
    const m = movie(59, nzo);
    const id = 'jellyseerr-59';
    radarr.addMovie(m, { hasFile: false });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    // Radarr's queue (a minute old) says 10 %; SABnzbd says 60 %.
    radarr.addDownload(m.radarrId, nzo, { protocol: 'usenet', downloadClient: 'SABnzbd', size: 1000 * 1024 * 1024, sizeleft: 900 * 1024 * 1024 });
    sab.add(nzo, { mb: 1000, mbleft: 400 });
    await send('/hooks/radarr', sabGrab(m, nzo));
    await rec.untilState(id, 'GRABBING');
    // The grab came after SABnzbd's last poll: the job is left to SABnzbd, not reported from the queue.
    await reconciler.pokeDownloads();
    expect(rec.state(id)).toMatchObject({ state: 'GRABBING', progress: 0 });
    await poke();
    expect(await rec.untilState(id, 'DOWNLOADING')).toMatchObject({ progress: 0.6, protocol: 'usenet' });
    for (let i = 0; i < 2; i++) {
      await reconciler.pokeDownloads();
      await reconciler.poke();
    }
    expect(rec.state(id)).toMatchObject({ progress: 0.6 });
    expect(timelineText(rec, id)).toContain('Downloading in SABnzbd');
    expect(timelineText(rec, id)).not.toContain("Radarr's queue");
  });
});

describe('requests per cycle', () => {
  it.each([1, 500])(
    '%i tracked SABnzbd downloads: at most two requests per cycle',
    async (n) => {
      const { h, sab, poke } = await stack({ mqtt: { discovery: false } });
      const ids = Array.from({ length: n }, (_, i) => `SABnzbd_nzo_n${i.toString(36).padStart(5, '0')}`);
      for (let start = 0; start < n; start += 25) {
        await Promise.all(
          ids.slice(start, start + 25).map(async (nzo, j) => {
            const k = start + j + 1;
            sab.add(nzo, { mb: 1000, mbleft: 1000 - (k % 10) * 100 });
            const res = await h.post('/hooks/radarr', sabGrab(movie(k, nzo), nzo));
            expect(res.status).toBe(200);
          }),
        );
      }
      expect(h.tracker.engine.trackedHashes().size).toBe(n);
      for (let c = 0; c < 3; c++) expect(await poke()).toBeLessThanOrEqual(2);
      const last = ids.at(-1)!;
      const sent = sab.log.last('GET /api mode=queue');
      expect(String(sent?.query.nzo_ids).split(',')).toHaveLength(n);
      expect(String(sent?.query.nzo_ids)).toContain(last);
      for (const nzo of ids.slice(0, Math.ceil(n / 2))) sab.finish(nzo);
      expect(await poke()).toBe(2);
    },
    120_000,
  );
});
