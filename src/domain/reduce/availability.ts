/**
 * The media (or some episodes) became playable. Unverified availability is only a hint when a
 * library verifier is configured; a playable upgrade finishes instead of a second `available`.
 */
import type { Draft } from '../draft.js';
import type { AvailableEvent } from '../events.js';
import { episodeKey } from '../model.js';
import { isTv, moveEpisodes, movePhase, moveRequest } from './steps.js';
import type { ReduceOptions } from './types.js';
import { finishUpgrade } from './upgrade.js';

export function onAvailable(d: Draft, ev: AvailableEvent, opts: ReduceOptions): string {
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
