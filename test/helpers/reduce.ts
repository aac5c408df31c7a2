/**
 * The reducer as the engine runs it, with the tracker's source labels ("Grabbed by Sonarr: …"),
 * for tests that call it directly and only choose whether availability needs verifying.
 */
import type { GrabbedEvent, ImportedEvent, RequestEvent, TrackerEvent } from '../../src/domain/events.js';
import type { MediaRequest } from '../../src/domain/model.js';
import * as domain from '../../src/domain/reduce/index.js';
import { sourceLabel } from '../../src/labels.js';

export type { Reduction } from '../../src/domain/reduce/index.js';
export type ReduceOptions = Omit<domain.ReduceOptions, 'labelOf'>;

export function reduce(base: MediaRequest, event: TrackerEvent, opts: ReduceOptions): domain.Reduction {
  return domain.reduce(base, event, { ...opts, labelOf: sourceLabel });
}

export function createRequest(id: string, event: RequestEvent | GrabbedEvent | ImportedEvent): MediaRequest {
  return domain.createRequest(id, event, { labelOf: sourceLabel });
}
