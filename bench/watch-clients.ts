/**
 * The download paths of the latency benchmark (watch.ts, scenario 1): for each, an upstream
 * fake on loopback holding one downloading movie, the tracker options that make it poll every
 * `CLIENT_INTERVAL_S`, the Radarr grab that ties the download to the request, and a way to move
 * the download's progress. The same measurement runs over each (watch.ts `clientLatency`).
 *
 * - qBittorrent, Transmission, Deluge, SABnzbd and NZBGet: the tracker's direct watcher of that client;
 * - the *arr queue: a usenet download no direct watcher follows, read from Radarr's
 *   `GET /api/v3/queue` at `intervals.downloads_s`.
 */
import { performance } from 'node:perf_hooks';
import { fakeHash, radarrGrab, type MovieSpec } from '../src/demo/payloads.js';
import { createRadarrFake } from '../test/fakes/radarr.js';
import { FakeNzbget } from '../test/fakes/nzbget.js';
import { FakeQbittorrent } from '../test/fakes/qbittorrent.js';
import { FakeSabnzbd } from '../test/fakes/sabnzbd.js';
import { FakeDeluge } from '../test/helpers/deluge.js';
import { FakeTransmission } from '../test/helpers/transmission.js';

/** Every path polls at this interval; the goal is one interval + 50 ms. */
export const CLIENT_INTERVAL_S = 1;
export const CLIENT_GOAL_MS = CLIENT_INTERVAL_S * 1000 + 50;

const SIZE = 15_032_385_536;
const START = 0.1;

export interface ClientRig {
  /** Tracker options: the service(s) and an `intervals` entry polling every CLIENT_INTERVAL_S. */
  services: Record<string, unknown>;
  /** Radarr's Grab webhook for the download. */
  grab: Record<string, unknown>;
  /** Moves the download to `progress` in the upstream. */
  setProgress(progress: number): void;
  /** When the upstream answered each poll that reads the download (performance.now() clock). */
  polls(): number[];
  close(): Promise<void>;
}

export interface ClientPath {
  scenario: ClientScenario;
  /** How the report names the path. */
  label: string;
  /** The upstream request that carries the change, in the report's notes. */
  read: string;
  /** The *arr's downloadId of the download: a torrent's info-hash, a usenet job's id verbatim. */
  downloadId: string;
  rig(m: MovieSpec): Promise<ClientRig>;
}

export const CLIENT_SCENARIOS = ['qbittorrent-latency', 'transmission-latency', 'deluge-latency', 'sabnzbd-latency', 'nzbget-latency', 'queue-latency'] as const;
export type ClientScenario = (typeof CLIENT_SCENARIOS)[number];

/** A fake's request log time (Date.now()) on the performance.now() clock the latencies use. */
const onPerfClock = (epochMs: number): number => epochMs - performance.timeOrigin;

/** Radarr's Grab webhook for a usenet release: the client's job id verbatim as downloadId. */
function usenetGrab(m: MovieSpec, client: string): Record<string, unknown> {
  return { ...radarrGrab(m), downloadClient: client, downloadClientType: client, downloadId: m.hash };
}

export const CLIENT_PATHS: readonly ClientPath[] = [
  {
    scenario: 'qbittorrent-latency',
    label: 'qBittorrent',
    read: '`sync/maindata`',
    downloadId: fakeHash('watch-latency-qb'),
    async rig(m) {
      const qb = await FakeQbittorrent.start();
      qb.add(m.hash, { progress: START, size: SIZE, state: 'downloading', dlspeed: 20_000_000, eta: 600 });
      return {
        services: { qbittorrent: [{ name: 'bench', url: qb.url, username: qb.username, password: qb.password }], intervals: { qbittorrent_s: CLIENT_INTERVAL_S } },
        grab: radarrGrab(m),
        setProgress: (p) => qb.setProgress(m.hash, p),
        polls: () => qb.maindataTimes,
        close: () => qb.close(),
      };
    },
  },
  {
    scenario: 'transmission-latency',
    label: 'Transmission',
    read: '`torrent-get` (recently active)',
    downloadId: fakeHash('watch-latency-tr'),
    async rig(m) {
      const tr = await FakeTransmission.start({ username: 'bench', password: 'bench-transmission-password' });
      const hash = m.hash.toLowerCase();
      tr.add(hash, {
        status: 4,
        percentDone: START,
        sizeWhenDone: SIZE,
        leftUntilDone: SIZE * (1 - START),
        rateDownload: 20_000_000,
        eta: 600,
        error: 0,
        errorString: '',
        metadataPercentComplete: 1,
        peersSendingToUs: 12,
      });
      return {
        services: { transmission: [{ name: 'bench', url: tr.url, username: 'bench', password: 'bench-transmission-password' }], intervals: { transmission_s: CLIENT_INTERVAL_S } },
        grab: radarrGrab(m),
        setProgress: (p) => tr.set(hash, { percentDone: p, leftUntilDone: Math.round(SIZE * (1 - p)) }),
        polls: () => tr.calls.filter((c) => c.method === 'torrent-get').map((c) => c.at),
        close: () => tr.close(),
      };
    },
  },
  {
    scenario: 'deluge-latency',
    label: 'Deluge',
    read: '`core.get_torrents_status`',
    downloadId: fakeHash('watch-latency-dl'),
    async rig(m) {
      const dl = await FakeDeluge.start({ password: 'bench-deluge-password', connected: true });
      const hash = m.hash.toLowerCase();
      dl.add(hash, { state: 'Downloading', total_wanted: SIZE, total_remaining: Math.round(SIZE * (1 - START)), download_payload_rate: 20_000_000, eta: 600, num_seeds: 12, num_peers: 20 });
      return {
        services: { deluge: [{ name: 'bench', url: dl.url, password: 'bench-deluge-password' }], intervals: { deluge_s: CLIENT_INTERVAL_S } },
        grab: radarrGrab(m),
        setProgress: (p) => dl.set(hash, { total_remaining: Math.round(SIZE * (1 - p)) }),
        polls: () => dl.calls.filter((c) => c.method === 'core.get_torrents_status').map((c) => c.at),
        close: () => dl.close(),
      };
    },
  },
  {
    scenario: 'sabnzbd-latency',
    label: 'SABnzbd',
    read: '`mode=queue`',
    downloadId: 'SABnzbd_nzo_benchlatency',
    async rig(m) {
      const sab = await FakeSabnzbd.start({ apiKey: 'bench0123456789abcdef0123456789ab' });
      const mb = 8000;
      sab.add(m.hash, { filename: 'Bench.Latency.Movie.2024.1080p.WEB-DL', mb, mbleft: mb * (1 - START) });
      return {
        services: { sabnzbd: [{ name: 'bench', url: sab.url, api_key: 'bench0123456789abcdef0123456789ab' }], intervals: { sabnzbd_s: CLIENT_INTERVAL_S } },
        grab: usenetGrab(m, 'SABnzbd'),
        setProgress: (p) => sab.progress(m.hash, Math.round(mb * (1 - p))),
        polls: () => sab.log.of('GET /api mode=queue').map((e) => onPerfClock(e.at)),
        close: () => sab.close(),
      };
    },
  },
  {
    scenario: 'nzbget-latency',
    label: 'NZBGet',
    read: '`listgroups`',
    downloadId: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    async rig(m) {
      const nzb = await FakeNzbget.start({ password: 'bench-nzbget-password' });
      nzb.add(m.hash, { NZBName: 'Bench.Latency.Movie.2024.1080p.WEB-DL', fileSize: SIZE, remaining: Math.round(SIZE * (1 - START)) });
      return {
        services: { nzbget: [{ name: 'bench', url: nzb.url, username: 'nzbget', password: 'bench-nzbget-password' }], intervals: { nzbget_s: CLIENT_INTERVAL_S } },
        grab: usenetGrab(m, 'NZBGet'),
        setProgress: (p) => nzb.set(m.hash, { remaining: Math.round(SIZE * (1 - p)) }),
        polls: () => nzb.log.of('POST /jsonrpc listgroups').map((e) => onPerfClock(e.at)),
        close: () => nzb.close(),
      };
    },
  },
  {
    scenario: 'queue-latency',
    label: "Radarr's queue (no direct watcher)",
    read: '`GET /api/v3/queue`',
    downloadId: 'c0ffee00c0ffee00c0ffee00c0ffee01',
    async rig(m) {
      const radarr = createRadarrFake();
      const { url } = await radarr.start();
      radarr.addMovie(m);
      radarr.addDownload(m.radarrId, m.hash, { protocol: 'usenet', downloadClient: 'NZBGet', size: SIZE, sizeleft: SIZE * (1 - START), timeleft: 600 });
      return {
        services: { radarr: [{ name: 'radarr', url, api_key: radarr.state.apiKey }], intervals: { downloads_s: CLIENT_INTERVAL_S, arr_s: 3600 } },
        grab: usenetGrab(m, 'NZBGet'),
        setProgress: (p) => radarr.updateDownload(m.hash, { sizeleft: Math.round(SIZE * (1 - p)) }),
        polls: () => radarr.log.of('GET /api/v3/queue').map((e) => onPerfClock(e.at)),
        close: () => radarr.stop(),
      };
    },
  },
];
