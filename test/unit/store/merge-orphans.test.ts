/** Snapshot schema v1 → v2: orphan Sonarr/Radarr requests merged into the Jellyseerr request that covers them. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPLIED_LIMIT, TIMELINE_LIMIT, episodeKey, type Download, type Episode, type MediaRequest, type TimelineEntry } from '../../../src/domain/model.js';
import type { EpisodeState } from '../../../src/domain/states.js';
import { mergeOrphans } from '../../../src/store/merge-orphans.js';
import { migrateSnapshot } from '../../../src/store/migrations.js';
import { Store } from '../../../src/store/store.js';
import { blankRequest } from '../../helpers/requests.js';
import { FIRST_HALF, SECOND_HALF, SONARR_12, splitSeason, v1Download, v1Episode } from '../../helpers/v1-store.js';
import { tempDir } from './helpers.js';

const SONARR = SONARR_12;
const H1 = FIRST_HALF;
const H2 = SECOND_HALF;
const ep = (episode: number, state: EpisodeState, at: string, hash: string | null = null): Episode => v1Episode(episode, state, at, hash);
const dl = (hash: string, d: Partial<Download> = {}): Record<string, Download> => v1Download(hash, { progress: 0.5, size: 1000, ...d });
const note = (at: string, reason: string): TimelineEntry => ({ at, source: 'sonarr', reason });
const v1 = (o: Partial<MediaRequest> & Pick<MediaRequest, 'id' | 'media_type'>): MediaRequest => blankRequest({ tmdb_id: 95396, tvdb_id: 371980, title: 'Severance', ...o });

function episodes(list: Episode[]): Record<string, Episode> {
  return Object.fromEntries(list.map((e) => [episodeKey(e.season, e.episode), e]));
}

function snapshot(requests: MediaRequest[]) {
  return { schema_version: 1, last_seq: 40, saved_at: '2026-01-08T00:00:00.000Z', requests };
}

function migrated(requests: MediaRequest[]): MediaRequest[] {
  const out = migrateSnapshot(snapshot(requests));
  expect(out).toMatchObject({ from: 1, to: 2 });
  return (out.snapshot as { requests: MediaRequest[] }).requests;
}

describe('v1 → v2 migration', () => {
  it('merges the orphan of a season grabbed in two parts into the request: episodes, downloads, timeline, applied keys', () => {
    const { request, orphan } = splitSeason();
    const [r, ...rest] = migrated([request, orphan]);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ id: 'jellyseerr-5', absorbed_ids: ['sonarr-12'], jellyseerr_request_id: 5, requested_by: 'alice' });
    expect(Object.keys(r!.episodes).sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((n) => episodeKey(1, n)));
    // The more advanced state per episode, with both histories in time order.
    expect(r!.episodes.S01E05).toMatchObject({ state: 'AVAILABLE', hash: H1 });
    expect(r!.episodes.S01E05!.history.map((h) => h.state)).toEqual(['AVAILABLE', 'DOWNLOADING']);
    expect(r!.episodes.S01E06).toMatchObject({ state: 'DOWNLOADING', hash: H2 });
    expect(Object.keys(r!.downloads).sort()).toEqual([H1, H2]);
    expect(r!.downloads[H2]!.superseded).toBeUndefined();
    // Half the season is playable: no longer AVAILABLE, and the move is said where it happened.
    expect(r!.state).toBe('PARTIALLY_AVAILABLE');
    expect(r!.state_since).toBe('2026-01-07T00:00:00.000Z');
    expect(r!.timeline.map((t) => t.reason)).toEqual([
      'Requested in Jellyseerr (request #5) by alice',
      'Playable in Jellyfin',
      'Grabbed in Sonarr without a Jellyseerr request',
      'Downloading in qBittorrent',
      'Merged sonarr-12 (later grabs of the same media)',
    ]);
    expect(r!.timeline.at(-1)).toMatchObject({ at: '2026-01-07T00:00:00.000Z', source: 'system', from: 'AVAILABLE', to: 'PARTIALLY_AVAILABLE' });
    expect(r!.applied).toEqual(['jellyseerr:5:approved', 'sonarr:grab:1', 'sonarr:grab:2']);
    // It was announced available once: a later return to AVAILABLE is not a second "ready".
    expect(r!.available_at).toBe('2026-01-05T00:00:00.000Z');
  });

  it('an orphan seen before the request gives the request its *arr link', () => {
    const { request, orphan } = splitSeason();
    const early = { ...orphan, created_at: '2025-12-31T00:00:00.000Z' };
    const [r] = migrated([{ ...request, arr: null }, early]);
    expect(r!.arr).toEqual(SONARR);
    expect(r!.timeline.at(-1)!.reason).toBe('Merged sonarr-12 (grabs seen before the request)');
  });

  it('matches by tvdb id when the request has no *arr link, and takes a request without seasons', () => {
    const { request, orphan } = splitSeason();
    const [r] = migrated([{ ...request, arr: null, tmdb_id: null, requested_seasons: [] }, orphan]);
    expect(r!.absorbed_ids).toEqual(['sonarr-12']);
  });

  it.each<[string, (r: MediaRequest, o: MediaRequest) => [MediaRequest, MediaRequest]]>([
    ['another 4K-ness', (r, o) => [{ ...r, is_4k: true }, o]],
    ['seasons the request did not ask for', (r, o) => [{ ...r, requested_seasons: [2] }, o]],
    ['another *arr record (a second instance)', (r, o) => [r, { ...o, arr: { ...SONARR, instance: 'sonarr-4k' } }]],
    [
      'another series',
      (r, o) => [
        { ...r, arr: null },
        { ...o, arr: null, tmdb_id: 1, tvdb_id: 2 },
      ],
    ],
    ['a declined request', (r, o) => [{ ...r, state: 'DECLINED' }, o]],
    ['another media type', (r, o) => [{ ...r, media_type: 'movie', episodes: {} }, o]],
  ])('leaves an orphan alone when the request has %s', (_what, change) => {
    const { request, orphan } = splitSeason();
    const input = change(request, orphan);
    expect(migrated(input).map((r) => r.id)).toEqual(['jellyseerr-5', 'sonarr-12']);
  });

  it("a movie grabbed again after it was playable: the orphan becomes the request's upgrade", () => {
    const movie = v1({
      id: 'jellyseerr-9',
      media_type: 'movie',
      jellyseerr_request_id: 9,
      tmdb_id: 693134,
      arr: { service: 'radarr', instance: 'radarr', id: 21 },
      state: 'AVAILABLE',
      state_since: '2026-01-03T00:00:00.000Z',
      file_path: '/movies/Dune (2024)/Dune.1080p.mkv',
      downloads: dl(H1, { complete: true, progress: 1 }),
      created_at: '2026-01-01T00:00:00.000Z',
    });
    const orphan = v1({
      id: 'radarr-21',
      media_type: 'movie',
      origin: 'radarr',
      tmdb_id: 693134,
      arr: { service: 'radarr', instance: 'radarr', id: 21 },
      state: 'DOWNLOADING',
      state_since: '2026-01-09T00:00:00.000Z',
      downloads: dl(H2, { progress: 0.25, release: 'Dune.2160p.REMUX' }),
      created_at: '2026-01-08T00:00:00.000Z',
      updated_at: '2026-01-09T00:00:00.000Z',
    });
    const [r, ...rest] = migrated([movie, orphan]);
    expect(rest).toEqual([]);
    expect(r).toMatchObject({ state: 'AVAILABLE', state_since: '2026-01-03T00:00:00.000Z', file_path: '/movies/Dune (2024)/Dune.1080p.mkv', absorbed_ids: ['radarr-21'] });
    expect(r!.upgrade).toEqual({ state: 'DOWNLOADING', progress: 0.25, release: 'Dune.2160p.REMUX', hash: H2, since: '2026-01-09T00:00:00.000Z' });
    expect(r!.downloads[H2]).toMatchObject({ upgrade: true });
    expect(r!.downloads[H1]!.upgrade).toBeUndefined();
  });

  it('keeps the timeline and applied keys within their limits, the merge note last', () => {
    const { request, orphan } = splitSeason();
    const many = (n: number, day: string) => Array.from({ length: n }, (_, i) => note(`${day}T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`, `entry ${day} ${i}`));
    const a = { ...request, timeline: many(150, '2026-01-02'), applied: Array.from({ length: 200 }, (_, i) => `a${i}`) };
    const b = { ...orphan, timeline: many(150, '2026-01-06'), applied: Array.from({ length: 200 }, (_, i) => `b${i}`) };
    const [r] = migrated([a, b]);
    expect(r!.timeline).toHaveLength(TIMELINE_LIMIT);
    expect(r!.timeline.at(-1)!.reason).toBe('Merged sonarr-12 (later grabs of the same media)');
    expect(r!.applied).toHaveLength(APPLIED_LIMIT);
    expect(r!.applied.at(-1)).toBe('b199');
  });

  it('leaves other requests as they were (only an AVAILABLE one learns when it became so), and never changes its input', () => {
    const { request } = splitSeason();
    const pending = v1({ id: 'jellyseerr-6', media_type: 'movie', jellyseerr_request_id: 6, state: 'REQUESTED', phase: 'REQUESTED' });
    const input = snapshot([request, pending]);
    const frozen = JSON.stringify(input);
    const out = migrateSnapshot(input).snapshot as { requests: MediaRequest[] };
    expect(JSON.stringify(input)).toBe(frozen);
    expect(out.requests[1]).toEqual(pending);
    expect(out.requests[0]).toEqual({ ...request, available_at: '2026-01-05T00:00:00.000Z' });
  });

  it('merges several orphans of one request, oldest first, and reports each merge', () => {
    const { request, orphan } = splitSeason();
    const second = { ...orphan, id: 'sonarr-12-2', created_at: '2026-01-07T12:00:00.000Z', episodes: episodes([ep(11, 'GRABBING', '2026-01-07T12:00:00.000Z')]), downloads: {} };
    const { requests, merged } = mergeOrphans([request, second, orphan]);
    expect(merged).toEqual([
      { orphan: 'sonarr-12', into: 'jellyseerr-5' },
      { orphan: 'sonarr-12-2', into: 'jellyseerr-5' },
    ]);
    expect((requests as MediaRequest[]).map((r) => r.id)).toEqual(['jellyseerr-5']);
    expect((requests[0] as MediaRequest).absorbed_ids).toEqual(['sonarr-12', 'sonarr-12-2']);
  });
});

describe('Store.open on a v1 snapshot', () => {
  it('keeps snapshot.v1.bak.json, writes the merged v2 snapshot, and still replays the journal after it', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const { request, orphan } = splitSeason();
      const original = JSON.stringify(snapshot([request, orphan]));
      await writeFile(path.join(dir, 'snapshot.json'), original);
      const event = { kind: 'command', key: 'k', source: 'user', at: '2026-01-08T01:00:00.000Z', match: { scope: 'any' }, request_id: 'sonarr-12', action: 'retry' };
      await writeFile(path.join(dir, 'journal-00000001.jsonl'), `${JSON.stringify({ v: 1, seq: 41, event })}\n`);
      const { store, loaded } = await Store.open({ dir, durable: true });
      await store.close();
      expect(loaded.requests.map((r) => r.id)).toEqual(['jellyseerr-5']);
      expect(loaded.replay.map((r) => r.seq)).toEqual([41]);
      expect(await readFile(path.join(dir, 'snapshot.v1.bak.json'), 'utf8')).toBe(original);
      const now = JSON.parse(await readFile(path.join(dir, 'snapshot.json'), 'utf8')) as { schema_version: number; requests: MediaRequest[] };
      expect(now.schema_version).toBe(2);
      expect(now.requests.map((r) => r.absorbed_ids)).toEqual([['sonarr-12']]);
    } finally {
      await cleanup();
    }
  });
});
