/**
 * The one reducer: (request, normalised event) → (new request, effects). Pure: no I/O,
 * no clock (time comes from the event), so replaying the journal rebuilds the state.
 */
import { Draft, type Effect } from './draft.js';
import { onDownloadFailed, onGrabbed, onImportBlocked, onImported, onProgress } from './download.js';
import type {
  AnimeMatchEvent,
  AvailableEvent,
  CommandEvent,
  DeletedEvent,
  GrabbedEvent,
  ImportedEvent,
  MediaAddedEvent,
  RequestEvent,
  TrackerEvent,
} from './events.js';
import { pathKey } from './index.js';
import { episodeKey, type Episode, type MediaRequest } from './model.js';
import { onRoster } from './roster.js';
import { isFinished, STATE_LABELS, type State } from './states.js';
import {
  clearStuck,
  fillAnime,
  fillArr,
  fillMedia,
  isTv,
  label,
  moveEpisodes,
  movePhase,
  moveRequest,
  refreshTv,
  SERVICE_LABEL,
  setStuck,
} from './steps.js';
import { dropUpgrades, finishUpgrade } from './upgrade.js';

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

/** A blank request for an event that creates one (Jellyseerr request, or an *arr grab nobody requested). */
/** Observations that legitimately repeat; they are idempotent by content, not by key. */
const UNKEYED = new Set<TrackerEvent['kind']>(['download_progress', 'stuck']);

export function createRequest(id: string, event: RequestEvent | GrabbedEvent | ImportedEvent): MediaRequest {
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
    is_4k: (event.kind === 'request' ? event.is_4k : undefined) ?? event.match.is_4k ?? false,
    roster: null,
    upgrade: null,
    available_at: null,
    jellyseerr_request_id: event.kind === 'request' ? event.jellyseerr_request_id : null,
    merged_request_ids: [],
    arr: event.kind === 'request' ? null : event.arr,
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
            : `${event.kind === 'grabbed' ? 'Grabbed' : 'Imported'} in ${SERVICE_LABEL[event.arr.service]} without a Jellyseerr request`,
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
    case 'roster':
      note = onRoster(d, event);
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
      note = onImported(d, event, opts.verifyAvailability);
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
// Per-kind handlers

function onRequest(d: Draft, ev: RequestEvent, opts: ReduceOptions): string {
  fillMedia(d, ev.media);
  const r = d.r;
  const was = r.state;
  // The back-fill imports requests made earlier: their stage is history, not news. One that
  // Jellyseerr already calls available stays unannounced until Jellyfin confirms it.
  const imported = ev.since !== undefined && r.applied.length === 0 && r.created_at === d.at;
  if (imported) d.quiet = true;
  if (imported && ev.status === 'available' && !r.available_at) d.set('history_since', ev.since);
  else if (!ev.since && r.history_since) d.set('history_since', null);
  if (r.jellyseerr_request_id === null && ev.jellyseerr_request_id !== null) {
    d.set('jellyseerr_request_id', ev.jellyseerr_request_id);
    d.note(`Linked to Jellyseerr request #${ev.jellyseerr_request_id}`);
  }
  if (!r.requested_by && ev.requested_by) d.set('requested_by', ev.requested_by);
  if (ev.is_4k !== undefined && ev.is_4k !== (r.is_4k ?? false)) d.set('is_4k', ev.is_4k);
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
      if (!opts.verifyAvailability) move('AVAILABLE', 'Jellyseerr reports it available');
      else if (tv && !r.roster && r.phase !== 'AVAILABLE' && r.requested_seasons.every((n) => Object.values(r.episodes).some((e) => e.season === n))) {
        // No episode list could be read: Jellyseerr's word is the only one that the whole request
        // is there; Jellyfin still confirms each episode.
        d.set('phase', 'AVAILABLE');
        d.note('Jellyseerr reports the whole request available; waiting for Jellyfin to confirm the episodes');
        refreshTv(d, 'Jellyseerr reports the whole request available');
      } else d.note('Jellyseerr reports it available; waiting for Jellyfin to confirm');
      break;
  }
  // Imported history: a request that finished long ago keeps that date (HA retention counts from it).
  if (ev.since && d.r.state !== was && isFinished(d.r.state) && ev.since < d.r.state_since) d.set('state_since', ev.since);
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

function onAvailable(d: Draft, ev: AvailableEvent, opts: ReduceOptions): string {
  if (!ev.verified && opts.verifyAvailability) {
    d.note(`${ev.reason}; waiting for Jellyfin to confirm`);
    return 'hint';
  }
  if (ev.jellyfin_id && d.r.jellyfin_id !== ev.jellyfin_id && !isTv(d)) d.set('jellyfin_id', ev.jellyfin_id);
  const how = ev.source === 'jellyfin' ? ' in Jellyfin' : '';
  if (!isTv(d)) {
    if (d.r.upgrade?.state === 'IMPORTING' && d.r.state === 'AVAILABLE') {
      finishUpgrade(d, null, how);
      return 'upgraded';
    }
    moveRequest(d, 'AVAILABLE', ev.reason);
    return 'available';
  }
  const named = ev.episodes.length ? new Set(ev.episodes.map((e) => episodeKey(e.season, e.episode))) : null;
  const upgraded = Object.values(d.r.episodes).filter((e) => e.upgrade?.state === 'IMPORTING' && e.state === 'AVAILABLE' && (!named || named.has(episodeKey(e.season, e.episode))));
  if (upgraded.length) finishUpgrade(d, upgraded, how);
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
  // Jellyfin drops the old item when an upgrade's file has another name, before it adds the new one.
  if (!isTv(d) && d.r.upgrade && (ev.scope === 'files' || ev.source === 'jellyfin')) {
    d.note(`Old file removed for the upgrade (${ev.reason})`);
    return 'upgrade replaced the file';
  }
  if (!isTv(d) || ev.scope === 'media') {
    if (isTv(d) && Object.keys(d.r.episodes).length) {
      moveEpisodes(d, Object.values(d.r.episodes), 'DELETED', ev.reason, true);
    }
    if (d.r.state !== 'DELETED') {
      if (isTv(d)) d.set('phase', 'DELETED');
      d.transition('DELETED', ev.reason);
    }
    dropUpgrades(d);
    return 'deleted';
  }
  // Only episodes this request tracks: a deleted file elsewhere in the series is not ours.
  const byItem = ev.match.jellyfin_id;
  const tracked = ev.episodes
    .map((ref) => d.r.episodes[episodeKey(ref.season, ref.episode)])
    // A Jellyfin delete names its item: only the episodes that item holds (Shokofin numbering may differ).
    .filter((ep): ep is Episode => ep !== undefined && (!byItem || !ep.jellyfin_id || ep.jellyfin_id === byItem));
  const replaced = tracked.filter((ep) => ep.upgrade);
  if (replaced.length) d.note(`Old file removed for the upgrade: ${replaced.map((e) => episodeKey(e.season, e.episode)).join(', ')}`);
  const gone = tracked.filter((ep) => !ep.upgrade);
  if (gone.length) moveEpisodes(d, gone, 'DELETED', ev.reason, true);
  dropUpgrades(d);
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
    if (d.r.state !== 'AVAILABLE') moveRequest(d, 'ANIME_MATCHING', reason);
  } else {
    // Shoko only speaks of files the request already follows: it never adds episodes.
    const refs = ev.episodes.length
      ? ev.episodes.filter((ref) => d.r.episodes[episodeKey(ref.season, ref.episode)])
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
