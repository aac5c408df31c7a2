/**
 * The one reducer: (request, normalised event) → (new request, effects). Pure: no I/O,
 * no clock (time comes from the event), so replaying the journal rebuilds the state.
 */
import { describeSkipped, judge } from './advance.js';
import { Draft, type Effect } from './draft.js';
import { deriveTvState, describeEpisodes, isRequested, keysOf, moveEpisode, newEpisode } from './episodes.js';
import type {
  AnimeVerdict,
  ArrRef,
  DeletedEvent,
  DownloadFailedEvent,
  DownloadProgressEvent,
  EpisodeRef,
  GrabbedEvent,
  ImportBlockedEvent,
  ImportedEvent,
  MediaInfo,
  RequestEvent,
  TrackerEvent,
  AvailableEvent,
  MediaAddedEvent,
  CommandEvent,
  AnimeMatchEvent,
} from './events.js';
import { pathKey } from './index.js';
import { episodeKey, type MediaRequest } from './model.js';
import { STATE_LABELS, type EpisodeState, type State } from './states.js';

export type { Effect } from './draft.js';

export interface ReduceOptions {
  /** When a library verifier (Jellyfin) is configured, unverified availability is only a hint. */
  verifyAvailability: boolean;
}

export interface Reduction {
  /** The new request; null when it was forgotten. */
  request: MediaRequest | null;
  effects: Effect[];
  outcome: 'applied' | 'duplicate' | 'unchanged';
  note: string;
}

const SERVICE_LABEL: Record<string, string> = {
  jellyseerr: 'Jellyseerr',
  sonarr: 'Sonarr',
  radarr: 'Radarr',
  qbittorrent: 'qBittorrent',
  jellyfin: 'Jellyfin',
  shoko: 'Shoko',
  reconcile: 'Reconciliation',
  user: 'User',
  system: 'Media Tracker',
};

/** A blank request for an event that creates one (Jellyseerr request, or an *arr grab nobody requested). */
/** Observations that legitimately repeat; they are idempotent by content, not by key. */
const UNKEYED = new Set<TrackerEvent['kind']>(['download_progress', 'stuck']);

export function createRequest(id: string, event: RequestEvent | GrabbedEvent): MediaRequest {
  const media = event.media;
  const origin = event.kind === 'request' ? 'jellyseerr' : event.arr.service;
  return {
    id,
    origin,
    media_type: media.media_type,
    title: media.title ?? 'Unknown title',
    year: media.year ?? null,
    tmdb_id: media.tmdb_id ?? null,
    tvdb_id: media.tvdb_id ?? null,
    imdb_id: media.imdb_id ?? null,
    poster_url: media.poster_url ?? null,
    is_anime: false,
    anime_source: null,
    requested_by: event.kind === 'request' ? (event.requested_by ?? null) : null,
    requested_seasons: event.kind === 'request' ? (event.requested_seasons ?? []) : [],
    jellyseerr_request_id: event.kind === 'request' ? event.jellyseerr_request_id : null,
    merged_request_ids: [],
    arr: event.kind === 'grabbed' ? event.arr : null,
    state: 'REQUESTED',
    phase: 'REQUESTED',
    state_since: event.at,
    stuck: null,
    downloads: {},
    file_path: null,
    jellyfin_id: null,
    episodes: {},
    timeline: [
      {
        at: event.at,
        source: event.source,
        to: 'REQUESTED',
        reason:
          event.kind === 'request'
            ? `Requested in Jellyseerr (request #${event.jellyseerr_request_id})${event.requested_by ? ` by ${event.requested_by}` : ''}`
            : `Grabbed in ${SERVICE_LABEL[event.arr.service]} without a Jellyseerr request`,
      },
    ],
    applied: [],
    created_at: event.at,
    updated_at: event.at,
  };
}

export function reduce(base: MediaRequest, event: TrackerEvent, opts: ReduceOptions): Reduction {
  if (!UNKEYED.has(event.kind) && base.applied.includes(event.key)) {
    return { request: base, effects: [], outcome: 'duplicate', note: 'already applied' };
  }
  const d = new Draft(base, event.at, event.source);
  let note = '';
  switch (event.kind) {
    case 'request':
      note = onRequest(d, event, opts);
      break;
    case 'media_added':
      note = onMediaAdded(d, event);
      break;
    case 'grabbed':
      note = onGrabbed(d, event);
      break;
    case 'download_progress':
      note = onProgress(d, event);
      break;
    case 'imported':
      note = onImported(d, event);
      break;
    case 'import_blocked':
      note = onImportBlocked(d, event);
      break;
    case 'download_failed':
      note = onDownloadFailed(d, event);
      break;
    case 'available':
      note = onAvailable(d, event, opts);
      break;
    case 'deleted':
      note = onDeleted(d, event);
      break;
    case 'anime_match':
      note = onAnimeMatch(d, event);
      break;
    case 'stuck':
      note = event.reason ? setStuck(d, event.reason) : clearStuck(d);
      break;
    case 'command':
      if (event.action === 'forget') {
        return { request: null, effects: [{ type: 'forget', request_id: base.id }], outcome: 'applied', note: 'forgotten' };
      }
      note = onRetry(d, event);
      break;
  }
  if (!d.changed) return { request: base, effects: [], outcome: 'unchanged', note };
  if (!UNKEYED.has(event.kind)) d.markApplied(event.key);
  return { request: d.finish(), effects: d.effects, outcome: 'applied', note };
}

// ---------------------------------------------------------------------------------------
// Shared steps

function fillMedia(d: Draft, media: MediaInfo): void {
  const r = d.r;
  if ((r.title === 'Unknown title' || !r.title) && media.title) d.set('title', media.title);
  if (r.year == null && media.year) d.set('year', media.year);
  if (r.tmdb_id == null && media.tmdb_id) d.set('tmdb_id', media.tmdb_id);
  if (r.tvdb_id == null && media.tvdb_id) d.set('tvdb_id', media.tvdb_id);
  if (r.imdb_id == null && media.imdb_id) d.set('imdb_id', media.imdb_id);
  if (r.poster_url == null && media.poster_url) d.set('poster_url', media.poster_url);
}

/** Anime is decided once, by the first source that says, and the source is kept. */
function fillAnime(d: Draft, verdict: AnimeVerdict | undefined): void {
  if (!verdict || d.r.anime_source !== null) return;
  d.set('is_anime', verdict.is_anime);
  d.set('anime_source', verdict.source);
}

function fillArr(d: Draft, arr: ArrRef): void {
  if (d.r.arr === null) d.set('arr', arr);
}

function label(d: Draft): string {
  return SERVICE_LABEL[d.source] ?? d.source;
}

/** Movie (or TV before any episode is known): apply the shared rule to the request itself. */
function moveRequest(d: Draft, to: State, reason: string, explicit = false): boolean {
  const verdict = judge(d.r.state, to, explicit);
  if (!verdict.move) {
    if (verdict.late) d.note(`${reason} — ignored, already ${STATE_LABELS[d.r.state]}`);
    return false;
  }
  d.transition(to, reason + describeSkipped(verdict.skipped, d.r.is_anime));
  return true;
}

/** TV before episodes are known keeps its state in `phase`. */
function movePhase(d: Draft, to: State, reason: string, explicit = false): void {
  if (Object.keys(d.r.episodes).length > 0) {
    if (to === 'FAILED' || to === 'DECLINED') {
      moveEpisodes(d, liveEpisodeRefs(d.r), to, reason, explicit);
    } else if (to === 'AVAILABLE') {
      if (!explicit) d.set('phase', 'AVAILABLE');
      moveEpisodes(d, Object.values(d.r.episodes), 'AVAILABLE', reason, explicit);
    } else if (explicit) {
      // Re-approval of a declined/failed request whose episodes are known reopens them.
      const closed = Object.values(d.r.episodes).filter((e) => e.state === 'DECLINED' || e.state === 'FAILED');
      if (closed.length) moveEpisodes(d, closed, to as EpisodeState, reason, true);
      else d.note(reason);
    } else {
      d.note(reason);
    }
    return;
  }
  const verdict = judge(d.r.phase, to, explicit);
  if (!verdict.move) {
    if (verdict.late) d.note(`${reason} — ignored, already ${STATE_LABELS[d.r.state]}`);
    return;
  }
  d.set('phase', to);
  refreshTv(d, reason + describeSkipped(verdict.skipped, d.r.is_anime));
}

function liveEpisodeRefs(r: MediaRequest): EpisodeRef[] {
  return Object.values(r.episodes).filter((e) => e.state !== 'AVAILABLE' && e.state !== 'DELETED');
}

/** Moves the given episodes and re-derives the request state; one timeline entry per call. */
function moveEpisodes(
  d: Draft,
  refs: readonly EpisodeRef[],
  to: EpisodeState,
  reason: string,
  explicit = false,
  update?: (ep: MediaRequest['episodes'][string]) => Partial<MediaRequest['episodes'][string]>,
): string[] {
  const moved: string[] = [];
  const becameAvailable: string[] = [];
  for (const ref of refs) {
    const key = episodeKey(ref.season, ref.episode);
    // Episodes outside the requested seasons are not tracked, but one already tracked (an
    // adopted Sonarr grab) can still be deleted, or a deleted request would keep a live episode.
    if (!isRequested(d.r, ref) && !(to === 'DELETED' && d.r.episodes[key])) continue;
    const existing = d.r.episodes[key] ?? newEpisode(ref, to);
    let ep = moveEpisode(existing, to, d.at, d.source, explicit);
    if (!d.r.episodes[key] && ep.history.length === 0) ep = { ...ep, history: [{ at: d.at, state: to, source: d.source }] };
    const extra = update?.(ep);
    if (extra && Object.entries(extra).some(([k, v]) => ep[k as keyof typeof ep] !== v)) ep = { ...ep, ...extra };
    if (ref.title && !ep.title) ep = { ...ep, title: ref.title };
    if (ref.sonarr_episode_id && !ep.sonarr_episode_id) ep = { ...ep, sonarr_episode_id: ref.sonarr_episode_id };
    if (ep.state !== existing.state || !d.r.episodes[key]) {
      moved.push(key);
      if (ep.state === 'AVAILABLE') becameAvailable.push(key);
    }
    // Unchanged episodes keep their object, so a repeated observation changes nothing.
    if (ep !== existing || !d.r.episodes[key]) d.setEpisode(key, ep);
  }
  const before = d.r.state;
  refreshTv(d, `${reason}${moved.length ? `: ${describeEpisodes(moved)}` : ''}`, moved);
  if (before === d.r.state && moved.length) {
    d.note(`${reason}: ${describeEpisodes(moved)}`, { episodes: moved });
    if (becameAvailable.length) {
      d.effects.push({ type: 'episodes_available', request_id: d.r.id, episodes: becameAvailable, source: d.source });
    }
  }
  return moved;
}

function refreshTv(d: Draft, reason: string, episodes: string[] = []): void {
  const next = deriveTvState(d.r);
  if (next !== d.r.state) d.transition(next, reason, episodes);
}

function isTv(d: Draft): boolean {
  return d.r.media_type === 'tv';
}

function outsideRequest(d: Draft, refs: readonly EpisodeRef[]): EpisodeRef[] {
  return refs.filter((ref) => !isRequested(d.r, ref));
}

function noteIgnoredEpisodes(d: Draft, refs: readonly EpisodeRef[]): void {
  const extra = outsideRequest(d, refs);
  if (extra.length) {
    d.note(`${describeEpisodes(keysOf(extra))} not part of this request (seasons ${d.r.requested_seasons.join(', ')}); not tracked`);
  }
}

// ---------------------------------------------------------------------------------------
// Per-kind handlers

function onRequest(d: Draft, ev: RequestEvent, opts: ReduceOptions): string {
  fillMedia(d, ev.media);
  const r = d.r;
  if (r.jellyseerr_request_id === null && ev.jellyseerr_request_id !== null) {
    d.set('jellyseerr_request_id', ev.jellyseerr_request_id);
    d.note(`Linked to Jellyseerr request #${ev.jellyseerr_request_id}`);
  }
  if (!r.requested_by && ev.requested_by) d.set('requested_by', ev.requested_by);
  const seasons = ev.requested_seasons ?? [];
  const tv = isTv(d);
  if (seasons.length && seasons.join(',') !== r.requested_seasons.join(',')) {
    d.set('requested_seasons', seasons);
    d.note(`Requested seasons: ${seasons.join(', ')}`);
    // Other seasons change what "every requested episode" means: derive the state again.
    if (tv) refreshTv(d, `Requested seasons changed to ${seasons.join(', ')}`);
  }
  const move = (to: State, reason: string, explicit = false): void => {
    if (tv) movePhase(d, to, reason, explicit);
    else moveRequest(d, to, reason, explicit);
  };
  switch (ev.status) {
    case 'pending':
      move('REQUESTED', 'Waiting for approval in Jellyseerr');
      break;
    case 'approved':
      move('APPROVED', 'Approved in Jellyseerr', r.state === 'DECLINED' || r.state === 'FAILED');
      break;
    case 'auto_approved':
      move('APPROVED', 'Automatically approved in Jellyseerr');
      break;
    case 'declined':
      move('DECLINED', 'Declined in Jellyseerr');
      break;
    case 'failed':
      move('FAILED', 'Jellyseerr could not send the request to Radarr/Sonarr');
      break;
    case 'available':
      if (opts.verifyAvailability) d.note('Jellyseerr reports it available; waiting for Jellyfin to confirm');
      else move('AVAILABLE', 'Jellyseerr reports it available');
      break;
  }
  return ev.status;
}

function onMediaAdded(d: Draft, ev: MediaAddedEvent): string {
  fillMedia(d, ev.media);
  fillArr(d, ev.arr);
  fillAnime(d, ev.anime);
  const reason = `Added to ${label(d)}; searching for a release`;
  if (isTv(d)) movePhase(d, 'SEARCHING', reason);
  else moveRequest(d, 'SEARCHING', reason);
  return 'added';
}

function onGrabbed(d: Draft, ev: GrabbedEvent): string {
  fillMedia(d, ev.media);
  fillArr(d, ev.arr);
  fillAnime(d, ev.anime);
  const release = ev.release.title ?? 'unknown release';
  const newHash = ev.hash !== null && !d.r.downloads[ev.hash];
  if (ev.hash && newHash) {
    d.set('downloads', {
      ...d.r.downloads,
      [ev.hash]: { hash: ev.hash, progress: 0, speed_bps: null, eta_s: null, size: ev.release.size ?? null, complete: false, release },
    });
  }
  const reason = `Grabbed by ${label(d)}: ${release}`;
  if (!isTv(d)) {
    const regrab = d.r.state === 'FAILED';
    const verdict = judge(d.r.state, 'GRABBING', regrab);
    if (verdict.move) moveRequest(d, 'GRABBING', regrab ? `Re-grabbed after failure: ${release}` : reason, regrab);
    // A second release for a request already past the grab keeps the stage; it is recorded.
    else if (newHash) d.note(`Another release grabbed by ${label(d)}: ${release}`);
    else if (verdict.late) d.note(`${reason} — ignored, already ${STATE_LABELS[d.r.state]}`);
    return 'grabbed';
  }
  noteIgnoredEpisodes(d, ev.episodes);
  const failedOrDeleted = (ref: EpisodeRef): boolean => {
    const state = d.r.episodes[episodeKey(ref.season, ref.episode)]?.state;
    return state === 'FAILED' || state === 'DELETED';
  };
  const regrabs = ev.episodes.filter(failedOrDeleted);
  const fresh = ev.episodes.filter((ref) => !failedOrDeleted(ref));
  const attach = () => ({ hash: ev.hash, release });
  if (regrabs.length) moveEpisodes(d, regrabs, 'GRABBING', `Re-grabbed by ${label(d)}: ${release}`, true, attach);
  if (fresh.length) moveEpisodes(d, fresh, 'GRABBING', reason, false, attach);
  return 'grabbed';
}

function onProgress(d: Draft, ev: DownloadProgressEvent): string {
  const dl = d.r.downloads[ev.hash];
  if (!dl) return 'unknown download';
  if (ev.removed) {
    if (!dl.removed && !dl.complete) d.set('downloads', { ...d.r.downloads, [ev.hash]: { ...dl, removed: true, speed_bps: null, eta_s: null } });
    return 'removed';
  }
  const next = {
    ...dl,
    progress: ev.progress,
    speed_bps: ev.speed_bps,
    eta_s: ev.eta_s,
    size: ev.size ?? dl.size,
    complete: ev.complete || dl.complete,
    client_state: ev.client_state ?? dl.client_state ?? null,
    seeds: ev.seeds ?? dl.seeds ?? null,
    progress_at: ev.progress !== dl.progress || !dl.progress_at ? d.at : dl.progress_at,
    removed: false,
  };
  if (JSON.stringify(next) !== JSON.stringify(dl)) d.set('downloads', { ...d.r.downloads, [ev.hash]: next });
  const to: EpisodeState = ev.complete ? 'DOWNLOADED' : 'DOWNLOADING';
  const reason = ev.complete ? `Download complete in ${label(d)}` : `Downloading in ${label(d)}`;
  if (!isTv(d)) {
    if (judge(d.r.state, to).move) moveRequest(d, to, reason);
    return 'progress';
  }
  const refs = Object.values(d.r.episodes).filter((e) => e.hash === ev.hash);
  const toMove = refs.filter((e) => judge(e.state, to).move);
  if (toMove.length) moveEpisodes(d, toMove, to, reason);
  for (const ep of refs) {
    const key = episodeKey(ep.season, ep.episode);
    const cur = d.r.episodes[key]!;
    if (cur.state === 'DOWNLOADING' && cur.progress !== ev.progress) d.setEpisode(key, { ...cur, progress: ev.progress });
  }
  return 'progress';
}

function onImported(d: Draft, ev: ImportedEvent): string {
  fillMedia(d, ev.media);
  fillArr(d, ev.arr);
  fillAnime(d, ev.anime);
  if (ev.hash) {
    // An import proves the download finished, even when its grab was never seen.
    const known = d.r.downloads[ev.hash];
    if (!known || !known.complete) {
      const base = known ?? { hash: ev.hash, speed_bps: null, size: null, release: null };
      d.set('downloads', { ...d.r.downloads, [ev.hash]: { ...base, complete: true, progress: 1, eta_s: 0 } });
    }
  }
  const first = ev.files[0];
  const fileName = first ? first.path.split(/[\\/]/).pop() : undefined;
  const how = ev.key.startsWith('reconcile:') ? ` (file found in ${label(d)}; no import event was received)` : ev.hash ? '' : ' (manual import)';
  const reason = `Imported by ${label(d)}${how}${fileName && !isTv(d) ? `: ${fileName}` : ''}`;
  if (!isTv(d)) {
    if (first && d.r.file_path !== first.path) d.set('file_path', first.path);
    moveRequest(d, 'IMPORTING', reason, d.r.state === 'DELETED');
    return 'imported';
  }
  // Only episodes that have a file move; an import whose files could not be mapped moves all it lists.
  const byFile = new Map<string, string>();
  for (const file of ev.files) for (const ref of file.episodes) byFile.set(episodeKey(ref.season, ref.episode), file.path);
  const refs = byFile.size ? ev.episodes.filter((e) => byFile.has(episodeKey(e.season, e.episode))) : ev.episodes;
  const known = new Set(keysOf(refs));
  for (const file of ev.files) for (const ref of file.episodes) if (!known.has(episodeKey(ref.season, ref.episode))) refs.push(ref);
  noteIgnoredEpisodes(d, refs);
  const deleted = refs.filter((ref) => d.r.episodes[episodeKey(ref.season, ref.episode)]?.state === 'DELETED');
  const rest = refs.filter((ref) => !deleted.includes(ref));
  const withFile = (ep: MediaRequest['episodes'][string]) => ({
    file_path: byFile.get(episodeKey(ep.season, ep.episode)) ?? ep.file_path,
    hash: ep.hash ?? ev.hash,
  });
  if (deleted.length) moveEpisodes(d, deleted, 'IMPORTING', reason, true, withFile);
  if (rest.length) moveEpisodes(d, rest, 'IMPORTING', reason, false, withFile);
  return 'imported';
}

function onImportBlocked(d: Draft, ev: ImportBlockedEvent): string {
  if (isTv(d)) {
    const refs = ev.episodes.length ? ev.episodes : Object.values(d.r.episodes).filter((e) => ev.hash && e.hash === ev.hash);
    moveEpisodes(d, refs, 'DOWNLOADED', `Download complete in ${label(d)}`);
  } else {
    moveRequest(d, 'DOWNLOADED', `Download complete in ${label(d)}`);
  }
  setStuck(d, ev.message);
  return 'blocked';
}

function onDownloadFailed(d: Draft, ev: DownloadFailedEvent): string {
  const reason = `Download failed: ${ev.message}`;
  if (!isTv(d)) {
    moveRequest(d, 'FAILED', reason);
    return 'failed';
  }
  const refs = ev.episodes.length ? ev.episodes : Object.values(d.r.episodes).filter((e) => ev.hash && e.hash === ev.hash);
  const open = refs.filter((ref) => {
    const state = d.r.episodes[episodeKey(ref.season, ref.episode)]?.state;
    return state !== 'AVAILABLE' && state !== 'DELETED';
  });
  moveEpisodes(d, open, 'FAILED', reason);
  return 'failed';
}

function onAvailable(d: Draft, ev: AvailableEvent, opts: ReduceOptions): string {
  if (!ev.verified && opts.verifyAvailability) {
    d.note(`${ev.reason}; waiting for Jellyfin to confirm`);
    return 'hint';
  }
  if (ev.jellyfin_id && d.r.jellyfin_id !== ev.jellyfin_id && !isTv(d)) d.set('jellyfin_id', ev.jellyfin_id);
  if (!isTv(d)) {
    moveRequest(d, 'AVAILABLE', ev.reason);
    return 'available';
  }
  if (ev.episodes.length === 0) movePhase(d, 'AVAILABLE', ev.reason);
  else {
    const ids = new Map(ev.episodes.map((e) => [episodeKey(e.season, e.episode), e.jellyfin_id ?? null]));
    moveEpisodes(d, ev.episodes, 'AVAILABLE', ev.reason, false, (ep) => {
      const id = ids.get(episodeKey(ep.season, ep.episode));
      return id ? { jellyfin_id: id } : {};
    });
  }
  return 'available';
}

function onDeleted(d: Draft, ev: DeletedEvent): string {
  if (!isTv(d) || ev.scope === 'media') {
    if (isTv(d) && Object.keys(d.r.episodes).length) {
      moveEpisodes(d, Object.values(d.r.episodes), 'DELETED', ev.reason, true);
    }
    if (d.r.state !== 'DELETED') {
      if (isTv(d)) d.set('phase', 'DELETED');
      d.transition('DELETED', ev.reason);
    }
    return 'deleted';
  }
  // Only episodes this request tracks: a deleted file elsewhere in the series is not ours.
  const byItem = ev.match.jellyfin_id;
  const tracked = ev.episodes.filter((ref) => {
    const ep = d.r.episodes[episodeKey(ref.season, ref.episode)];
    // A Jellyfin delete names its item: only the episodes that item holds (Shokofin numbering may differ).
    return ep && (!byItem || !ep.jellyfin_id || ep.jellyfin_id === byItem);
  });
  if (tracked.length) moveEpisodes(d, tracked, 'DELETED', ev.reason, true);
  return 'deleted';
}

function onRetry(d: Draft, ev: CommandEvent): string {
  const reason = 'Retry requested: tracking reset to searching';
  if (d.r.state === 'AVAILABLE' || d.r.state === 'DELETED') {
    d.note(`Retry ignored: request is ${STATE_LABELS[d.r.state]}`);
    return 'ignored';
  }
  if (isTv(d) && Object.keys(d.r.episodes).length) {
    const failed = Object.values(d.r.episodes).filter((e) => e.state === 'FAILED');
    if (failed.length) moveEpisodes(d, failed, 'SEARCHING', reason, true);
    else d.note('Retry requested: no failed episodes');
  } else if (isTv(d)) {
    d.set('phase', 'SEARCHING');
    d.transition('SEARCHING', reason);
  } else {
    moveRequest(d, 'SEARCHING', reason, true);
  }
  void ev;
  return 'retry';
}

/** Sets the stuck flag; a new reason from the same or another source replaces the old one. */
function setStuck(d: Draft, reason: string): string {
  if (d.r.stuck?.reason === reason) return 'stuck (unchanged)';
  d.set('stuck', { since: d.r.stuck?.since ?? d.at, reason, source: d.source });
  d.note(reason);
  return 'stuck';
}

/** Only the source that raised a flag clears it (qBittorrent recovering does not hide a Sonarr block). */
function clearStuck(d: Draft): string {
  if (!d.r.stuck || d.r.stuck.source !== d.source) return 'not stuck';
  const was = d.r.stuck.reason;
  d.set('stuck', null);
  d.note(`Resolved: ${was}`);
  return 'unstuck';
}

function onAnimeMatch(d: Draft, ev: AnimeMatchEvent): string {
  if (d.r.anime_source === null) {
    d.set('is_anime', true);
    d.set('anime_source', 'shoko saw the file');
  }
  const path = ev.match.file_path;
  const reason = ev.reason;
  const fileId = ev.shoko_file_id;
  if (!isTv(d)) {
    if (fileId !== null && d.r.shoko_file_id !== fileId) d.set('shoko_file_id', fileId);
    moveRequest(d, 'ANIME_MATCHING', reason);
  } else {
    const refs = ev.episodes.length
      ? ev.episodes
      : Object.values(d.r.episodes).filter((e) => path !== undefined && e.file_path !== null && samePath(e.file_path, path));
    if (refs.length) moveEpisodes(d, refs, 'ANIME_MATCHING', reason, false, () => (fileId !== null ? { shoko_file_id: fileId } : {}));
  }
  // Already matching: still record what Shoko found (the AniDB link after a bare detection).
  if (!d.changed && ev.result === 'matched' && !d.r.timeline.some((t) => t.reason.startsWith(reason))) d.note(reason);
  if (ev.result === 'not_matched') setStuck(d, reason);
  else if (d.r.stuck?.source === 'shoko') clearStuck(d);
  return ev.result;
}

function samePath(a: string, b: string): boolean {
  return pathKey(a) === pathKey(b);
}
