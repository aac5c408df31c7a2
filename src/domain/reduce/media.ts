/** The *arr added the media: it starts searching for a release. */
import type { Draft } from '../draft.js';
import type { MediaAddedEvent } from '../events.js';
import { fillAnime, fillArr, fillMedia, isTv, movePhase, moveRequest } from './steps.js';

export function onMediaAdded(d: Draft, ev: MediaAddedEvent): string {
  fillMedia(d, ev.media);
  fillArr(d, ev.arr);
  fillAnime(d, ev.anime);
  const reason = `Added to ${d.sourceLabel}; searching for a release`;
  if (isTv(d)) movePhase(d, 'SEARCHING', reason);
  else moveRequest(d, 'SEARCHING', reason);
  return 'added';
}
