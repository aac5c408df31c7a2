/**
 * Correlation (src/domain/correlate.ts): which request does an event belong to?
 * Hash, then Jellyseerr request id, then *arr record, then media ids; a request follows its
 * media for its whole life (open ones first, newest first); lifecycle events reach every state
 * (docs/lessons.md A1, A2, A4, A5, A6, A8, A10).
 */
import { describe, expect, it } from 'vitest';
import { correlate, slug, type Target } from '../../../src/domain/correlate.js';
import type { ArrRef, DeletedEvent, DownloadProgressEvent, EpisodeRef, GrabbedEvent, ImportedEvent, Match, MediaInfo, MediaType, RequestEvent, AvailableEvent } from '../../../src/domain/events.js';
import { RequestIndex } from '../../../src/domain/index.js';
import type { MediaRequest } from '../../../src/domain/model.js';
import type { State } from '../../../src/domain/states.js';
import { blankRequest } from '../../helpers/requests.js';

const AT = '2025-03-01T10:00:00.000Z';
const RADARR: ArrRef = { service: 'radarr', instance: 'radarr', id: 412 };
const SONARR: ArrRef = { service: 'sonarr', instance: 'sonarr', id: 40 };
const TMDB = 438631;
const TVDB = 424536;
const H1 = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';
const H2 = '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';

let minute = 0;
/** Requests are created one minute apart, in the order the test builds them. */
function req(id: string, over: Partial<MediaRequest> = {}): MediaRequest {
  minute++;
  const created = new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();
  const media_type: MediaType = over.media_type ?? 'movie';
  const state: State = over.state ?? 'APPROVED';
  return blankRequest(
    {
      id,
      media_type,
      title: 'Title',
      year: 2021,
      tmdb_id: media_type === 'movie' ? TMDB : 209867,
      tvdb_id: media_type === 'tv' ? TVDB : null,
      state,
      phase: state,
      ...over,
    },
    created,
  );
}

const download = (hash: string) => ({ [hash]: { hash, progress: 0, speed_bps: null, eta_s: null, size: null, complete: false, release: null } });

function indexOf(...requests: MediaRequest[]): RequestIndex {
  const index = new RequestIndex();
  for (const r of requests) index.put(r);
  return index;
}

const MOVIE: MediaInfo = { media_type: 'movie', title: 'Dune', tmdb_id: TMDB };
const SHOW: MediaInfo = { media_type: 'tv', title: 'Frieren', tvdb_id: TVDB };
const ep = (season: number, episode: number): EpisodeRef => ({ season, episode });
let keys = 0;
const key = (kind: string): string => `${kind}#${++keys}`;

function grabbed(opts: { hash?: string | null; arr?: ArrRef; media?: MediaInfo; match?: Partial<Match>; episodes?: EpisodeRef[] } = {}): GrabbedEvent {
  const media = opts.media ?? MOVIE;
  const arr = opts.arr ?? (media.media_type === 'tv' ? SONARR : RADARR);
  const hash = opts.hash === undefined ? H1 : opts.hash;
  return {
    kind: 'grabbed',
    key: key('grab'),
    source: arr.service,
    at: AT,
    match: {
      scope: 'active',
      media_type: media.media_type,
      arr,
      ...(hash ? { hash } : {}),
      ...(media.tmdb_id ? { tmdb_id: media.tmdb_id } : {}),
      ...(media.tvdb_id ? { tvdb_id: media.tvdb_id } : {}),
      ...opts.match,
    },
    arr,
    media,
    hash,
    release: { title: 'Release' },
    episodes: opts.episodes ?? [],
  };
}

function imported(match: Partial<Match>, hash: string | null = null): ImportedEvent {
  return {
    kind: 'imported',
    key: key('import'),
    source: 'radarr',
    at: AT,
    match: { scope: 'active', media_type: 'movie', ...match },
    arr: match.arr ?? RADARR,
    media: MOVIE,
    hash,
    files: [],
    episodes: [],
    is_upgrade: false,
  };
}

function availableEv(match: Partial<Match>): AvailableEvent {
  return { kind: 'available', key: key('available'), source: 'jellyfin', at: AT, match: { scope: 'active', ...match }, verified: true, episodes: [], reason: 'found' };
}

function progressEv(hash: string): DownloadProgressEvent {
  return { kind: 'download_progress', key: 'p', source: 'qbittorrent', at: AT, match: { scope: 'active', hash }, hash, progress: 0.5, speed_bps: null, eta_s: null, size: null, complete: false };
}

function deletedEv(match: Partial<Match>, scope: DeletedEvent['scope'] = 'media'): DeletedEvent {
  return { kind: 'deleted', key: key('deleted'), source: 'radarr', at: AT, match: { scope: 'any', media_type: 'movie', ...match }, scope, episodes: [], reason: 'deleted' };
}

function requestEv(jellyseerr_request_id: number, media: MediaInfo = MOVIE): RequestEvent {
  return {
    kind: 'request',
    key: key('request'),
    source: 'jellyseerr',
    at: AT,
    match: {
      scope: 'any',
      media_type: media.media_type,
      jellyseerr_request_id,
      ...(media.tmdb_id ? { tmdb_id: media.tmdb_id } : {}),
      ...(media.tvdb_id ? { tvdb_id: media.tvdb_id } : {}),
    },
    jellyseerr_request_id,
    status: 'approved',
    notification_type: 'MEDIA_APPROVED',
    media,
  };
}

function hit(target: Target): { ids: string[]; via: string } {
  expect(target.type, JSON.stringify(target)).toBe('existing');
  if (target.type !== 'existing') throw new Error('no hit');
  return { ids: target.requests.map((r) => r.id), via: target.via };
}

function created(target: Target): string {
  expect(target.type, JSON.stringify(target)).toBe('create');
  if (target.type !== 'create') throw new Error('not create');
  return target.id;
}

// ---------------------------------------------------------------------------------------

describe('correlate: order of the keys', () => {
  it('the download hash comes first, over a Jellyseerr id, an *arr record or a media id', () => {
    const byHash = req('by-hash', { downloads: download(H1), tmdb_id: 1 });
    const byJs = req('by-js', { jellyseerr_request_id: 5 });
    const byArr = req('by-arr', { arr: RADARR });
    const byMedia = req('by-media');
    const index = indexOf(byHash, byJs, byArr, byMedia);
    const ev = imported({ hash: H1, jellyseerr_request_id: 5, arr: RADARR, tmdb_id: TMDB }, H1);
    expect(hit(correlate(ev, index))).toEqual({ ids: ['by-hash'], via: 'hash' });
  });

  it('a hash (lower case, as adapters normalise it) given only in match is used too', () => {
    const index = indexOf(req('a', { downloads: download(H1) }), req('b'));
    expect(hit(correlate(availableEv({ hash: H1, media_type: 'movie', tmdb_id: TMDB }), index)).ids).toEqual(['a']);
  });

  it('then the Jellyseerr request id', () => {
    const index = indexOf(req('by-js', { jellyseerr_request_id: 5, tmdb_id: 2 }), req('by-arr', { arr: RADARR }), req('by-media'));
    const ev = imported({ hash: H2, jellyseerr_request_id: 5, arr: RADARR, tmdb_id: TMDB }, H2);
    expect(hit(correlate(ev, index))).toEqual({ ids: ['by-js'], via: 'jellyseerr request id' });
  });

  it('then the *arr record', () => {
    const index = indexOf(req('by-arr', { arr: RADARR, tmdb_id: 2 }), req('by-media'));
    expect(hit(correlate(imported({ arr: RADARR, tmdb_id: TMDB }), index))).toEqual({ ids: ['by-arr'], via: 'arr' });
  });

  it('the *arr record includes the instance: another instance with the same id does not match', () => {
    const index = indexOf(req('4k', { arr: { service: 'radarr', instance: '4k', id: 412 }, tmdb_id: 2 }));
    expect(correlate(availableEv({ arr: RADARR }), index).type).toBe('none');
    // An import nobody covers creates a request exactly as a grab would.
    expect(created(correlate(imported({ arr: RADARR }), index))).toBe('radarr-412');
  });

  it('then the media ids (tmdb, tvdb), restricted to the same media type', () => {
    const index = indexOf(req('movie'), req('show', { media_type: 'tv', tmdb_id: TMDB }));
    expect(hit(correlate(imported({ tmdb_id: TMDB }), index))).toEqual({ ids: ['movie'], via: 'media id' });
    const tv = indexOf(req('show', { media_type: 'tv' }));
    expect(hit(correlate(availableEv({ media_type: 'tv', tvdb_id: TVDB }), tv)).ids).toEqual(['show']);
  });

  it('nothing matching a non-creating event → none', () => {
    expect(correlate(availableEv({ media_type: 'movie', tmdb_id: 999 }), indexOf(req('a'))).type).toBe('none');
    expect(correlate(progressEv(H2), indexOf(req('a', { downloads: download(H1) }))).type).toBe('none');
  });
});

describe('correlate: one request for its whole life', () => {
  it('a DECLINED request no longer follows its media, whatever the key', () => {
    const declined = req('declined', { state: 'DECLINED', downloads: download(H1), jellyseerr_request_id: 5, arr: RADARR });
    const index = indexOf(declined);
    expect(created(correlate(imported({ hash: H1, jellyseerr_request_id: 5, arr: RADARR, tmdb_id: TMDB }, H1), index))).toBe('radarr-412');
    expect(correlate(progressEv(H1), index).type).toBe('none');
    expect(correlate(availableEv({ media_type: 'movie', tmdb_id: TMDB }), index).type).toBe('none');
  });

  it.each(['AVAILABLE', 'PARTIALLY_AVAILABLE', 'DELETED'] as const)('a %s request still gets later grabs, imports and progress of its media', (state) => {
    const done = req('done', { state, downloads: download(H1), jellyseerr_request_id: 5, arr: RADARR });
    const index = indexOf(done);
    expect(hit(correlate(grabbed({ hash: H2 }), index)).ids).toEqual(['done']);
    expect(hit(correlate(imported({ hash: H1, arr: RADARR, tmdb_id: TMDB }, H1), index)).ids).toEqual(['done']);
    // A deleted request comes back only with a new grab or import; a seeding torrent does not revive it.
    if (state === 'DELETED') expect(correlate(progressEv(H1), index).type).toBe('none');
    else expect(hit(correlate(progressEv(H1), index)).ids).toEqual(['done']);
  });

  it('a FAILED request stays open: a re-grab or progress after a failure finds it', () => {
    const failed = req('failed', { state: 'FAILED', downloads: download(H1), arr: RADARR });
    const index = indexOf(failed);
    expect(hit(correlate(grabbed({ hash: H2 }), index)).ids).toEqual(['failed']);
    expect(hit(correlate(progressEv(H1), index)).ids).toEqual(['failed']);
  });

  it('A1/A2: a re-request gets the grab, not the finished request that shares its hash and ids', () => {
    const old = req('jellyseerr-11', { state: 'AVAILABLE', downloads: download(H1), jellyseerr_request_id: 11, arr: RADARR });
    const again = req('jellyseerr-14', { state: 'APPROVED', jellyseerr_request_id: 14 });
    const target = correlate(grabbed({ hash: H1 }), indexOf(old, again));
    expect(hit(target).ids).toEqual(['jellyseerr-14']);
  });

  it('newest first among equally good candidates, whatever the insertion order', () => {
    const older = req('older');
    const newer = req('newer');
    expect(hit(correlate(availableEv({ media_type: 'movie', tmdb_id: TMDB }), indexOf(newer, older))).ids).toEqual(['newer']);
    expect(hit(correlate(availableEv({ media_type: 'movie', tmdb_id: TMDB }), indexOf(older, newer))).ids).toEqual(['newer']);
    const a = req('a', { arr: RADARR });
    const b = req('b', { arr: RADARR });
    expect(hit(correlate(imported({ arr: RADARR }), indexOf(b, a))).ids).toEqual(['b']);
  });

  it('download_progress reaches every open request that shares the hash; a finished one only when no open one has it', () => {
    const index = indexOf(req('a', { downloads: download(H1) }), req('b', { downloads: download(H1) }), req('c', { downloads: download(H1), state: 'AVAILABLE' }));
    expect(hit(correlate(progressEv(H1), index)).ids.sort()).toEqual(['a', 'b']);
    expect(hit(correlate(progressEv(H1), indexOf(req('c', { downloads: download(H1), state: 'AVAILABLE' })))).ids).toEqual(['c']);
  });
});

describe('correlate: deletes reach every state', () => {
  it('A8: a media delete reaches an AVAILABLE request by its *arr record', () => {
    const done = req('done', { state: 'AVAILABLE', arr: RADARR });
    expect(hit(correlate(deletedEv({ arr: RADARR, tmdb_id: TMDB }), indexOf(done))).ids).toEqual(['done']);
  });

  it('reaches every request of the *arr record, closed or open', () => {
    const index = indexOf(req('old', { state: 'AVAILABLE', arr: RADARR }), req('new', { state: 'DOWNLOADING', arr: RADARR }), req('other', { arr: { ...RADARR, id: 1 }, tmdb_id: 1 }));
    expect(hit(correlate(deletedEv({ arr: RADARR }), index)).ids.sort()).toEqual(['new', 'old']);
  });

  it('without an *arr match, reaches every request of the media id (same type only)', () => {
    const index = indexOf(req('old', { state: 'AVAILABLE' }), req('new', { state: 'DELETED' }), req('show', { media_type: 'tv', tmdb_id: TMDB }));
    expect(hit(correlate(deletedEv({ tmdb_id: TMDB }), index)).ids.sort()).toEqual(['new', 'old']);
  });

  it('reaches every request of the media, including one that never got the *arr record', () => {
    // The old request went through Radarr; the re-request sat APPROVED because Radarr had the
    // file already and never sent MovieAdded (docs/lessons.md B1). Deleting the movie concerns both.
    const old = req('old', { state: 'AVAILABLE', arr: RADARR });
    const again = req('again', { state: 'APPROVED', arr: null });
    expect(hit(correlate(deletedEv({ arr: RADARR, tmdb_id: TMDB }), indexOf(old, again))).ids.sort()).toEqual(['again', 'old']);
  });

  it('nothing tracked → none', () => {
    expect(correlate(deletedEv({ arr: RADARR, tmdb_id: TMDB }), indexOf()).type).toBe('none');
  });
});

describe('correlate: Jellyseerr request events', () => {
  it.each(['REQUESTED', 'AVAILABLE', 'DECLINED', 'DELETED', 'FAILED'] as const)('finds its own request in state %s', (state) => {
    const own = req('jellyseerr-7', { state, jellyseerr_request_id: 7 });
    const other = req('other-open', { jellyseerr_request_id: null });
    expect(hit(correlate(requestEv(7), indexOf(own, other)))).toEqual({ ids: ['jellyseerr-7'], via: 'jellyseerr request id' });
  });

  it('finds a request it was merged into', () => {
    const host = req('host', { jellyseerr_request_id: 3, merged_request_ids: [7] });
    expect(hit(correlate(requestEv(7), indexOf(host))).ids).toEqual(['host']);
  });

  it('adopts an open request of the same media that has no Jellyseerr id (created from an *arr grab)', () => {
    const orphan = req('radarr-412', { origin: 'radarr', jellyseerr_request_id: null, arr: RADARR, state: 'DOWNLOADING' });
    expect(hit(correlate(requestEv(7), indexOf(orphan)))).toEqual({ ids: ['radarr-412'], via: 'media id (adopted)' });
  });

  it('adopts an AVAILABLE orphan (one request for its whole life), not a deleted one, nor one that belongs to another Jellyseerr request', () => {
    const done = req('radarr-412', { origin: 'radarr', jellyseerr_request_id: null, state: 'AVAILABLE' });
    expect(hit(correlate(requestEv(7), indexOf(done)))).toEqual({ ids: ['radarr-412'], via: 'media id (adopted)' });
    const deleted = req('radarr-413', { origin: 'radarr', jellyseerr_request_id: null, state: 'DELETED' });
    const owned = req('jellyseerr-3', { jellyseerr_request_id: 3 });
    expect(created(correlate(requestEv(7), indexOf(deleted, owned)))).toBe('jellyseerr-7');
  });

  it('otherwise creates jellyseerr-<n>, with a -2 suffix when the id is taken', () => {
    expect(created(correlate(requestEv(7), indexOf()))).toBe('jellyseerr-7');
    const squatter = req('jellyseerr-7', { jellyseerr_request_id: 70, tmdb_id: 1 });
    expect(created(correlate(requestEv(7), indexOf(squatter)))).toBe('jellyseerr-7-2');
    const second = req('jellyseerr-7-2', { jellyseerr_request_id: 71, tmdb_id: 1 });
    expect(created(correlate(requestEv(7), indexOf(squatter, second)))).toBe('jellyseerr-7-3');
  });
});

describe('correlate: grabs nobody requested', () => {
  it('Radarr: creates radarr-<id>', () => {
    expect(created(correlate(grabbed(), indexOf()))).toBe('radarr-412');
  });

  it('Radarr second instance: radarr-<instance>-<id>', () => {
    expect(created(correlate(grabbed({ arr: { service: 'radarr', instance: '4k', id: 9 } }), indexOf()))).toBe('radarr-4k-9');
  });

  it('Sonarr: sonarr-<id> for the default instance, sonarr-<instance>-<id> otherwise', () => {
    expect(created(correlate(grabbed({ media: SHOW, episodes: [ep(1, 1)] }), indexOf()))).toBe('sonarr-40');
    const anime = { service: 'sonarr', instance: 'anime', id: 40 } as const;
    expect(created(correlate(grabbed({ media: SHOW, arr: anime, episodes: [ep(1, 1)] }), indexOf()))).toBe('sonarr-anime-40');
  });

  it('an instance already named sonarr-anime is not doubled: sonarr-anime-<id>', () => {
    const arr = { service: 'sonarr', instance: 'sonarr-anime', id: 40 } as const;
    expect(created(correlate(grabbed({ media: SHOW, arr, episodes: [ep(1, 1)] }), indexOf()))).toBe('sonarr-anime-40');
  });

  it('instance names are slugged for topics', () => {
    expect(slug('Sonarr Anime')).toBe('sonarr-anime');
    expect(slug('4K!!')).toBe('4k');
    const arr = { service: 'radarr', instance: 'Radarr 4K', id: 9 } as const;
    expect(created(correlate(grabbed({ arr }), indexOf()))).toBe('radarr-4k-9');
  });

  it('collisions get -2, -3 suffixes (e.g. the previous, finished grab of the same movie)', () => {
    const first = req('radarr-412', { state: 'DECLINED', arr: RADARR, downloads: download(H1) });
    expect(created(correlate(grabbed(), indexOf(first)))).toBe('radarr-412-2');
    const second = req('radarr-412-2', { state: 'DECLINED', arr: RADARR });
    expect(created(correlate(grabbed(), indexOf(first, second)))).toBe('radarr-412-3');
  });
});

describe('correlate: two TV requests for different seasons of one series', () => {
  function pair(newerSeason: 1 | 2) {
    const s1 = { requested_seasons: [1], jellyseerr_request_id: 1, arr: SONARR };
    const s2 = { requested_seasons: [2], jellyseerr_request_id: 2, arr: SONARR };
    const [first, second] = newerSeason === 2 ? [s1, s2] : [s2, s1];
    const a = req(`js-${first.jellyseerr_request_id}`, { media_type: 'tv', ...first });
    const b = req(`js-${second.jellyseerr_request_id}`, { media_type: 'tv', ...second });
    return indexOf(a, b);
  }

  it.each([1, 2] as const)('the grab goes to the request whose seasons cover its episodes (newest is season %s)', (newer) => {
    const index = pair(newer);
    const s2grab = grabbed({ media: SHOW, hash: H2, episodes: [ep(2, 1), ep(2, 2)] });
    expect(hit(correlate(s2grab, index)).ids).toEqual(['js-2']);
    const s1grab = grabbed({ media: SHOW, hash: H1, episodes: [ep(1, 1)] });
    expect(hit(correlate(s1grab, index)).ids).toEqual(['js-1']);
  });

  it('also when only the other request carries the *arr record (found by media id)', () => {
    const s1 = req('js-1', { media_type: 'tv', requested_seasons: [1], jellyseerr_request_id: 1, arr: SONARR });
    const s2 = req('js-2', { media_type: 'tv', requested_seasons: [2], jellyseerr_request_id: 2, arr: null });
    const target = correlate(grabbed({ media: SHOW, hash: H2, episodes: [ep(2, 1)] }), indexOf(s1, s2));
    expect(hit(target).ids).toEqual(['js-2']);
  });

  it('a season pack spanning both updates both', () => {
    const index = pair(1);
    const pack = grabbed({ media: SHOW, hash: H2, episodes: [ep(1, 1), ep(2, 1), ep(2, 2)] });
    expect(hit(correlate(pack, index)).ids.sort()).toEqual(['js-1', 'js-2']);
  });

  it('a known hash still wins over the seasons', () => {
    const index = indexOf(req('js-1', { media_type: 'tv', requested_seasons: [1], arr: SONARR, downloads: download(H1) }), req('js-2', { media_type: 'tv', requested_seasons: [2], arr: SONARR }));
    expect(hit(correlate(grabbed({ media: SHOW, hash: H1, episodes: [ep(2, 1)] }), index))).toEqual({ ids: ['js-1'], via: 'hash' });
  });
});

describe('RequestIndex', () => {
  it('re-indexes a request on put and forgets it on delete', () => {
    const index = new RequestIndex();
    const r = req('a', { downloads: download(H1), jellyseerr_request_id: 5, arr: RADARR });
    index.put(r);
    expect(index.byHash.get(H1)).toEqual(['a']);
    index.put({ ...r, downloads: download(H2), arr: null });
    expect(index.byHash.has(H1)).toBe(false);
    expect(index.byHash.get(H2)).toEqual(['a']);
    expect(index.byArr.size).toBe(0);
    index.delete('a');
    expect(index.size).toBe(0);
    expect(index.byHash.size + index.byJellyseerr.size + index.byArr.size + index.byMedia.size).toBe(0);
  });
});
