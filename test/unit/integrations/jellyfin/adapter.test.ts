import { describe, expect, it } from 'vitest';
import { parseJellyfin } from '../../../../src/integrations/jellyfin/adapter.js';

// The "Send All Properties" example of docs/upstreams.md §5.3.
const episode = {
  ServerId: '0f5e7c9a1b2d4e6f8a0b1c2d3e4f5a6b',
  ServerName: 'jellyfin',
  ServerVersion: '10.10.7',
  ServerUrl: 'http://jellyfin.local:8096',
  NotificationType: 'ItemAdded',
  Timestamp: '2025-03-14T19:02:11.5039121+01:00',
  UtcTimestamp: '2025-03-14T18:02:11.5039184Z',
  Name: 'Part 2',
  Overview: '...',
  Tagline: '',
  ItemId: '7d1e3f5a9b2c4d6e8f0a1b2c3d4e5f60',
  ItemType: 'Episode',
  RunTimeTicks: 31230000000,
  RunTime: '00:52:03',
  Year: 2020,
  PremiereDate: '2024-10-10',
  SeriesName: 'Outer Banks',
  SeriesId: 'c0ffee00112233445566778899aabbcc',
  SeasonId: 'dd00ee11ff2233445566778899aabb00',
  SeriesPremiereDate: '2020-04-15',
  SeasonNumber: 4,
  SeasonNumber00: '04',
  SeasonNumber000: '004',
  EpisodeNumber: 2,
  EpisodeNumber00: '02',
  EpisodeNumber000: '002',
  Provider_tvdb: '10552722',
  Provider_imdb: 'tt31190010',
  Provider_tmdb: '5432117',
};

describe('parseJellyfin', () => {
  it('reads the Send All Properties JSON of an episode', () => {
    const r = parseJellyfin(episode);
    expect(r).toMatchObject({
      ok: true,
      hint: {
        notification: 'ItemAdded',
        item_id: '7d1e3f5a9b2c4d6e8f0a1b2c3d4e5f60',
        item_type: 'Episode',
        series_id: 'c0ffee00112233445566778899aabbcc',
        season: 4,
        episode: 2,
        episode_end: null,
        year: 2020,
        provider_ids: { tvdb: '10552722', imdb: 'tt31190010', tmdb: '5432117' },
      },
    });
  });

  it('accepts a template: other key case, hyphenated ItemId, numbers as strings, Shokofin provider keys with spaces', () => {
    const r = parseJellyfin({
      notificationType: 'ItemAdded',
      itemId: '7d1e3f5a-9b2c-4d6e-8f0a-1b2c3d4e5f60',
      itemType: 'Movie',
      name: 'Summer Ghost',
      year: '2021',
      'Provider_shoko file': '1234',
      'Provider_shoko episode': '55',
      Provider_anidb: '16000',
    });
    expect(r.ok && r.hint).toMatchObject({
      item_id: '7d1e3f5a9b2c4d6e8f0a1b2c3d4e5f60',
      item_type: 'Movie',
      year: 2021,
      provider_ids: { 'shoko file': '1234', 'shoko episode': '55', anidb: '16000' },
    });
  });

  it('ignores other notification types and names bad fields', () => {
    expect(parseJellyfin({ NotificationType: 'PlaybackStart', ItemId: 'x' })).toMatchObject({ ok: true, hint: null });
    const bad = parseJellyfin({ NotificationType: 'ItemAdded', ItemId: 'not-a-guid', SeasonNumber: 'four' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path).sort()).toEqual(['ItemId', 'SeasonNumber']);
    const missing = parseJellyfin({ ItemId: '7d1e3f5a9b2c4d6e8f0a1b2c3d4e5f60' });
    expect(!missing.ok && missing.errors.map((e) => e.path)).toEqual(['NotificationType']);
    expect(parseJellyfin('text').ok).toBe(false);
  });
});
