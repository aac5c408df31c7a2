/** Shoko's word on an anime file: detected, hashed, matched or not matched. */
import type { Draft } from '../draft.js';
import type { AnimeMatchEvent } from '../events.js';
import { pathKey } from '../index.js';
import { episodeKey } from '../model.js';
import { clearStuck, isTv, moveEpisodes, moveRequest, setStuck } from './steps.js';

export function onAnimeMatch(d: Draft, ev: AnimeMatchEvent): string {
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
