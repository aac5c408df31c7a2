/** The user's commands: a retry resets tracking to searching (forget is the dispatcher's). */
import type { Draft } from '../draft.js';
import type { CommandEvent } from '../events.js';
import { STATE_LABELS } from '../states.js';
import { isTv, moveEpisodes, moveRequest } from './steps.js';

export function onRetry(d: Draft, ev: CommandEvent): string {
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
  // A failure reported before the retry may be reported again after it (Jellyseerr sends the same
  // MEDIA_FAILED, a client the same error): its key must not count as already applied.
  d.r.applied = d.r.applied.filter((k) => !FAILURE_KEY.test(k));
  void ev;
  return 'retry';
}

/** Keys of failure reports: Jellyseerr's MEDIA_FAILED, a download client's or the *arr queue's failed download. */
const FAILURE_KEY = /:MEDIA_FAILED$|:failed(:|$)/;
