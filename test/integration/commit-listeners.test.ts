/**
 * A commit listener runs after the event is durable: one that throws must not turn the stored
 * event into an HTTP 500 (the sender would retry what is already applied), nor keep the other
 * listeners — the MQTT publisher among them — from hearing of it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, fakeHash } from '../../src/demo/payloads.js';
import type { Change } from '../../src/engine/index.js';
import { setLogSink } from '../../src/log.js';
import { world } from './support.js';

const movie = { requestId: 7, tmdbId: 700, title: 'Seven', year: 1995, radarrId: 7, hash: fakeHash('seven') };

afterEach(() => setLogSink(null));

describe('commit listeners', () => {
  it('a throwing listener is logged; the webhook is answered 200, the change is stored and published, later listeners run', async () => {
    const { h, send, rec } = await world();
    const errors: string[] = [];
    setLogSink((level, line) => {
      if (level === 'error') errors.push(line);
    });
    const heard: Change[][] = [];
    h.tracker.engine.onCommit(() => {
      throw new Error('listener exploded');
    });
    h.tracker.engine.onCommit((changes) => heard.push(changes));

    const first = await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    expect(first).toMatchObject({ status: 'ok', results: [{ status: 'accepted', request_ids: ['jellyseerr-7'] }] });
    // The publisher was registered before the throwing listener, the counting one after it.
    await rec.untilState('jellyseerr-7', 'APPROVED');
    expect(heard.map((cs) => cs.map((c) => c.after?.state))).toEqual([['APPROVED']]);

    // The next event goes through as well: the engine is not left refusing events.
    const second = await send('/hooks/radarr', radarrGrab(movie));
    expect(second).toMatchObject({ status: 'ok', results: [{ status: 'accepted' }] });
    await rec.untilState('jellyseerr-7', 'GRABBING');
    expect(heard).toHaveLength(2);
    expect(errors.filter((l) => l.includes('a commit listener failed: listener exploded'))).toHaveLength(2);

    await h.restart();
    expect(h.tracker.engine.request('jellyseerr-7')?.state).toBe('GRABBING');
  });
});
