/**
 * A standard and a 4K request of one movie, served by two Radarr instances: two requests, two
 * Home Assistant devices, each moved only by its own instance (webhooks and reconciler alike) and
 * AVAILABLE on its own import. The 4K instance is known from its `is_4k` option, or from
 * Jellyseerr's Radarr settings matched by URL. A real tracker, the Radarr and Jellyseerr fakes on
 * loopback; retained topics asserted after every step.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { createJellyseerrFake } from '../fakes/jellyseerr.js';
import { createRadarrFake } from '../fakes/radarr.js';
import { expectDevice, stateNames, world, type World } from './support.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of cleanup.splice(0).reverse()) await close();
});

const QUIET = { intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600 } };
const dune: MovieSpec = { requestId: 57, tmdbId: 693134, title: 'Dune: Part Two', year: 2024, radarrId: 412, hash: fakeHash('dune') };
/** The 4K copy: its own request, and its own movie id in the 4K Radarr. */
const dune4k: MovieSpec = { ...dune, requestId: 90, radarrId: 31, hash: fakeHash('dune-2160p') };

async function start<T extends { start(): Promise<{ url: string }>; stop(): Promise<void> }>(fake: T): Promise<T & { url: string; port: number }> {
  const { url } = await fake.start();
  cleanup.push(() => fake.stop());
  return Object.assign(fake, { url, port: Number(new URL(url).port) });
}

/** A Jellyseerr body about the 4K request: only the event text says so (the statuses are alike). */
function about4k(type: 'MEDIA_AUTO_APPROVED' | 'MEDIA_AVAILABLE', event: string, status: string): Record<string, unknown> {
  const body = jellyseerr(type, dune4k) as { media: Record<string, string> } & Record<string, unknown>;
  return { ...body, event, media: { ...body.media, status, status4k: status } };
}

function state(w: World, id: string): Record<string, unknown> {
  return w.rec.state(id) ?? {};
}

describe.each([
  ['configured with is_4k', true],
  ['detected from Jellyseerr’s Radarr settings', false],
] as const)('4K and standard requests of one movie on two Radarr instances (%s)', (_label, configured) => {
  it('two requests, two devices; each instance’s grab and import land on its own request; each AVAILABLE on its own evidence', async () => {
    const std = await start(createRadarrFake());
    const uhd = await start(createRadarrFake({ instanceName: 'Radarr 4K' }));
    std.addMovie(dune);
    uhd.addMovie(dune4k);
    const js = await start(createJellyseerrFake());
    js.addServer('radarr', { hostname: '127.0.0.1', port: std.port, is4k: false });
    js.addServer('radarr', { hostname: '127.0.0.1', port: uhd.port, is4k: true });
    const w = await world({
      ...QUIET,
      radarr: [
        { name: 'radarr', url: std.url, api_key: std.state.apiKey },
        { name: 'radarr4k', url: uhd.url, api_key: uhd.state.apiKey, ...(configured ? { is_4k: true } : {}) },
      ],
      ...(configured ? {} : { jellyseerr: { url: js.url, api_key: js.state.apiKey } }),
    });
    const watcher = (name: string) => w.h.tracker.watchers.find((x) => x.name === name)!;
    if (!configured) {
      await watcher('jellyseerr/reconcile').poke!();
      expect(js.log.of('GET /api/v1/settings/radarr')).toHaveLength(1);
    }

    // 1. Two Jellyseerr requests, the second one 4K: two requests, two HA devices.
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', dune));
    await w.send('/hooks/jellyseerr', about4k('MEDIA_AUTO_APPROVED', '4K Movie Request Automatically Approved', 'PROCESSING'));
    expect(await w.rec.untilState('jellyseerr-57', 'APPROVED')).toMatchObject({ is_4k: false });
    expect(await w.rec.untilState('jellyseerr-90', 'APPROVED')).toMatchObject({ is_4k: true });
    await expectDevice(w.rec, 'jellyseerr-57', { tv: false, name: 'Dune: Part Two (2024)' });
    await expectDevice(w.rec, 'jellyseerr-90', { tv: false, name: 'Dune: Part Two (2024) 4K' });

    // 2. The 4K Radarr's queue shows its download (no qBittorrent configured: the queue reports
    //    its progress too): its reconciler moves the 4K request only; the standard Radarr has
    //    nothing queued, and its reconciler leaves both alone.
    uhd.addDownload(dune4k.radarrId, dune4k.hash, { sizeleft: 5e9, timeleft: 600 });
    await watcher('radarr/radarr4k/reconcile').poke!();
    await watcher('radarr/radarr/reconcile').poke!();
    expect(await w.rec.untilState('jellyseerr-90', 'DOWNLOADING')).toMatchObject({ arr: { service: 'radarr', instance: 'radarr4k', id: 31 }, download_client: 'qBittorrent' });
    expect(state(w, 'jellyseerr-57')).toMatchObject({ state: 'APPROVED', arr: null });

    // 3. The standard Radarr's Grab webhook: the standard request, not the 4K one the media id also names.
    await w.send('/hooks/radarr/radarr', radarrGrab(dune));
    expect(await w.rec.untilState('jellyseerr-57', 'GRABBING')).toMatchObject({ arr: { service: 'radarr', instance: 'radarr', id: 412 } });
    expect(state(w, 'jellyseerr-90')).toMatchObject({ state: 'DOWNLOADING', arr: { instance: 'radarr4k' } });

    // 4. The 4K import, then Jellyseerr's word that the 4K copy is there (no Jellyfin configured):
    //    the 4K request is AVAILABLE; the standard one is still downloading.
    await w.send('/hooks/radarr/radarr4k', radarrDownload(dune4k));
    await w.rec.untilState('jellyseerr-90', 'IMPORTING');
    expect(state(w, 'jellyseerr-57')).toMatchObject({ state: 'GRABBING' });
    await w.send('/hooks/jellyseerr', about4k('MEDIA_AVAILABLE', '4K Movie Request Now Available', 'AVAILABLE'));
    await w.rec.untilState('jellyseerr-90', 'AVAILABLE');
    expect(state(w, 'jellyseerr-57')).toMatchObject({ state: 'GRABBING' });
    const settled = JSON.stringify(w.rec.json('media/jellyseerr-90/timeline'));

    // 5. The standard import and availability: the standard request is AVAILABLE; the 4K one never moves again.
    await w.send('/hooks/radarr/radarr', radarrDownload(dune));
    await w.rec.untilState('jellyseerr-57', 'IMPORTING');
    expect(state(w, 'jellyseerr-90')).toMatchObject({ state: 'AVAILABLE' });
    await w.send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', dune));
    await w.rec.untilState('jellyseerr-57', 'AVAILABLE');
    expect(JSON.stringify(w.rec.json('media/jellyseerr-90/timeline'))).toBe(settled);
    expect(state(w, 'jellyseerr-90')).toMatchObject({ state: 'AVAILABLE', is_4k: true });
    // One "ready" announcement each (events are published right after their state).
    for (const id of ['jellyseerr-57', 'jellyseerr-90']) {
      await w.rec.until(() => stateNames(w.rec, id).includes('available'), `the available event of ${id}`);
      expect(stateNames(w.rec, id).filter((t) => t === 'available')).toHaveLength(1);
    }
    // Nothing else was created for either instance's movie.
    expect([...w.h.tracker.engine.requests()].map((r) => r.id).sort()).toEqual(['jellyseerr-57', 'jellyseerr-90']);
  });
});
