/**
 * "When can I watch it?" through the public interfaces: three movies go from import to
 * watchable in 10 minutes each (this home's library scan); the fourth, once imported, says it
 * will be watchable 10 minutes later, from history, and it is. Before anything is grabbed, or
 * while waiting for approval, there is no estimate. A real tracker on a controlled clock, real MQTT.
 */
import { describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { Recorder } from '../helpers/tracker.js';
import { world } from './support.js';

const movie = (n: number): MovieSpec => ({ requestId: 950 + n, tmdbId: 5000 + n, title: `Film ${n}`, year: 2020 + n, radarrId: 700 + n, hash: fakeHash(`estimate-${n}`), requestedBy: 'alice' });
const MIN = 60_000;

describe('time to watchable', () => {
  it("a new request's watchable_at comes from this home's history, and it was right", async () => {
    let now = Date.parse('2026-12-01T20:00:00.000Z');
    const { rec, send, h } = await world({}, {}, { clock: () => new Date(now) });
    const state = (m: MovieSpec) => rec.state(`jellyseerr-${m.requestId}`);

    for (const n of [1, 2, 3]) {
      const m = movie(n);
      await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
      await send('/hooks/radarr', radarrGrab(m));
      now += 20 * MIN;
      await send('/hooks/radarr', radarrDownload(m));
      now += 10 * MIN;
      await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', m));
      await rec.untilState(`jellyseerr-${m.requestId}`, 'AVAILABLE');
      now += 60 * MIN;
    }

    const next = movie(4);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_PENDING', next));
    await rec.untilState(`jellyseerr-${next.requestId}`, 'REQUESTED');
    // Waiting for someone to approve it: nothing to estimate.
    expect(state(next)).toMatchObject({ watchable_at: null, watchable_in_s: null, watchable_confidence: 'unknown' });

    await send('/hooks/jellyseerr', jellyseerr('MEDIA_APPROVED', next));
    await send('/hooks/radarr', radarrGrab(next));
    now += 20 * MIN;
    await send('/hooks/radarr', radarrDownload(next));
    const importing = await rec.untilState(`jellyseerr-${next.requestId}`, 'IMPORTING');
    const importedAt = now;
    // Three imports took 10 minutes each to become watchable here: so will this one.
    expect(importing).toMatchObject({ watchable_confidence: 'history', watchable_in_s: 600 });
    expect(Date.parse(String(importing.watchable_at))).toBe(importedAt + 10 * MIN);
    // Its HA sensor reads that field.
    expect(rec.json(`homeassistant/sensor/media_tracker/jellyseerr-${next.requestId}_watchable_at/config`)).toMatchObject({ device_class: 'timestamp' });

    now += 10 * MIN;
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AVAILABLE', next));
    const done = await rec.untilState(`jellyseerr-${next.requestId}`, 'AVAILABLE');
    expect(Date.parse(String(importing.watchable_at))).toBe(Date.parse(String(done.state_since)));
    // Watchable: nothing left to estimate.
    expect(done).toMatchObject({ watchable_at: null, watchable_confidence: 'unknown' });
    // Each request's first estimate in each stage (grabbing, importing) was compared with when it became watchable.
    const info = await rec.until(() => {
      const e = rec.json<{ estimates?: { median_abs_error_s: number | null; compared: number } }>('media/bridge/info')?.estimates;
      return e && e.compared === 8 ? e : undefined;
    }, 'eight comparisons on the bridge info');
    expect(info.median_abs_error_s).toBeGreaterThan(0);
    expect(rec.json('homeassistant/sensor/media_tracker/bridge_estimate_error/config')).toMatchObject({ unit_of_measurement: 'min', device_class: 'duration' });

    // The record outlives a restart.
    await h.restart();
    const after = await Recorder.connect(h.tracker.endpoints.mqttUrl);
    try {
      expect(await after.until(() => after.json<{ estimates?: { compared: number } }>('media/bridge/info')?.estimates, 'the bridge info after a restart')).toEqual(info);
    } finally {
      await after.close();
    }
  });

  it('with too little history the estimate is made from defaults and says so', async () => {
    let now = Date.parse('2026-12-01T20:00:00.000Z');
    const { rec, send } = await world({}, {}, { clock: () => new Date(now) });
    const m = movie(9);
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m));
    await send('/hooks/radarr', radarrGrab(m));
    now += 5 * MIN;
    await send('/hooks/radarr', radarrDownload(m));
    const importing = await rec.untilState(`jellyseerr-${m.requestId}`, 'IMPORTING');
    expect(importing).toMatchObject({ watchable_confidence: 'default' });
    expect(importing.watchable_in_s).toBeGreaterThan(0);
    expect(Date.parse(String(importing.watchable_at))).toBe(now + Number(importing.watchable_in_s) * 1000);
  });
});
