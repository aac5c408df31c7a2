/**
 * The reducer (src/domain/reduce/), one kind at a time, then its invariants and a seeded
 * property-style loop. Every reduction in this file goes through `step`, which deep-freezes
 * the input request and event and checks the invariants on the result.
 */
import { describe, expect, it } from 'vitest';
import { deriveTvState } from '../../../../src/domain/episodes.js';
import type {
  ArrRef,
  CommandEvent,
  DeletedEvent,
  DownloadFailedEvent,
  DownloadProgressEvent,
  EpisodeRef,
  GrabbedEvent,
  ImportBlockedEvent,
  ImportedEvent,
  ImportedFile,
  RosterEvent,
  MediaAddedEvent,
  MediaInfo,
  RequestEvent,
  Source,
  AvailableEvent,
  TrackerEvent,
} from '../../../../src/domain/events.js';
import { APPLIED_LIMIT, EPISODE_HISTORY_LIMIT, TIMELINE_LIMIT, type MediaRequest, type TimelineEntry } from '../../../../src/domain/model.js';
import { createRequest, reduce, type ReduceOptions, type Reduction } from '../../../helpers/reduce.js';
import { isPipeline, rank, type EpisodeState } from '../../../../src/domain/states.js';

// ---------------------------------------------------------------------------------------
// Builders

const VERIFY: ReduceOptions = { verifyAvailability: true };
const TRUST: ReduceOptions = { verifyAvailability: false };

let clock = 0;
/** Strictly increasing ISO times, one second apart. */
function tick(): string {
  clock += 1;
  return new Date(Date.UTC(2025, 0, 1, 12, 0, 0) + clock * 1000).toISOString();
}
let keys = 0;
const key = (kind: string): string => `${kind}#${++keys}`;

const DUNE: MediaInfo = { media_type: 'movie', title: 'Dune', year: 2021, tmdb_id: 438631, imdb_id: 'tt1160419' };
const RADARR: ArrRef = { service: 'radarr', instance: 'radarr', id: 412 };
const SHOW: MediaInfo = { media_type: 'tv', title: 'Frieren', year: 2023, tmdb_id: 209867, tvdb_id: 424536 };
const SONARR: ArrRef = { service: 'sonarr', instance: 'sonarr', id: 40 };
const H1 = '8f3a2c4e6b1d0f9a7c5e3b2d1f0a9c8e7d6b5a43';
const H2 = '1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e';

const ep = (season: number, episode: number): EpisodeRef => ({ season, episode });
const S1 = [ep(1, 1), ep(1, 2), ep(1, 3)];

function _sourceOf(media: MediaInfo): Source {
  return media.media_type === 'tv' ? 'sonarr' : 'radarr';
}
function arrOf(media: MediaInfo): ArrRef {
  return media.media_type === 'tv' ? SONARR : RADARR;
}

function requestEv(status: RequestEvent['status'], media: MediaInfo, over: Partial<RequestEvent> = {}): RequestEvent {
  return {
    kind: 'request',
    key: key('request'),
    source: 'jellyseerr',
    at: tick(),
    match: { scope: 'active', media_type: media.media_type, jellyseerr_request_id: 7 },
    jellyseerr_request_id: 7,
    status,
    notification_type: `MEDIA_${status.toUpperCase()}`,
    media,
    requested_by: 'alice',
    ...(media.media_type === 'tv' ? { requested_seasons: [1] } : {}),
    ...over,
  };
}

function mediaAdded(media: MediaInfo, arr = arrOf(media)): MediaAddedEvent {
  return { kind: 'media_added', key: key('added'), source: arr.service, at: tick(), match: { scope: 'any', arr }, arr, media };
}

function grabbed(media: MediaInfo, hash: string | null, episodes: EpisodeRef[] = [], release = 'Release.1080p'): GrabbedEvent {
  const arr = arrOf(media);
  return {
    kind: 'grabbed',
    key: key('grab'),
    source: arr.service,
    at: tick(),
    match: { scope: 'active', arr, ...(hash ? { hash } : {}) },
    arr,
    media,
    hash,
    release: { title: release, size: 4_000_000_000 },
    episodes,
  };
}

function progress(hash: string, value: number, complete = false): DownloadProgressEvent {
  return {
    kind: 'download_progress',
    key: key('progress'),
    source: 'qbittorrent',
    at: tick(),
    match: { scope: 'active', hash },
    hash,
    progress: value,
    speed_bps: complete ? 0 : 1_000_000,
    eta_s: complete ? 0 : 60,
    size: 4_000_000_000,
    complete,
  };
}

function imported(media: MediaInfo, hash: string | null, files: ImportedFile[], episodes?: EpisodeRef[]): ImportedEvent {
  const arr = arrOf(media);
  return {
    kind: 'imported',
    key: key('import'),
    source: arr.service,
    at: tick(),
    match: { scope: 'active', arr, ...(hash ? { hash } : {}) },
    arr,
    media,
    hash,
    files,
    episodes: episodes ?? files.flatMap((f) => f.episodes),
    is_upgrade: false,
  };
}

function blocked(media: MediaInfo, hash: string | null, message: string, episodes: EpisodeRef[] = []): ImportBlockedEvent {
  const arr = arrOf(media);
  return { kind: 'import_blocked', key: key('blocked'), source: arr.service, at: tick(), match: { scope: 'active', arr }, arr, hash, message, episodes };
}

function failed(hash: string | null, message: string, episodes: EpisodeRef[] = [], source: Source = 'qbittorrent'): DownloadFailedEvent {
  return { kind: 'download_failed', key: key('failed'), source, at: tick(), match: { scope: 'active', ...(hash ? { hash } : {}) }, hash, message, episodes };
}

function available(verified: boolean, episodes: EpisodeRef[] = [], reason = verified ? 'Playable in Jellyfin' : 'Jellyseerr says available'): AvailableEvent {
  return {
    kind: 'available',
    key: key('available'),
    source: verified ? 'jellyfin' : 'jellyseerr',
    at: tick(),
    match: { scope: 'active' },
    verified,
    episodes,
    jellyfin_id: verified ? 'jf-1' : null,
    reason,
  };
}

function deleted(media: MediaInfo, scope: DeletedEvent['scope'], episodes: EpisodeRef[] = []): DeletedEvent {
  const arr = arrOf(media);
  return { kind: 'deleted', key: key('deleted'), source: arr.service, at: tick(), match: { scope: 'any', arr }, scope, episodes, reason: `Deleted in ${arr.service}` };
}

/** Sonarr's episode list for the series: every listed episode monitored unless said otherwise. */
function roster(episodes: Array<EpisodeRef & { monitored?: boolean; has_file?: boolean }>, seasons?: number[], from: RosterEvent['from'] = 'sonarr'): RosterEvent {
  return {
    kind: 'roster',
    key: key('roster'),
    source: from === 'sonarr' ? 'sonarr' : 'jellyseerr',
    at: tick(),
    match: { scope: 'any', request_id: 'jellyseerr-7' },
    from,
    seasons: seasons ?? [...new Set(episodes.map((e) => e.season))],
    episodes: episodes.map((e) => ({ ...e, monitored: e.monitored ?? true, has_file: e.has_file ?? false })),
  };
}

function command(request_id: string, action: CommandEvent['action']): CommandEvent {
  return { kind: 'command', key: key('command'), source: 'user', at: tick(), match: { scope: 'any' }, request_id, action };
}

const file = (path: string, ...episodes: EpisodeRef[]): ImportedFile => ({ path, episodes });

// ---------------------------------------------------------------------------------------
// Invariants, checked on every reduction

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  }
  return value;
}

function checkInvariants(before: MediaRequest, event: TrackerEvent, res: Reduction, snapshot: string): void {
  // The input was deep-frozen: any mutation would have thrown; the JSON must still be the same.
  expect(JSON.stringify(before), 'input request changed').toBe(snapshot);
  if (res.outcome !== 'applied') {
    expect(res.request, `${res.outcome}: same object`).toBe(before);
    expect(res.effects, `${res.outcome}: no effects`).toEqual([]);
    return;
  }
  if (res.request === null) {
    expect(event.kind === 'command' && event.action === 'forget').toBe(true);
    expect(res.effects).toEqual([{ type: 'forget', request_id: before.id }]);
    return;
  }
  const after = res.request;
  expect(after).not.toBe(before);
  expect(after.id).toBe(before.id);
  expect(after.updated_at).toBe(event.at);
  for (const e of res.effects) if (e.type !== 'forget') expect(e.request_id).toBe(before.id);

  const old = new Set<TimelineEntry>(before.timeline);
  const added = after.timeline.filter((e) => !old.has(e));
  for (const entry of added) {
    expect(entry.at).toBe(event.at);
    expect(entry.source).toBe(event.source);
  }
  const stateEntries = added.filter((e) => e.to !== undefined || e.from !== undefined);
  const transitions = res.effects.filter((e) => e.type === 'transition');
  // One state change per event at most, each with exactly one timeline entry and one effect.
  expect(transitions.length, 'transitions per event').toBeLessThanOrEqual(1);
  expect(stateEntries.length, 'timeline entries with from/to').toBe(transitions.length);
  const t = transitions[0];
  if (t && t.type === 'transition') {
    expect(t.from).toBe(before.state);
    expect(t.to).toBe(after.state);
    expect(t.from).not.toBe(t.to);
    expect(t.source).toBe(event.source);
    const entry = stateEntries[0]!;
    expect(entry).toMatchObject({ from: before.state, to: after.state, source: event.source, at: event.at, reason: t.reason });
    expect(after.state_since).toBe(event.at);
  } else {
    expect(after.state, 'state changed without a transition').toBe(before.state);
    expect(after.state_since, 'state_since changed without a transition').toBe(before.state_since);
  }
  if (after.media_type === 'tv') expect(after.state, 'TV state = deriveTvState(episodes)').toBe(deriveTvState(after));
  expect(after.timeline.length).toBeLessThanOrEqual(TIMELINE_LIMIT);
  expect(after.applied.length).toBeLessThanOrEqual(APPLIED_LIMIT);
  if (event.kind !== 'download_progress') expect(after.applied.at(-1)).toBe(event.key);
  else expect(after.applied).toBe(before.applied);
}

/** Reduces with deep-frozen inputs and checks every invariant. */
function step(before: MediaRequest, event: TrackerEvent, opts: ReduceOptions = VERIFY): Reduction {
  deepFreeze(before);
  deepFreeze(event);
  const snapshot = JSON.stringify(before);
  const res = reduce(before, event, opts);
  checkInvariants(before, event, res, snapshot);
  return res;
}

/** Applies events in order; returns the final request (never forgotten). */
function run(req: MediaRequest, events: TrackerEvent[], opts: ReduceOptions = VERIFY): MediaRequest {
  let r = req;
  for (const e of events) {
    const res = step(r, e, opts);
    expect(res.request, `${e.kind} forgot the request`).not.toBeNull();
    r = res.request!;
  }
  return r;
}

function newMovie(): MediaRequest {
  return createRequest('jellyseerr-7', requestEv('pending', DUNE));
}
function newShow(requested_seasons = [1]): MediaRequest {
  return createRequest('jellyseerr-7', requestEv('pending', SHOW, { requested_seasons }));
}
/** A movie at GRABBING with download H1. */
function grabbingMovie(): MediaRequest {
  return run(newMovie(), [requestEv('auto_approved', DUNE), mediaAdded(DUNE), grabbed(DUNE, H1)]);
}
/** A show (season 1 requested) whose three S01 episodes are GRABBING on H1. */
function grabbingShow(seasons = [1]): MediaRequest {
  return run(newShow(seasons), [requestEv('auto_approved', SHOW, { requested_seasons: seasons }), mediaAdded(SHOW), grabbed(SHOW, H1, S1)]);
}
/** The same, with Sonarr's episode list read: season 1 has exactly those three episodes. */
function rosteredShow(): MediaRequest {
  return run(grabbingShow(), [roster(S1)]);
}
const states = (r: MediaRequest): Record<string, EpisodeState> => Object.fromEntries(Object.entries(r.episodes).map(([k, e]) => [k, e.state]));
const lastEntry = (r: MediaRequest): TimelineEntry => r.timeline[r.timeline.length - 1]!;
const text = (r: MediaRequest): string => r.timeline.map((e) => e.reason).join('\n');

// ---------------------------------------------------------------------------------------

describe('createRequest', () => {
  it('starts REQUESTED with one timeline entry and the event time', () => {
    const ev = requestEv('pending', DUNE);
    const r = createRequest('jellyseerr-7', ev);
    expect(r).toMatchObject({
      id: 'jellyseerr-7',
      origin: 'jellyseerr',
      media_type: 'movie',
      title: 'Dune',
      tmdb_id: 438631,
      jellyseerr_request_id: 7,
      requested_by: 'alice',
      state: 'REQUESTED',
      phase: 'REQUESTED',
      state_since: ev.at,
      created_at: ev.at,
      stuck: null,
      arr: null,
      downloads: {},
      episodes: {},
      applied: [],
    });
    expect(r.timeline).toHaveLength(1);
    expect(r.timeline[0]).toMatchObject({ at: ev.at, source: 'jellyseerr', to: 'REQUESTED' });
  });

  it('a grab nobody requested records its *arr record and origin', () => {
    const r = createRequest('radarr-412', grabbed(DUNE, H1));
    expect(r).toMatchObject({ origin: 'radarr', arr: RADARR, jellyseerr_request_id: null, requested_seasons: [] });
  });
});

describe('reduce: Jellyseerr request statuses', () => {
  it('pending on a new request: stays REQUESTED, no transition', () => {
    const ev = requestEv('pending', DUNE);
    const r = createRequest('jellyseerr-7', ev);
    const res = step(r, ev);
    expect(res.request!.state).toBe('REQUESTED');
    expect(res.effects).toEqual([]);
  });

  it('pending after approval is late: stays APPROVED', () => {
    const r = run(newMovie(), [requestEv('auto_approved', DUNE), requestEv('pending', DUNE)]);
    expect(r.state).toBe('APPROVED');
  });

  it.each([
    ['movie', DUNE],
    ['tv', SHOW],
  ] as const)('auto_approved → APPROVED with one REQUESTED→APPROVED transition (%s)', (_, media) => {
    const base = media.media_type === 'tv' ? newShow() : newMovie();
    const ev = requestEv('auto_approved', media);
    const res = step(base, ev);
    const r = res.request!;
    expect(r.state).toBe('APPROVED');
    expect(res.effects).toEqual([{ type: 'transition', request_id: 'jellyseerr-7', from: 'REQUESTED', to: 'APPROVED', reason: expect.any(String), source: 'jellyseerr', episodes: [] }]);
    expect(lastEntry(r)).toMatchObject({ from: 'REQUESTED', to: 'APPROVED', source: 'jellyseerr', at: ev.at });
    expect(r.state_since).toBe(ev.at);
  });

  it('approved → APPROVED', () => {
    expect(run(newMovie(), [requestEv('approved', DUNE)]).state).toBe('APPROVED');
  });

  it('declined → DECLINED (movie, and TV before any episode)', () => {
    expect(run(newMovie(), [requestEv('declined', DUNE)]).state).toBe('DECLINED');
    expect(run(newShow(), [requestEv('declined', SHOW)]).state).toBe('DECLINED');
  });

  it('declined → DECLINED for a TV request whose episodes are already known', () => {
    const r = run(grabbingShow(), [requestEv('declined', SHOW)]);
    expect(Object.values(states(r))).toEqual(['DECLINED', 'DECLINED', 'DECLINED']);
    expect(r.state).toBe('DECLINED');
  });

  it('a declined request is re-opened only by an explicit approval', () => {
    const declined = run(newMovie(), [requestEv('declined', DUNE)]);
    expect(run(declined, [requestEv('auto_approved', DUNE)]).state).toBe('DECLINED');
    expect(run(declined, [requestEv('approved', DUNE)]).state).toBe('APPROVED');
    const declinedShow = run(newShow(), [requestEv('declined', SHOW)]);
    expect(run(declinedShow, [requestEv('auto_approved', SHOW)]).state).toBe('DECLINED');
    expect(run(declinedShow, [requestEv('approved', SHOW)]).state).toBe('APPROVED');
  });

  it('failed → FAILED', () => {
    expect(run(newMovie(), [requestEv('failed', DUNE)]).state).toBe('FAILED');
    expect(run(newShow(), [requestEv('failed', SHOW)]).state).toBe('FAILED');
  });

  it('available without a verifier → AVAILABLE, naming the stages never observed', () => {
    const r = run(newMovie(), [requestEv('auto_approved', DUNE), requestEv('available', DUNE)], TRUST);
    expect(r.state).toBe('AVAILABLE');
    expect(lastEntry(r)).toMatchObject({ from: 'APPROVED', to: 'AVAILABLE' });
    expect(lastEntry(r).reason).toMatch(/not observed: Searching, Grabbed, Downloading, Downloaded, Importing/);
  });

  it('available with a verifier is only a timeline note', () => {
    const approved = run(newMovie(), [requestEv('auto_approved', DUNE)]);
    const res = step(approved, requestEv('available', DUNE), VERIFY);
    const r = res.request!;
    expect(r.state).toBe('APPROVED');
    expect(r.state_since).toBe(approved.state_since);
    expect(res.effects).toEqual([]);
    expect(r.timeline).toHaveLength(approved.timeline.length + 1);
    expect(lastEntry(r).to).toBeUndefined();
    expect(lastEntry(r).reason).toMatch(/Jellyfin/);
  });

  it('fills unknown media fields and never overwrites known ones', () => {
    const r = run(createRequest('jellyseerr-7', requestEv('pending', { media_type: 'movie', tmdb_id: 438631 })), [
      requestEv('approved', { ...DUNE, poster_url: 'https://image.tmdb.org/p.jpg' }),
      requestEv('approved', { ...DUNE, title: 'Other', year: 1999 }),
    ]);
    expect(r).toMatchObject({ title: 'Dune', year: 2021, poster_url: 'https://image.tmdb.org/p.jpg', imdb_id: 'tt1160419' });
  });
});

describe('reduce: media_added', () => {
  it('movie → SEARCHING and fills the *arr record', () => {
    const r = run(newMovie(), [requestEv('auto_approved', DUNE), mediaAdded(DUNE)]);
    expect(r.state).toBe('SEARCHING');
    expect(r.arr).toEqual(RADARR);
  });

  it('TV → SEARCHING (phase) and fills the *arr record', () => {
    const r = run(newShow(), [requestEv('auto_approved', SHOW), mediaAdded(SHOW)]);
    expect(r.state).toBe('SEARCHING');
    expect(r.phase).toBe('SEARCHING');
    expect(r.arr).toEqual(SONARR);
  });

  it('a known *arr record is kept', () => {
    const r = run(newMovie(), [mediaAdded(DUNE), mediaAdded(DUNE, { service: 'radarr', instance: '4k', id: 9 })]);
    expect(r.arr).toEqual(RADARR);
  });

  it('records the anime verdict once, with its source', () => {
    const added = { ...mediaAdded(SHOW), anime: { is_anime: true, source: 'sonarr series type "anime"' } };
    const later = { ...mediaAdded(SHOW), anime: { is_anime: false, source: 'radarr tag' } };
    const r = run(newShow(), [added, later]);
    expect(r.is_anime).toBe(true);
    expect(r.anime_source).toBe('sonarr series type "anime"');
  });
});

describe('reduce: grabbed', () => {
  it('movie → GRABBING and records the download under its lower-case hash', () => {
    const r = grabbingMovie();
    expect(r.state).toBe('GRABBING');
    expect(Object.keys(r.downloads)).toEqual([H1]);
    expect(r.downloads[H1]).toMatchObject({ hash: H1, progress: 0, complete: false, release: 'Release.1080p', size: 4_000_000_000 });
  });

  it('movie: a second release past the grab is a re-grab: back to GRABBING, the old download no longer moves it', () => {
    const r = run(grabbingMovie(), [progress(H1, 0.5), grabbed(DUNE, H2, [], 'Other.Release')]);
    expect(r.state).toBe('GRABBING');
    expect(Object.keys(r.downloads).sort()).toEqual([H2, H1].sort());
    expect(r.downloads[H1]).toMatchObject({ superseded: true });
    expect(text(r)).toMatch(/Re-grabbed by Radarr: Other\.Release/);
    const stale = step(r, progress(H1, 0.9));
    expect(stale.outcome).toBe('unchanged');
    expect(run(r, [progress(H2, 0.1)]).state).toBe('DOWNLOADING');
  });

  it('movie: a re-grab after a failure goes back to GRABBING', () => {
    const r = run(grabbingMovie(), [failed(H1, 'tracker error'), grabbed(DUNE, H2)]);
    expect(r.state).toBe('GRABBING');
    expect(lastEntry(r)).toMatchObject({ from: 'FAILED', to: 'GRABBING' });
  });

  it('TV: creates the episodes of requested seasons only, and notes the ignored ones', () => {
    const base = run(newShow([1]), [requestEv('auto_approved', SHOW), mediaAdded(SHOW)]);
    const res = step(base, grabbed(SHOW, H1, [ep(1, 1), ep(1, 2), ep(2, 1)], 'Frieren.S01-S02'));
    const r = res.request!;
    expect(states(r)).toEqual({ S01E01: 'GRABBING', S01E02: 'GRABBING' });
    expect(r.episodes.S01E01).toMatchObject({ season: 1, episode: 1, hash: H1, release: 'Frieren.S01-S02', progress: null });
    expect(r.episodes.S01E01!.history).toHaveLength(1);
    expect(r.state).toBe('GRABBING');
    expect(res.effects).toEqual([expect.objectContaining({ type: 'transition', from: 'SEARCHING', to: 'GRABBING' })]);
    expect(text(r)).toMatch(/S02E01 not part of this request/);
    expect(r.downloads[H1]).toBeDefined();
  });

  it('TV without requested seasons (created from Sonarr) tracks every episode', () => {
    const ev = grabbed(SHOW, H1, [ep(1, 1), ep(2, 1)]);
    const r = run(createRequest('sonarr-40', ev), [ev]);
    expect(states(r)).toEqual({ S01E01: 'GRABBING', S02E01: 'GRABBING' });
    expect(r.state).toBe('GRABBING');
  });
});

describe('reduce: download_progress', () => {
  it('movie: DOWNLOADING, then progress-only updates add no timeline entry, then DOWNLOADED', () => {
    const g = grabbingMovie();
    const first = step(g, progress(H1, 0.25));
    const r1 = first.request!;
    expect(r1.state).toBe('DOWNLOADING');
    expect(r1.downloads[H1]!.progress).toBe(0.25);
    expect(first.effects).toHaveLength(1);

    const second = step(r1, progress(H1, 0.5));
    const r2 = second.request!;
    expect(second.outcome).toBe('applied');
    expect(second.effects).toEqual([]);
    expect(r2.downloads[H1]!.progress).toBe(0.5);
    expect(r2.timeline).toBe(r1.timeline);
    expect(r2.state_since).toBe(r1.state_since);

    const same = step(r2, { ...progress(H1, 0.5), speed_bps: 1_000_000, eta_s: 60 });
    expect(same.outcome).toBe('unchanged');

    const done = step(r2, progress(H1, 1, true));
    expect(done.request!.state).toBe('DOWNLOADED');
    expect(done.request!.downloads[H1]).toMatchObject({ progress: 1, complete: true });
    expect(done.effects).toEqual([expect.objectContaining({ type: 'transition', from: 'DOWNLOADING', to: 'DOWNLOADED' })]);
  });

  it('movie: progress after the import only updates the download, no late note', () => {
    const r = run(grabbingMovie(), [imported(DUNE, H1, [file('/movies/Dune (2021)/Dune.mkv')])]);
    const res = step(r, progress(H1, 0.9));
    expect(res.request!.state).toBe('IMPORTING');
    expect(res.request!.timeline).toBe(r.timeline);
  });

  it('an unknown hash changes nothing', () => {
    const g = grabbingMovie();
    const res = step(g, progress(H2, 0.5));
    expect(res.outcome).toBe('unchanged');
  });

  it('TV: every episode of the download moves and carries the progress, without timeline spam', () => {
    const g = run(grabbingShow(), [grabbed(SHOW, H2, [ep(1, 3)])]); // S01E03 now on H2
    const r1 = run(g, [progress(H1, 0.3)]);
    expect(states(r1)).toEqual({ S01E01: 'DOWNLOADING', S01E02: 'DOWNLOADING', S01E03: 'GRABBING' });
    expect(r1.episodes.S01E01!.progress).toBe(0.3);
    expect(r1.state).toBe('DOWNLOADING');

    const res = step(r1, progress(H1, 0.6));
    const r2 = res.request!;
    expect(res.effects).toEqual([]);
    expect(r2.timeline).toBe(r1.timeline);
    expect(r2.episodes.S01E01!.progress).toBe(0.6);
    expect(r2.episodes.S01E02!.progress).toBe(0.6);
    expect(r2.episodes.S01E03!.progress).toBeNull();

    const r3 = run(r2, [progress(H1, 1, true)]);
    expect(states(r3)).toMatchObject({ S01E01: 'DOWNLOADED', S01E02: 'DOWNLOADED' });
    expect(r3.episodes.S01E01!.progress).toBe(1);
    expect(r3.state).toBe('DOWNLOADED');
  });
});

describe('reduce: imported', () => {
  it('movie → IMPORTING, noting the skipped stages, with the file path and a completed download', () => {
    const res = step(grabbingMovie(), imported(DUNE, H1, [file('/movies/Dune (2021)/Dune.2021.mkv')]));
    const r = res.request!;
    expect(r.state).toBe('IMPORTING');
    expect(r.file_path).toBe('/movies/Dune (2021)/Dune.2021.mkv');
    expect(lastEntry(r)).toMatchObject({ from: 'GRABBING', to: 'IMPORTING' });
    expect(lastEntry(r).reason).toMatch(/\(not observed: Downloading, Downloaded\)/);
    expect(r.downloads[H1]).toMatchObject({ complete: true, progress: 1 });
  });

  it('an import whose grab was never seen still records the download as complete', () => {
    const r = run(newMovie(), [imported(DUNE, H2, [file('/movies/Dune.mkv')])]);
    expect(r.state).toBe('IMPORTING');
    expect(r.downloads[H2]).toMatchObject({ hash: H2, complete: true, progress: 1 });
  });

  it('TV: only episodes with a file move, each with its own path', () => {
    const g = grabbingShow();
    const r = run(g, [imported(SHOW, H1, [file('/tv/Frieren/S01E01.mkv', ep(1, 1))], [ep(1, 1), ep(1, 2)])]);
    expect(states(r)).toEqual({ S01E01: 'IMPORTING', S01E02: 'GRABBING', S01E03: 'GRABBING' });
    expect(r.episodes.S01E01!.file_path).toBe('/tv/Frieren/S01E01.mkv');
    expect(r.episodes.S01E02!.file_path).toBeNull();
    expect(r.state).toBe('IMPORTING');

    const r2 = run(r, [imported(SHOW, H1, [file('/tv/Frieren/S01E02.mkv', ep(1, 2))])]);
    expect(r2.episodes.S01E01!.file_path).toBe('/tv/Frieren/S01E01.mkv');
    expect(r2.episodes.S01E02!.file_path).toBe('/tv/Frieren/S01E02.mkv');
  });

  it('TV: a double-episode file covers both episodes', () => {
    const r = run(grabbingShow(), [imported(SHOW, H1, [file('/tv/Frieren/S01E02-E03.mkv', ep(1, 2), ep(1, 3))], [ep(1, 2), ep(1, 3)])]);
    expect(states(r)).toEqual({ S01E01: 'GRABBING', S01E02: 'IMPORTING', S01E03: 'IMPORTING' });
    expect(r.episodes.S01E02!.file_path).toBe('/tv/Frieren/S01E02-E03.mkv');
    expect(r.episodes.S01E03!.file_path).toBe('/tv/Frieren/S01E02-E03.mkv');
  });

  it('TV: episodes of seasons that were not requested are not tracked', () => {
    const r = run(grabbingShow(), [imported(SHOW, H1, [file('/tv/a.mkv', ep(1, 1)), file('/tv/b.mkv', ep(2, 1))])]);
    expect(Object.keys(r.episodes).sort()).toEqual(['S01E01', 'S01E02', 'S01E03']);
    expect(text(r)).toMatch(/S02E01 not part of this request/);
  });
});

describe('reduce: import_blocked', () => {
  const MSG = 'No files found are eligible for import';

  it('movie: DOWNLOADED and stuck; a later transition clears stuck', () => {
    const ev = blocked(DUNE, H1, MSG);
    const r = run(grabbingMovie(), [ev]);
    expect(r.state).toBe('DOWNLOADED');
    expect(r.stuck).toEqual({ since: ev.at, reason: MSG, source: 'radarr' });
    expect(text(r)).toContain(MSG);

    const again = step(r, blocked(DUNE, H1, MSG));
    expect(again.request!.stuck).toEqual(r.stuck);

    const fixed = run(r, [imported(DUNE, H1, [file('/movies/Dune.mkv')])]);
    expect(fixed.state).toBe('IMPORTING');
    expect(fixed.stuck).toBeNull();
  });

  it("TV: the download's episodes become DOWNLOADED and the request stuck, until progress", () => {
    const ev = blocked(SHOW, H1, MSG);
    const r = run(grabbingShow(), [ev]);
    expect(states(r)).toEqual({ S01E01: 'DOWNLOADED', S01E02: 'DOWNLOADED', S01E03: 'DOWNLOADED' });
    expect(r.state).toBe('DOWNLOADED');
    expect(r.stuck).toEqual({ since: ev.at, reason: MSG, source: 'sonarr' });

    const fixed = run(r, [imported(SHOW, H1, [file('/tv/S01E01.mkv', ep(1, 1))])]);
    expect(fixed.state).toBe('IMPORTING');
    expect(fixed.stuck).toBeNull();
  });
});

describe('reduce: download_failed', () => {
  it('movie → FAILED', () => {
    const r = run(grabbingMovie(), [progress(H1, 0.4), failed(H1, 'stalled')]);
    expect(r.state).toBe('FAILED');
    expect(lastEntry(r).reason).toMatch(/stalled/);
  });

  it('TV: FAILED per episode; the request fails only when every episode did', () => {
    const g = run(grabbingShow(), [grabbed(SHOW, H2, [ep(1, 3)])]);
    const r1 = run(g, [failed(H1, 'stalled')]);
    expect(states(r1)).toEqual({ S01E01: 'FAILED', S01E02: 'FAILED', S01E03: 'GRABBING' });
    expect(r1.state).toBe('GRABBING');
    const r2 = run(r1, [failed(null, 'rejected', [ep(1, 3)], 'sonarr')]);
    expect(states(r2)).toEqual({ S01E01: 'FAILED', S01E02: 'FAILED', S01E03: 'FAILED' });
    expect(r2.state).toBe('FAILED');
  });

  it('TV: an available episode is not failed by a late failure of its download', () => {
    const r = run(grabbingShow(), [available(true, [ep(1, 1)]), failed(H1, 'removed')]);
    expect(states(r)).toEqual({ S01E01: 'AVAILABLE', S01E02: 'FAILED', S01E03: 'FAILED' });
    expect(r.state).toBe('PARTIALLY_AVAILABLE');
  });
});

describe('reduce: available', () => {
  it('movie: verified → AVAILABLE with the Jellyfin id', () => {
    const r = run(grabbingMovie(), [imported(DUNE, H1, [file('/movies/Dune.mkv')]), available(true)]);
    expect(r.state).toBe('AVAILABLE');
    expect(r.jellyfin_id).toBe('jf-1');
  });

  it('a non-anime movie is never said to have skipped "Matching in Shoko"', () => {
    const notAnime = { ...mediaAdded(DUNE), anime: { is_anime: false, source: 'radarr tags' } };
    const r = run(newMovie(), [requestEv('auto_approved', DUNE), notAnime, grabbed(DUNE, H1), imported(DUNE, H1, [file('/movies/Dune.mkv')]), available(true)]);
    expect(r.is_anime).toBe(false);
    expect(lastEntry(r)).toMatchObject({ from: 'IMPORTING', to: 'AVAILABLE' });
    expect(text(r)).not.toMatch(/Shoko/);
  });

  it('movie: an unverified hint with a verifier is only a note', () => {
    const g = grabbingMovie();
    const res = step(g, available(false));
    expect(res.request!.state).toBe('GRABBING');
    expect(res.effects).toEqual([]);
  });

  it('TV: per episode → PARTIALLY_AVAILABLE, then AVAILABLE when all are', () => {
    const imp = run(rosteredShow(), [
      imported(
        SHOW,
        H1,
        S1.map((e) => file(`/tv/S01E0${e.episode}.mkv`, e)),
      ),
    ]);
    const first = step(imp, available(true, [ep(1, 1)]));
    expect(first.request!.state).toBe('PARTIALLY_AVAILABLE');
    expect(first.effects).toEqual([expect.objectContaining({ type: 'transition', to: 'PARTIALLY_AVAILABLE', episodes: ['S01E01'] })]);

    const second = step(first.request!, available(true, [ep(1, 2)]));
    expect(second.request!.state).toBe('PARTIALLY_AVAILABLE');
    expect(second.effects).toEqual([{ type: 'episodes_available', request_id: 'jellyseerr-7', episodes: ['S01E02'], source: 'jellyfin' }]);

    const third = step(second.request!, available(true, [ep(1, 3)]));
    expect(third.request!.state).toBe('AVAILABLE');
    expect(states(third.request!)).toEqual({ S01E01: 'AVAILABLE', S01E02: 'AVAILABLE', S01E03: 'AVAILABLE' });
  });

  it('TV: a requested season with no known episode keeps the request from AVAILABLE', () => {
    const g = grabbingShow([1, 2]);
    const r = run(g, [available(true, S1)]);
    expect(states(r)).toEqual({ S01E01: 'AVAILABLE', S01E02: 'AVAILABLE', S01E03: 'AVAILABLE' });
    expect(r.state).toBe('PARTIALLY_AVAILABLE');
  });

  it('TV: … unless the whole request was declared available (Jellyfin, no episode list)', () => {
    const r = run(grabbingShow([1, 2]), [available(true, S1), available(true, [])]);
    expect(r.state).toBe('AVAILABLE');
  });

  it('TV: … unless the whole request was declared available (Jellyseerr, no verifier)', () => {
    const r = run(grabbingShow([1, 2]), [available(true, S1), requestEv('available', SHOW, { requested_seasons: [1, 2] })], TRUST);
    expect(r.state).toBe('AVAILABLE');
  });

  it('TV: the whole-request hint with a verifier is only a note', () => {
    const r = run(grabbingShow([1, 2]), [available(true, S1), requestEv('available', SHOW, { requested_seasons: [1, 2] })], VERIFY);
    expect(r.state).toBe('PARTIALLY_AVAILABLE');
  });
});

describe('reduce: deleted', () => {
  function availableShow(): MediaRequest {
    const r = run(rosteredShow(), [available(true, S1)]);
    expect(r.state).toBe('AVAILABLE');
    return r;
  }

  it('scope files: those episodes DELETED, the request PARTIALLY_AVAILABLE', () => {
    const res = step(availableShow(), deleted(SHOW, 'files', [ep(1, 2)]));
    const r = res.request!;
    expect(states(r)).toEqual({ S01E01: 'AVAILABLE', S01E02: 'DELETED', S01E03: 'AVAILABLE' });
    expect(r.state).toBe('PARTIALLY_AVAILABLE');
    expect(res.effects).toEqual([expect.objectContaining({ type: 'transition', from: 'AVAILABLE', to: 'PARTIALLY_AVAILABLE' })]);
  });

  it('scope media: TV AVAILABLE → DELETED, every episode DELETED', () => {
    const r = run(availableShow(), [deleted(SHOW, 'media')]);
    expect(r.state).toBe('DELETED');
    expect(Object.values(states(r))).toEqual(['DELETED', 'DELETED', 'DELETED']);
  });

  it('scope media: movie AVAILABLE → DELETED', () => {
    const avail = run(grabbingMovie(), [available(true)]);
    const res = step(avail, deleted(DUNE, 'media'));
    expect(res.request!.state).toBe('DELETED');
    expect(res.effects).toEqual([expect.objectContaining({ type: 'transition', from: 'AVAILABLE', to: 'DELETED' })]);
  });

  it('DELETED stays DELETED on late pipeline evidence', () => {
    const gone = run(grabbingMovie(), [available(true), deleted(DUNE, 'media')]);
    expect(run(gone, [progress(H1, 1, true), available(true)]).state).toBe('DELETED');
  });
});

describe('reduce: commands', () => {
  it('retry: movie FAILED → SEARCHING', () => {
    const f = run(grabbingMovie(), [failed(H1, 'stalled')]);
    const res = step(f, command(f.id, 'retry'));
    expect(res.request!.state).toBe('SEARCHING');
    expect(res.effects).toEqual([expect.objectContaining({ type: 'transition', from: 'FAILED', to: 'SEARCHING', source: 'user' })]);
  });

  it('retry, then the same failure reported again (Jellyseerr resends MEDIA_FAILED, a client the same error): FAILED again, not a duplicate', () => {
    const jsFailed = { ...requestEv('failed', DUNE), key: 'jellyseerr:7:MEDIA_FAILED' };
    const f = run(grabbingMovie(), [jsFailed]);
    expect(f.state).toBe('FAILED');
    const retried = run(f, [command(f.id, 'retry')]);
    expect(retried.state).toBe('SEARCHING');
    const again = step(retried, { ...jsFailed, at: tick() });
    expect(again.outcome).toBe('applied');
    expect(again.request!.state).toBe('FAILED');
    // A client's failure, keyed by its text, likewise.
    const clientFailed = { ...failed(H1, 'Transmission: No space left on device'), key: `transmission:main:${H1}:failed:0.250:Transmission: No space left on device` };
    const g = run(grabbingMovie(), [clientFailed, command(f.id, 'retry')]);
    expect(step(g, { ...clientFailed, at: tick() }).request!.state).toBe('FAILED');
    // Without a retry, the same report stays a duplicate.
    expect(step(f, { ...jsFailed, at: tick() }).outcome).toBe('duplicate');
  });

  it('retry: TV failed episodes → SEARCHING, the others untouched', () => {
    const g = run(grabbingShow(), [grabbed(SHOW, H2, [ep(1, 3)]), progress(H2, 0.5), failed(H1, 'stalled')]);
    const r = run(g, [command(g.id, 'retry')]);
    expect(states(r)).toEqual({ S01E01: 'SEARCHING', S01E02: 'SEARCHING', S01E03: 'DOWNLOADING' });
    expect(r.state).toBe('DOWNLOADING');

    const allFailed = run(grabbingShow(), [failed(H1, 'stalled')]);
    expect(allFailed.state).toBe('FAILED');
    expect(run(allFailed, [command(allFailed.id, 'retry')]).state).toBe('SEARCHING');
  });

  it('retry: TV failed before any episode → SEARCHING', () => {
    const f = run(newShow(), [requestEv('failed', SHOW)]);
    const r = run(f, [command(f.id, 'retry')]);
    expect(r.state).toBe('SEARCHING');
    expect(r.phase).toBe('SEARCHING');
  });

  it('retry on an AVAILABLE request is ignored with a note', () => {
    const avail = run(grabbingMovie(), [available(true)]);
    const res = step(avail, command(avail.id, 'retry'));
    expect(res.request!.state).toBe('AVAILABLE');
    expect(res.effects).toEqual([]);
    expect(lastEntry(res.request!).reason).toMatch(/Retry ignored/);
  });

  it('forget: the request is dropped with a forget effect', () => {
    const g = grabbingMovie();
    const res = step(g, command(g.id, 'forget'));
    expect(res).toMatchObject({ request: null, outcome: 'applied', effects: [{ type: 'forget', request_id: g.id }] });
  });
});

// ---------------------------------------------------------------------------------------

describe('reduce: invariants', () => {
  it('applying the same event twice: the second is a duplicate and returns the identical object', () => {
    const events: Array<(r: MediaRequest) => TrackerEvent> = [
      () => requestEv('auto_approved', SHOW),
      () => mediaAdded(SHOW),
      () => grabbed(SHOW, H1, S1),
      () => blocked(SHOW, H1, 'blocked'),
      () => imported(SHOW, H1, [file('/tv/1.mkv', ep(1, 1))]),
      () => available(true, [ep(1, 1)]),
      () => failed(H1, 'stalled', [ep(1, 2)]),
      (r) => command(r.id, 'retry'),
      () => deleted(SHOW, 'files', [ep(1, 1)]),
      () => deleted(SHOW, 'media'),
    ];
    let r = newShow();
    for (const make of events) {
      const ev = make(r);
      const first = step(r, ev);
      expect(first.outcome, ev.kind).toBe('applied');
      const second = step(first.request!, ev);
      expect(second.outcome, ev.kind).toBe('duplicate');
      expect(second.request).toBe(first.request);
      expect(second.effects).toEqual([]);
      r = first.request!;
    }
  });

  it('a replayed progress sample is harmless (progress is not keyed, but unchanged)', () => {
    const ev = progress(H1, 0.5);
    const r = run(grabbingMovie(), [ev]);
    expect(step(r, ev).outcome).toBe('unchanged');
  });

  it('never mutates the input request (deep-frozen across a whole movie and TV life cycle)', () => {
    // `step` deep-freezes every input; these runs would throw on any in-place write.
    const movie = run(newMovie(), [
      requestEv('auto_approved', DUNE),
      mediaAdded(DUNE),
      grabbed(DUNE, H1),
      progress(H1, 0.3),
      progress(H1, 1, true),
      blocked(DUNE, H1, 'blocked'),
      imported(DUNE, H1, [file('/movies/Dune.mkv')]),
      available(true),
      deleted(DUNE, 'files'),
    ]);
    expect(Object.isFrozen(movie)).toBe(false);
    const show = run(newShow([1, 2]), [
      requestEv('auto_approved', SHOW, { requested_seasons: [1, 2] }),
      mediaAdded(SHOW),
      grabbed(SHOW, H1, [...S1, ep(2, 1), ep(3, 1)]),
      progress(H1, 0.3),
      failed(null, 'x', [ep(2, 1)]),
      grabbed(SHOW, H2, [ep(2, 1)]),
      progress(H2, 1, true),
      imported(SHOW, H1, [file('/tv/a.mkv', ep(1, 1), ep(1, 2)), file('/tv/b.mkv', ep(1, 3))]),
      available(true, [ep(1, 1)]),
      deleted(SHOW, 'files', [ep(1, 1)]),
      imported(SHOW, null, [file('/tv/a2.mkv', ep(1, 1))]),
      available(false, []),
      deleted(SHOW, 'media'),
    ]);
    expect(show.state).toBe('DELETED');
  });

  it('TIMELINE_LIMIT and APPLIED_LIMIT bound the timeline and the applied keys, keeping the newest', () => {
    let r = grabbingMovie();
    const n = Math.max(TIMELINE_LIMIT, APPLIED_LIMIT) + 50;
    let last: TrackerEvent | null = null;
    for (let i = 0; i < n; i++) {
      last = blocked(DUNE, H1, `blocked #${i}`);
      r = step(r, last).request!;
    }
    expect(r.timeline).toHaveLength(TIMELINE_LIMIT);
    expect(r.applied).toHaveLength(APPLIED_LIMIT);
    expect(lastEntry(r).reason).toBe(`blocked #${n - 1}`);
    expect(r.applied.at(-1)).toBe(last!.key);
    expect(text(r)).not.toMatch(/blocked #0\b/);
  });
});

// ---------------------------------------------------------------------------------------
// Property-style: 500 seeded random sequences against a TV request

/** mulberry32: small, seedable, good enough for test generation. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reduce: random TV sequences (seeded)', () => {
  const POOL = [ep(1, 1), ep(1, 2), ep(1, 3), ep(2, 1), ep(2, 2), ep(3, 1)];
  const HASHES = [H1, H2, 'c'.repeat(40)];
  const SEQUENCES = 500;
  /** Override to explore: DOMAIN_PROPERTY_SEED=123 npx vitest run --project unit test/unit/domain.reducer */
  const SEED = Number(process.env.DOMAIN_PROPERTY_SEED ?? 0x5eed1234);

  function generator(rand: () => number, seasons: number[]) {
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const subset = (min = 1): EpisodeRef[] => {
      const out = POOL.filter(() => rand() < 0.4);
      return out.length >= min ? out : [pick(POOL)];
    };
    return (id: string): TrackerEvent => {
      const roll = rand();
      if (roll < 0.08) return requestEv(pick(['pending', 'approved', 'auto_approved', 'declined', 'failed', 'available'] as const), SHOW, { requested_seasons: seasons });
      if (roll < 0.13) return mediaAdded(SHOW);
      if (roll < 0.3) return grabbed(SHOW, pick(HASHES), subset());
      if (roll < 0.45) {
        const done = rand() < 0.3;
        return progress(pick(HASHES), done ? 1 : Math.round(rand() * 100) / 100, done);
      }
      if (roll < 0.6) {
        const eps = subset();
        const files: ImportedFile[] = [];
        for (let i = 0; i < eps.length; ) {
          const size = rand() < 0.25 ? 2 : 1; // sometimes a double-episode file
          files.push(file(`/tv/f${i}.mkv`, ...eps.slice(i, i + size)));
          i += size;
        }
        const unmapped = rand() < 0.15;
        return imported(SHOW, rand() < 0.8 ? pick(HASHES) : null, unmapped ? [file('/tv/x.mkv')] : files, rand() < 0.3 ? [...eps, pick(POOL)] : eps);
      }
      if (roll < 0.66) return blocked(SHOW, pick(HASHES), `blocked ${Math.floor(rand() * 3)}`, rand() < 0.5 ? [] : subset());
      if (roll < 0.74) return failed(rand() < 0.8 ? pick(HASHES) : null, 'failed', rand() < 0.5 ? [] : subset());
      if (roll < 0.86) return available(rand() < 0.7, rand() < 0.2 ? [] : subset());
      if (roll < 0.93) return deleted(SHOW, rand() < 0.15 ? 'media' : 'files', subset());
      return command(id, 'retry');
    };
  }

  const ALLOWED_DELETED_EXIT = new Set(['grabbed', 'imported']);

  function checkEpisodes(before: MediaRequest, after: MediaRequest, event: TrackerEvent): void {
    for (const [k, prev] of Object.entries(before.episodes)) {
      const next = after.episodes[k];
      expect(next, `${k} disappeared`).toBeDefined();
      const from = prev.state;
      const to = next!.state;
      if (from === to) continue;
      const what = `${k}: ${from} → ${to} on ${event.kind}`;
      // Backwards only for a re-grab (a new download replaces the one followed) or a release that lacked the episode.
      const regrab = event.kind === 'grabbed' && to === 'GRABBING' && next!.hash === event.hash && prev.hash !== event.hash;
      const lacking = event.kind === 'import_blocked' && to === 'SEARCHING';
      if (isPipeline(from) && isPipeline(to) && !regrab && !lacking) expect(rank(to), `backwards ${what}`).toBeGreaterThan(rank(from));
      if (from === 'DELETED') expect(ALLOWED_DELETED_EXIT.has(event.kind), `left DELETED: ${what}`).toBe(true);
      if (from === 'DELETED' && event.kind === 'grabbed') expect(to, what).toBe('GRABBING');
      // Only Jellyseerr's explicit re-approval reopens a declined request (to APPROVED, nothing further).
      const reapproval = event.kind === 'request' && event.status === 'approved' && to === 'APPROVED';
      if (from === 'DECLINED' && isPipeline(to) && !reapproval) expect.fail(`left DECLINED without an explicit event: ${what}`);
      if ((from === 'FAILED' || from === 'DECLINED') && to === 'APPROVED') expect(reapproval, what).toBe(true);
      if (from === 'FAILED' && to === 'SEARCHING') expect(event.kind, what).toBe('command');
      if (isPipeline(to) && to !== 'SEARCHING' && event.kind === 'command') expect.fail(`retry moved to a pipeline stage other than SEARCHING: ${what}`);
      expect(next!.history.at(-1), `history of ${what}`).toMatchObject({ state: to, at: event.at, source: event.source });
    }
    for (const k of Object.keys(after.episodes)) {
      const e = after.episodes[k]!;
      expect(e.history.length, `${k} history`).toBeLessThanOrEqual(EPISODE_HISTORY_LIMIT);
      expect(after.requested_seasons.length === 0 || after.requested_seasons.includes(e.season), `${k} outside the requested seasons`).toBe(true);
    }
  }

  it('the episode check itself rejects a backwards move and an unexplained exit from DELETED', () => {
    const g = grabbingShow();
    const ahead = run(g, [progress(H1, 0.5)]);
    expect(() => checkEpisodes(ahead, g, progress(H1, 0.1))).toThrow(/backwards/);
    const gone = run(g, [deleted(SHOW, 'media')]);
    expect(() => checkEpisodes(gone, g, available(true))).toThrow(/left DELETED/);
  });

  it(`${SEQUENCES} sequences: no episode moves backwards, TV state always derived, all invariants hold`, () => {
    const rand = prng(SEED);
    let reductions = 0;
    let transitions = 0;
    const seen = new Set<string>();
    for (let s = 0; s < SEQUENCES; s++) {
      const seasons = rand() < 0.2 ? [1] : [1, 2];
      const opts = rand() < 0.5 ? VERIFY : TRUST;
      const next = generator(rand, seasons);
      let r: MediaRequest = newShow(seasons);
      const history: TrackerEvent[] = [];
      const length = 1 + Math.floor(rand() * 40);
      for (let i = 0; i < length; i++) {
        // 10 %: re-deliver an earlier event (webhook retries, poller overlap).
        const ev = history.length && rand() < 0.1 ? history[Math.floor(rand() * history.length)]! : next(r.id);
        history.push(ev);
        try {
          const res = step(r, ev, opts);
          if (history.indexOf(ev) !== history.length - 1 && r.applied.includes(ev.key)) expect(res.outcome).toBe('duplicate');
          expect(res.request).not.toBeNull();
          checkEpisodes(r, res.request!, ev);
          transitions += res.effects.filter((e) => e.type === 'transition').length;
          r = res.request!;
          seen.add(r.state);
          reductions++;
        } catch (err) {
          const trail = history.map((e) => `${e.kind}:${JSON.stringify(e)}`).join('\n');
          throw new Error(`seed ${SEED} sequence ${s} (seasons ${seasons}, verify ${opts.verifyAvailability}) step ${i}: ${(err as Error).message}\n${trail}`);
        }
      }
    }
    // The generator really exercises the reducer.
    expect(reductions).toBeGreaterThan(5000);
    expect(transitions).toBeGreaterThan(1000);
    for (const st of ['GRABBING', 'DOWNLOADING', 'DOWNLOADED', 'IMPORTING', 'PARTIALLY_AVAILABLE', 'AVAILABLE', 'FAILED', 'DELETED']) {
      expect(seen, st).toContain(st);
    }
  });
});
