/**
 * Source health on `media/bridge/sources` through the public interfaces: Sonarr's own Health and
 * HealthRestored webhooks, kept across a restart; a Sonarr that goes away while a request waits
 * on it (its reconciler fails at once, its silence after the threshold), then comes back and
 * talks again. A fake Sonarr over loopback, a real tracker, a real MQTT client.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { SourceStatus, SourcesReport } from '../../src/contract/index.js';
import { fakeHash, jellyseerr, range, sonarrGrab, sonarrSeriesAdd, type ShowSpec } from '../../src/demo/payloads.js';
import { createSonarrFake } from '../fakes/sonarr.js';
import { Recorder } from '../helpers/tracker.js';
import { bridge } from './bridge.js';
import { world } from './support.js';

const HEALTH = JSON.parse(readFileSync(new URL('../fixtures/sonarr/health.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const show: ShowSpec = { requestId: 701, tmdbId: 136315, tvdbId: 412334, title: 'The Bear', year: 2022, sonarrId: 88, seasons: [1], requestedBy: 'bob' };

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

function sonarrOf(rec: Recorder): SourceStatus | undefined {
  return rec.json<SourcesReport>('media/bridge/sources')?.sources.find((s) => s.integration === 'sonarr');
}

describe('source health', () => {
  it("keeps Sonarr's health check on the bridge in its own words until Sonarr restores it, across a restart", async () => {
    const sonarr = createSonarrFake();
    const { url } = await sonarr.start();
    stops.push(() => sonarr.stop());
    const { h, rec, send } = await world({ sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }], intervals: { arr_s: 3600 }, doctor_interval_min: 0 });
    // Sonarr has no webhook to the tracker yet: the doctor says so, then auto-configuration adds it.
    expect(await rec.until(() => sonarrOf(rec)?.problem && sonarrOf(rec), 'Sonarr without its webhook')).toMatchObject({ reasons: ['No Media Tracker webhook in Sonarr'] });
    expect((await bridge(rec, 'autoconfigure')).status).toBe('ok');
    await rec.until(() => sonarrOf(rec)?.problem === false && sonarrOf(rec), 'Sonarr without a problem', 20_000);

    const answer = await send('/hooks/sonarr', HEALTH);
    expect(answer).toMatchObject({ status: 'ok', note: 'Sonarr health check failing: IndexerLongTermStatusCheck' });
    const failing = await rec.until(() => (sonarrOf(rec)?.health.length ? sonarrOf(rec) : undefined), 'the health message on media/bridge/sources');
    expect(failing).toMatchObject({
      problem: true,
      reasons: ['Sonarr reports: Indexers unavailable due to failures for more than 6 hours: Nyaa (Prowlarr)'],
      health: [
        {
          instance: 'sonarr',
          level: 'warning',
          check: 'IndexerLongTermStatusCheck',
          message: 'Indexers unavailable due to failures for more than 6 hours: Nyaa (Prowlarr)',
          wiki_url: 'https://wiki.servarr.com/sonarr/system#indexers-are-unavailable-due-to-failures-for-more-than-6-hours',
        },
      ],
    });
    // The health webhook is a webhook: Sonarr now has a last event, and HA an entity showing it.
    expect(failing.last_event).toEqual(expect.any(String));
    expect(await rec.until(() => rec.json('homeassistant/sensor/media_tracker/bridge_last_event_sonarr/config'), 'the last-event sensor')).toMatchObject({
      name: 'Sonarr last event',
      device_class: 'timestamp',
      state_topic: 'media/bridge/sources',
    });
    // The same check failing again is one message, still dated from the first time.
    const since = failing.health[0]!.since;
    await send('/hooks/sonarr', { ...HEALTH, message: 'Indexers unavailable due to failures for more than 6 hours: Nyaa (Prowlarr), AnimeTosho' });
    const again = await rec.until(() => (sonarrOf(rec)?.health[0]?.message.endsWith('AnimeTosho') ? sonarrOf(rec) : undefined), 'the updated message');
    expect(again.health).toHaveLength(1);
    expect(again.health[0]!.since).toBe(since);

    // Sent once by Sonarr: a restart of the tracker must not forget it.
    await rec.close();
    await h.restart();
    const rec2 = await Recorder.connect(h.tracker.endpoints.mqttUrl);
    stops.push(() => rec2.close());
    expect(await rec2.until(() => (sonarrOf(rec2)?.health.length ? sonarrOf(rec2) : undefined), 'the health message after a restart')).toMatchObject({
      problem: true,
      health: [{ check: 'IndexerLongTermStatusCheck', since }],
    });

    const restored = await h.post('/hooks/sonarr', { ...HEALTH, eventType: 'HealthRestored', level: 'ok' });
    expect(restored.status).toBe(200);
    expect(await rec2.until(() => (sonarrOf(rec2)?.health.length === 0 ? sonarrOf(rec2) : undefined), 'the message gone after HealthRestored')).toMatchObject({ problem: false, reasons: [] });
  });

  it('a Sonarr that goes away while a request waits on it is a problem at once and, after the silence, says so; back and talking, it is not', async () => {
    const sonarr = createSonarrFake();
    const { url } = await sonarr.start();
    stops.push(() => sonarr.stop());
    const { h, rec, send } = await world({
      sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }],
      intervals: { arr_s: 1, downloads_s: 1 },
      // 3 s: a test cannot wait an hour.
      source_silence_min: 0.05,
      doctor_interval_min: 0,
    });
    const reconciler = h.tracker.watchers.find((w) => w.name === 'sonarr/sonarr/reconcile')!;
    expect((await bridge(rec, 'autoconfigure')).status).toBe('ok');
    await rec.until(() => reconciler.status().healthy && sonarrOf(rec)?.problem === false, 'Sonarr reconciled and without a problem', 20_000);

    // Approved in Jellyseerr: now Sonarr is expected to say something.
    await send('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show));
    await rec.untilState('jellyseerr-701', 'APPROVED');
    await sonarr.stop();
    const down = await rec.until(() => (sonarrOf(rec)?.reasons.some((r) => r.startsWith('No Sonarr webhook')) ? sonarrOf(rec) : undefined), 'Sonarr down and silent', 20_000);
    expect(down.problem).toBe(true);
    expect(
      down.reasons.find((r) => !r.startsWith('No Sonarr webhook')),
      down.reasons.join(' | '),
    ).toMatch(/ECONNREFUSED|could not connect|cannot reach/i);
    expect(down.reasons).toContain('No Sonarr webhook for less than a minute while a request waits on it');

    // Sonarr is back on the same address and reports the series it added and the grab.
    await sonarr.start();
    await send('/hooks/sonarr', sonarrSeriesAdd(show));
    await send('/hooks/sonarr', sonarrGrab(show, range(1, 1, 8), fakeHash('source-health')));
    await rec.until(() => rec.state('jellyseerr-701')?.state === 'GRABBING', 'the grab');
    const back = await rec.until(
      () => (sonarrOf(rec)?.problem === false ? sonarrOf(rec) : undefined),
      () => `Sonarr without a problem again (${JSON.stringify(sonarrOf(rec)?.reasons)})`,
      20_000,
    );
    expect(back.reasons).toEqual([]);
    expect(reconciler.status().healthy).toBe(true);
  });
});
