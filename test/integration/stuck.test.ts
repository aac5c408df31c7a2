/** Stuck is a flag with a plain-words reason, raised past a stage's threshold and cleared by progress. */
import { describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrGrab, sonarrGrab, sonarrManualInteraction, range } from '../../src/demo/payloads.js';
import { world } from './support.js';

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
    expect((rec.state('jellyseerr-2')?.stuck as { reason: string }).reason).toBe(reason);
  });
});
