/**
 * The panel's copy of the MQTT contract (frontend/src/data/types.ts) against the server's
 * (src/mqtt/contract.ts): the types must stay assignable (checked by `tsc`, which runs over
 * the tests) and the lists of states and their labels equal. Real payloads from a running
 * tracker go through the store in panel.connection.test.ts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as panel from '../../frontend/src/data/types.js';
import type { TimelineEntry } from '../../src/domain/model.js';
import { STATE_LABELS, STATES } from '../../src/domain/states.js';
import type { EpisodePayload, StatePayload } from '../../src/mqtt/contract.js';
import type { WatcherStatus } from '../../src/watchers/loop.js';

describe('the panel reads what the tracker publishes', () => {
  it('payload types stay assignable', () => {
    expectTypeOf<StatePayload>().toExtend<panel.RequestState>();
    expectTypeOf<EpisodePayload>().toExtend<panel.Episode>();
    expectTypeOf<TimelineEntry>().toExtend<panel.TimelineEntry>();
    expectTypeOf<WatcherStatus>().toExtend<panel.WatcherStatus>();
  });

  it('knows every state, with the same labels', () => {
    expect([...panel.STATES]).toEqual([...STATES]);
    expect(panel.STATE_LABELS).toEqual(STATE_LABELS);
  });
});
