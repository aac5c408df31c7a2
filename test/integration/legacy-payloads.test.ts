/**
 * Real bodies of older upstream versions that installs still send, through the real webhook
 * routes: Sonarr 3's EpisodeFileDelete (its internal EpisodeFile record: `quality` as an
 * object, another `mediaInfo`) and Overseerr's default template of early 2021 (no request
 * block). Validate what the tracker uses, tolerate what it does not.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, range, sonarrGrab } from '../../src/demo/payloads.js';
import { world } from './support.js';

const fixture = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/${path}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

interface Item {
  status: string;
  request_ids: string[];
  states: string[];
}
const items = (answer: Record<string, unknown>): Item[] => answer.results as Item[];

describe('payloads of older upstream versions', () => {
  it('accepts a Sonarr 3 EpisodeFileDelete and applies it to the request of its series', async () => {
    const { send, rec } = await world();
    const show = { requestId: 0, tmdbId: 0, tvdbId: 383275, title: 'Hacks', year: 2021, sonarrId: 14, seasons: [1] };
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 10), fakeHash('hacks')));
    await rec.untilState('sonarr-14', 'GRABBING');
    const answer = await send('/hooks/sonarr', fixture('sonarr/v3-episode-file-delete'));
    expect(items(answer)[0]).toMatchObject({ request_ids: ['sonarr-14'] });
    expect(items(answer)[0]!.status).not.toBe('ignored');
  });

  it('matches an Overseerr 2021 notification without a request block to the open request of its media, and creates none', async () => {
    const { h, send, rec } = await world();
    const body = fixture('jellyseerr/overseerr-2021-media-available-movie');
    // No open request for the movie: accepted, nothing created.
    const before = await send('/hooks/jellyseerr', body);
    expect(items(before)[0]).toMatchObject({ status: 'ignored', request_ids: [] });
    expect(h.tracker.engine.index.size).toBe(0);

    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', { requestId: 51, tmdbId: 581734, title: 'Nomadland', year: 2020, radarrId: 51, hash: fakeHash('nomadland') }));
    await rec.untilState('jellyseerr-51', 'APPROVED');
    const answer = await send('/hooks/jellyseerr', body);
    expect(items(answer)[0]).toMatchObject({ status: 'accepted', request_ids: ['jellyseerr-51'], states: ['AVAILABLE'] });
    await rec.untilState('jellyseerr-51', 'AVAILABLE');
    // The top-level e-mail address of the old template is not carried anywhere.
    expect(JSON.stringify(h.tracker.engine.index.get('jellyseerr-51'))).not.toContain('alice@example.com');
    expect(h.tracker.engine.index.size).toBe(1);
  });
});
