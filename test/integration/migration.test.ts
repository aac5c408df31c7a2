/**
 * Upgrading a store written before schema v2: a data dir as the previous version left it (a v1
 * snapshot written with the real snapshot writer, a journal record after it, the discovery
 * topics it published) holds a Jellyseerr TV request and the orphan `sonarr-12` request that
 * the second half of the season made. An aedes broker stands in for Home Assistant's Mosquitto
 * (the external broker, which keeps retained messages across tracker restarts) and still holds
 * the orphan's state and HA device from that run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DownloadProgressEvent, StuckEvent } from '../../src/domain/events.js';
import type { EpisodePayload } from '../../src/contract/index.js';
import { writeSnapshot } from '../../src/store/snapshot.js';
import { Store } from '../../src/store/store.js';
import { Recorder, startTracker } from '../helpers/tracker.js';
import { SECOND_HALF, splitSeason } from '../helpers/v1-store.js';
import { waitFor } from '../helpers/wait.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** An MQTT broker that outlives the tracker, as Home Assistant's Mosquitto does. */
async function externalBroker(): Promise<string> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
}

/** The retained topics the previous run left for the orphan (its state and its HA device). */
const ORPHAN_TOPICS = [
  'media/sonarr-12/state',
  'media/sonarr-12/episodes',
  'media/sonarr-12/timeline',
  'homeassistant/sensor/media_tracker/sonarr-12_status/config',
  'homeassistant/sensor/media_tracker/sonarr-12_progress/config',
  'homeassistant/sensor/media_tracker/sonarr-12_episodes/config',
  'homeassistant/event/media_tracker/sonarr-12_event/config',
];

describe('a store written before schema v2', () => {
  it("starts with the orphan merged into the request, and the orphan's topics and HA device cleared on the external broker", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'media-tracker-migration-'));
    cleanup.push(() => rm(dataDir, { recursive: true, force: true }));

    // The data dir as the previous version left it: a journal record after a v1 snapshot.
    const { store } = await Store.open({ dir: dataDir, durable: true });
    const progress: DownloadProgressEvent = {
      kind: 'download_progress',
      key: `qbittorrent:qb:${SECOND_HALF}:0.800:downloading`,
      source: 'qbittorrent',
      at: '2026-01-07T06:00:00.000Z',
      match: { hash: SECOND_HALF, scope: 'active' },
      hash: SECOND_HALF,
      progress: 0.8,
      speed_bps: 1_000,
      eta_s: 10,
      size: 5_000,
      complete: false,
      client_state: 'downloading',
    };
    // A flag the previous run raised on the orphan: its id no longer exists, so replay ignores it.
    const flag: StuckEvent = {
      kind: 'stuck',
      key: 'stuck:sonarr-12',
      source: 'system',
      at: '2026-01-07T06:05:00.000Z',
      match: { request_id: 'sonarr-12', scope: 'any' },
      reason: 'Download made no progress for 45 min',
    };
    await Promise.all([store.append({ v: 1, seq: 41, event: progress }), store.append({ v: 1, seq: 42, event: flag })]);
    await store.close();
    const { request, orphan } = splitSeason();
    await writeSnapshot(dataDir, 40, [request, orphan], { schemaVersion: 1 });

    // The external broker still holds what the previous run published for the orphan.
    const url = await externalBroker();
    const old = await mqtt.connectAsync(url);
    for (const topic of ORPHAN_TOPICS) await old.publishAsync(topic, JSON.stringify({ id: 'sonarr-12', stale: true }), { retain: true, qos: 1 });
    await old.endAsync();

    // Ten minutes after the last progress: nothing is stuck yet.
    const h = await startTracker({ mqtt: { mode: 'external', external_url: url } }, dataDir, { clock: () => new Date('2026-01-07T06:10:00.000Z') });
    cleanup.push(() => h.stop());
    const ha = await Recorder.connect(url);
    cleanup.push(() => ha.close());

    const state = await ha.until(
      () => {
        const s = ha.state('jellyseerr-5');
        return s?.state === 'PARTIALLY_AVAILABLE' ? s : undefined;
      },
      () => `jellyseerr-5 merged (last: ${JSON.stringify(ha.state('jellyseerr-5')?.state)})`,
    );
    expect(state).toMatchObject({ episodes: { total: 10, available: 5 }, requested_by: 'alice', downloads: 2, stuck: null });
    await ha.until(
      () => ORPHAN_TOPICS.every((t) => !ha.latest.has(t)) || undefined,
      () => `the orphan's topics cleared (left: ${ORPHAN_TOPICS.filter((t) => ha.latest.has(t)).join(', ')})`,
    );
    // The device's discovery comes with its own publish, not necessarily before the state reached this subscriber.
    const config = await ha.until(() => ha.json('homeassistant/sensor/media_tracker/jellyseerr-5_status/config'), "the merged request's status sensor");
    expect(config).toMatchObject({ state_topic: 'media/jellyseerr-5/state' });

    // One request, with both timelines in time order and the merge said in it.
    expect([...h.tracker.engine.requests()].map((r) => r.id)).toEqual(['jellyseerr-5']);
    const timeline = ha.json<Array<{ reason: string }>>('media/jellyseerr-5/timeline')!.map((t) => t.reason);
    expect(timeline).toEqual([
      'Requested in Jellyseerr (request #5) by alice',
      'Playable in Jellyfin',
      'Grabbed in Sonarr without a Jellyseerr request',
      'Downloading in qBittorrent',
      'Merged sonarr-12 (later grabs of the same media)',
    ]);
    // The journal record after the snapshot was replayed onto the merged request (its download).
    const eps = ha.json<EpisodePayload[]>('media/jellyseerr-5/episodes')!;
    expect(eps.find((e) => e.episode === 8)).toMatchObject({ state: 'DOWNLOADING', progress: 0.8 });
    expect(eps.find((e) => e.episode === 2)).toMatchObject({ state: 'AVAILABLE' });

    // The old snapshot is kept; the clear is remembered, so the next start does not repeat it.
    expect(JSON.parse(await readFile(join(dataDir, 'snapshot.v1.bak.json'), 'utf8'))).toMatchObject({ schema_version: 1 });
    const settings = await waitFor(async () => {
      const s = JSON.parse(await readFile(join(dataDir, 'settings.json'), 'utf8')) as { cleared_absorbed_ids?: string[] };
      return s.cleared_absorbed_ids?.length ? s : undefined;
    }, 'the cleared ids in settings.json');
    expect(settings.cleared_absorbed_ids).toEqual(['sonarr-12']);
  });
});
