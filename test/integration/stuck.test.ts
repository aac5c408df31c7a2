/** Stuck is a flag with a plain-words reason, raised past a stage's threshold and cleared by progress. */
import { afterEach, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrGrab, sonarrGrab, sonarrImportComplete, sonarrManualInteraction, range, type ShowSpec } from '../../src/demo/payloads.js';
import type { EpisodePayload } from '../../src/contract/index.js';
import { createJellyfinFake } from '../fakes/jellyfin.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { world } from './support.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function clock(start = Date.parse('2026-01-01T10:00:00Z')) {
  let now = start;
  return { now: () => new Date(now), advance: (min: number) => (now += min * 60_000) };
}

const movie = { requestId: 1, tmdbId: 11, title: 'Arrival', year: 2016, radarrId: 21, hash: fakeHash('arrival') };

describe('stuck monitor', () => {
  it('flags an approved request Radarr never reported on, and the next grab clears it', async () => {
    const c = clock();
    const { h, send, rec } = await world({}, {}, { clock: c.now });
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    await rec.untilState('jellyseerr-1', 'APPROVED');
    const monitor = h.tracker.watchers.find((w) => w.name === 'stuck')!;
    c.advance(29);
    await monitor.poke!();
    expect(rec.state('jellyseerr-1')?.stuck).toBeNull();
    c.advance(2);
    await monitor.poke!();
    const st = await rec.until(() => rec.state('jellyseerr-1')?.stuck as { reason: string; since: string } | null, 'stuck flag');
    expect(st.reason).toBe('Approved 31 min ago, but Radarr has reported nothing (is its webhook to Media Tracker configured?)');
    expect(rec.state('jellyseerr-1')?.state).toBe('APPROVED');
    await rec.until(() => rec.json<{ counts: { stuck: number } }>('media/bridge/info')?.counts.stuck === 1, 'bridge info counts the stuck request');
    await send('/hooks/radarr', radarrGrab(movie));
    const after = await rec.untilState('jellyseerr-1', 'GRABBING');
    expect(after.stuck).toBeNull();
    // Polling again at once does not re-flag: the grab restarted the clock of the stage.
    await monitor.poke!();
    expect(rec.state('jellyseerr-1')?.stuck).toBeNull();
  });

  it('keeps a more specific reason from a service instead of its own generic one', async () => {
    const c = clock();
    const { h, send, rec } = await world({}, {}, { clock: c.now });
    const show = { requestId: 2, tmdbId: 12, tvdbId: 13, title: 'Severance', year: 2022, sonarrId: 14, seasons: [1] };
    const hash = fakeHash('sev');
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 2), hash));
    await send('/hooks/sonarr', sonarrManualInteraction(show, range(1, 1, 2), hash, 'Episode 1x03 was not found in the grabbed release'));
    const flagged = await rec.untilState('jellyseerr-2', 'DOWNLOADED');
    const reason = (flagged.stuck as { reason: string }).reason;
    expect(reason).toMatch(/Episode 1x03 was not found/);
    c.advance(120);
    await h.tracker.watchers.find((w) => w.name === 'stuck')!.poke!();
    expect((rec.state('jellyseerr-2')?.stuck as { reason: string } | undefined)?.reason).toBe(reason);
  });

  it('per episode: a partially available season whose aired episodes find no release is flagged, its unaired ones never', async () => {
    const c = clock(Date.parse('2026-03-10T12:00:00Z'));
    const sonarr = createSonarrFake();
    const jf = createJellyfinFake({ apiKey: 'stuck-Jellyfin-Key-42' });
    const [{ url: sonarrUrl }, { url: jellyfinUrl }] = await Promise.all([sonarr.start(), jf.start()]);
    stops.push(
      () => sonarr.stop(),
      () => jf.stop(),
    );
    const show: ShowSpec = { requestId: 5, tmdbId: 95396, tvdbId: 371980, title: 'Severance', year: 2026, sonarrId: 33, seasons: [1, 2] };
    sonarr.addSeries(show, { episodesPerSeason: 0 });
    // Season 1 airs weekly: E01–E04 have aired, E05–E06 have not. Season 2 is announced: E01 dated, E02 "TBA".
    const weekly = ['2026-02-10', '2026-02-17', '2026-02-24', '2026-03-03', '2026-03-17', '2026-03-24'];
    for (const [i, day] of weekly.entries()) sonarr.addEpisode(show, { season: 1, episode: i + 1 }, { airDate: day, airDateUtc: `${day}T20:00:00Z` });
    sonarr.addEpisode(show, { season: 2, episode: 1 }, { airDate: '2026-09-01', airDateUtc: '2026-09-01T20:00:00Z' });
    sonarr.addEpisode(show, { season: 2, episode: 2 }, { airDate: undefined, airDateUtc: undefined });

    const { h, send, rec } = await world(
      {
        intervals: { arr_s: 3600, downloads_s: 3600, jellyseerr_s: 3600, qbittorrent_s: 3600, jellyfin_s: 3600 },
        sonarr: [{ name: 'sonarr', url: sonarrUrl, api_key: sonarr.state.apiKey }],
        jellyfin: { url: jellyfinUrl, api_key: 'stuck-Jellyfin-Key-42' },
      },
      {},
      { clock: c.now },
    );
    const watcher = (name: string) => h.tracker.watchers.find((w) => w.name === name)!;
    const id = 'jellyseerr-5';
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await watcher('sonarr/sonarr/reconcile').poke!();
    const listed = await rec.until(() => {
      const eps = rec.json<EpisodePayload[]>(`media/${id}/episodes`);
      return eps?.length === 8 ? eps : undefined;
    }, 'the roster of 8 episodes');
    expect(listed.filter((e) => !e.aired).map((e) => `${e.season}x${e.episode}`)).toEqual(['1x5', '1x6', '2x1']);

    // E01–E02 are grabbed, imported and in Jellyfin.
    const hash = fakeHash('severance-e1-2');
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 2), hash));
    await send('/hooks/sonarr', sonarrImportComplete(show, range(1, 1, 2), hash));
    const series = jf.addSeries({ name: show.title, year: show.year, tvdbId: show.tvdbId, tmdbId: show.tmdbId });
    for (const episode of [1, 2]) jf.addEpisode(series, { season: 1, episode });
    await watcher('jellyfin').poke!();
    await rec.untilState(id, 'PARTIALLY_AVAILABLE');

    const monitor = watcher('stuck');
    c.advance(59);
    await monitor.poke!();
    expect(rec.state(id)?.stuck).toBeNull();
    c.advance(61);
    await monitor.poke!();
    const stuck = () => (rec.state(id)?.stuck as { reason: string } | null)?.reason;
    expect(await rec.until(stuck, 'the stuck flag')).toBe('S01E03–E04: no release grabbed after 2 h');
    expect(rec.state(id)?.state).toBe('PARTIALLY_AVAILABLE');

    // E03 is grabbed: the flag names only E04; time passing alone changes nothing.
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 3, 3), fakeHash('severance-e3')));
    await monitor.poke!();
    await rec.until(
      () => stuck() === 'S01E04: no release grabbed after 2 h' || undefined,
      () => `the flag to name E04 only (last: ${stuck()})`,
    );

    // A week and a day later E05 has aired and found nothing either, and E03's download never started.
    c.advance(8 * 24 * 60);
    await monitor.poke!();
    await rec.until(
      () => stuck() === 'S01E04–E05: no release grabbed after 18 h; S01E03: grabbed 8 days ago, but the download has not started' || undefined,
      () => `the flag for E03–E05 (last: ${stuck()})`,
    );
    expect(rec.state(id)?.state).toBe('PARTIALLY_AVAILABLE');
  });
});
