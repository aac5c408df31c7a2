/**
 * A 4K instance reconciles 4K requests only, a standard one standard requests only (an
 * instance whose kind is unknown takes both), and every event it sends says which kind it is,
 * so a grab nobody requested creates a request of the right kind.
 */
import type { UnstampedEvent } from '../../domain/events.js';
import type { MediaRequest } from '../../domain/model.js';

export function sameKind(r: MediaRequest, is4k: boolean | undefined): boolean {
  return is4k === undefined || (r.is_4k ?? false) === is4k;
}

export function stampKind(events: UnstampedEvent[], is4k: boolean | undefined): UnstampedEvent[] {
  if (is4k === undefined) return events;
  return events.map((e) => ({ ...e, match: { ...e.match, is_4k: is4k } }) as UnstampedEvent);
}
