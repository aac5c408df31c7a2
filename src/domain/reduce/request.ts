/** A Jellyseerr request's status: pending, approved, declined, failed, available. */
import type { Draft } from '../draft.js';
import type { RequestEvent } from '../events.js';
import { isFinished, type State } from '../states.js';
import { fillMedia, isTv, movePhase, moveRequest, refreshTv } from './steps.js';
import type { ReduceOptions } from './types.js';

export function onRequest(d: Draft, ev: RequestEvent, opts: ReduceOptions): string {
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
