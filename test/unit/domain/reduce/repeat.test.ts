/** Watchers observe the same facts every cycle: a repeated observation must change nothing. */
import { expect, it } from 'vitest';
import type { TrackerEvent } from '../../../../src/domain/events.js';
import { createRequest, reduce } from '../../../helpers/reduce.js';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString();
const opts = { verifyAvailability: true };

it('a repeated Jellyfin availability or Shoko match with a new key leaves the request unchanged', () => {
  const request: TrackerEvent = {
    kind: 'request',
    key: 'j:1',
    source: 'jellyseerr',
    at: at(0),
    match: { jellyseerr_request_id: 1, scope: 'any' },
    jellyseerr_request_id: 1,
    status: 'auto_approved',
    notification_type: 'MEDIA_AUTO_APPROVED',
    media: { media_type: 'tv', title: 'Frieren', tvdb_id: 1 },
    requested_seasons: [1],
  };
  let r = reduce(createRequest('jellyseerr-1', request), request, opts).request!;
  const grab: TrackerEvent = {
    kind: 'grabbed',
    key: 'g',
    source: 'sonarr',
    at: at(1),
    match: { scope: 'active' },
    arr: { service: 'sonarr', instance: 'sonarr', id: 3 },
    media: { media_type: 'tv' },
    hash: 'a'.repeat(40),
    release: { title: 'pack' },
    episodes: [
      { season: 1, episode: 1 },
      { season: 1, episode: 2 },
    ],
  };
  r = reduce(r, grab, opts).request!;
  const seen = (key: string, s: number): TrackerEvent => ({
    kind: 'available',
    key,
    source: 'jellyfin',
    at: at(s),
    match: { scope: 'active' },
    verified: true,
    reason: 'Playable in Jellyfin',
    episodes: [{ season: 1, episode: 1, jellyfin_id: 'f'.repeat(32) }],
  });
  const first = reduce(r, seen('jf:1', 2), opts);
  expect(first.outcome).toBe('applied');
  expect(first.request!.episodes.S01E01).toMatchObject({ state: 'AVAILABLE', jellyfin_id: 'f'.repeat(32) });
  expect(first.request!.state).toBe('PARTIALLY_AVAILABLE');
  const again = reduce(first.request!, seen('jf:2', 3), opts);
  expect(again.outcome).toBe('unchanged');
  expect(again.request).toBe(first.request);

  const match = (key: string, s: number): TrackerEvent => ({
    kind: 'anime_match',
    key,
    source: 'shoko',
    at: at(s),
    match: { scope: 'active' },
    result: 'matched',
    shoko_file_id: 77,
    reason: 'Shoko matched the file',
    episodes: [{ season: 1, episode: 2 }],
  });
  const m1 = reduce(first.request!, match('s:1', 4), opts);
  expect(m1.request!.episodes.S01E02).toMatchObject({ state: 'ANIME_MATCHING', shoko_file_id: 77 });
  expect(reduce(m1.request!, match('s:2', 5), opts).outcome).toBe('unchanged');
});
