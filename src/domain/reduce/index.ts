/**
 * The one reducer: (request, normalised event) → (new request, effects). Pure: no I/O,
 * no clock (time comes from the event), so replaying the journal rebuilds the state.
 * Each event family has its handler module; this is the dispatcher.
 */
import { Draft } from '../draft.js';
import type { TrackerEvent } from '../events.js';
import type { MediaRequest } from '../model.js';
import { onAnimeMatch } from './anime.js';
import { onAvailable } from './availability.js';
import { onRetry } from './commands.js';
import { onDeleted } from './deletion.js';
import { onDownloadFailed, onGrabbed, onImportBlocked, onImported, onProgress } from './download.js';
import { onIssue } from './issue.js';
import { onMediaAdded } from './media.js';
import { onRequest } from './request.js';
import { onRoster } from './roster.js';
import { clearStuck, setStuck } from './steps.js';
import type { ReduceOptions, Reduction } from './types.js';

export type { Effect } from '../draft.js';
export { createRequest } from './create.js';
export { hasUpgradeInFlight } from './download.js';
export type { LabelOf, ReduceOptions, Reduction } from './types.js';

/** Observations that legitimately repeat; they are idempotent by content, not by key. */
const UNKEYED = new Set<TrackerEvent['kind']>(['download_progress', 'stuck', 'issue']);

export function reduce(base: MediaRequest, event: TrackerEvent, opts: ReduceOptions): Reduction {
  if (!UNKEYED.has(event.kind) && base.applied.includes(event.key)) {
    return { request: base, effects: [], outcome: 'duplicate', note: 'already applied' };
  }
  const d = new Draft(base, event.at, event.source, opts.labelOf(event.source));
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
    case 'issue':
      note = onIssue(d, event);
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
