/**
 * The Transmission integration against the REAL `transmission-daemon` (Debian's package), started
 * by the suite with a temporary config dir: RPC on 127.0.0.1 with Basic auth, peer port on
 * 127.0.0.1, DHT, LPD, PeX, uTP and port forwarding off, no trackers, so no traffic leaves
 * loopback (docs/download-clients.md §2.4).
 *
 * Three torrents: one whose data is all in the download dir (verified, then seeding: complete),
 * one with only half of its data there and no peer (downloading, stalled; then paused; then its
 * file deleted and the torrent started: Transmission's "No data found!" local error), and a
 * magnet no peer can send the metadata of. Checked through `TrClient` (the 409 handshake, auth,
 * versions, the fields) and through a real tracker's MQTT state: DOWNLOADED, DOWNLOADING with
 * the stuck reasons, FAILED, GRABBING with `client_state: metaDL`; then the daemon restarts (a new
 * session id, new torrent ids) and the watcher shakes hands again, reads everything, and still
 * maps a removal it learns from `recently-active`.
 *
 * Needs `/usr/bin/transmission-daemon` (or $TRANSMISSION_DAEMON): `bash scripts/e2e-deps.sh` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { setLogLevel } from '../../src/log.js';
import { TrClient } from '../../src/integrations/transmission/client.js';
import { progressFields } from '../../src/integrations/transmission/map.js';
import type { TransmissionWatcher } from '../../src/integrations/transmission/watcher.js';
import { makeTorrentFile, pseudoRandomBytes } from '../helpers/qbittorrent.js';
import { freePorts } from '../helpers/ports.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';
import { TrAdmin } from '../helpers/transmission.js';
import { waitFor } from '../helpers/wait.js';
import { alive, children } from '../helpers/child.js';

const DAEMON = process.env.TRANSMISSION_DAEMON ?? '/usr/bin/transmission-daemon';
const USERNAME = 'tracker';
const PASSWORD = 'e2e-Tr-passw0rd-3b9f';

const versionText = existsSync(DAEMON) ? `${spawnSync(DAEMON, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stderr ?? ''}`.trim() : '';
const installed = /transmission-daemon \d+\.\d+/.test(versionText);
if (!installed) console.warn(`transmission e2e: ${DAEMON} not found or unreadable version ("${versionText}"); run bash scripts/e2e-deps.sh`);

const until = <T>(check: () => Promise<T | undefined> | T | undefined, what: string | (() => string), timeoutMs = 30_000, everyMs = 100) => waitFor(check, what, { timeoutMs, everyMs });

/** One transmission-daemon in the foreground with its own config dir, all on 127.0.0.1. */
class Daemon {
  proc: ChildProcess | null = null;
  output = '';
  readonly downloads: string;
  readonly url: string;
  readonly admin: TrAdmin;

  constructor(
    readonly dir: string,
    readonly rpcPort: number,
    readonly peerPort: number,
  ) {
    this.downloads = join(dir, 'downloads');
    this.url = `http://127.0.0.1:${rpcPort}`;
    this.admin = new TrAdmin(this.url, USERNAME, PASSWORD);
  }

  /** The first start writes settings.json (the daemon rewrites it on exit, the password salted); later starts reuse it. */
  async start(first = false): Promise<void> {
    if (first) {
      await mkdir(this.downloads, { recursive: true });
      const settings = {
        'rpc-enabled': true,
        'rpc-bind-address': '127.0.0.1',
        'rpc-port': this.rpcPort,
        'rpc-authentication-required': true,
        'rpc-username': USERNAME,
        'rpc-password': PASSWORD,
        'rpc-whitelist-enabled': true,
        'rpc-whitelist': '127.0.0.1',
        'rpc-host-whitelist-enabled': true,
        'bind-address-ipv4': '127.0.0.1',
        'bind-address-ipv6': '::1',
        'peer-port': this.peerPort,
        'peer-port-random-on-start': false,
        'dht-enabled': false,
        'lpd-enabled': false,
        'pex-enabled': false,
        'utp-enabled': false,
        'port-forwarding-enabled': false,
        'download-dir': this.downloads,
        'incomplete-dir-enabled': false,
        'watch-dir-enabled': false,
        'start-added-torrents': true,
        'download-queue-enabled': false,
        'seed-queue-enabled': false,
        'message-level': 1,
      };
      await writeFile(join(this.dir, 'settings.json'), JSON.stringify(settings, null, 2));
    }
    const proc = spawn(DAEMON, ['-f', '-g', this.dir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: this.dir } });
    this.proc = proc;
    children.add(proc);
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    await until(
      async () => {
        if (!alive(proc)) throw new Error(`transmission-daemon exited (${String((proc as ChildProcess).exitCode ?? (proc as ChildProcess).signalCode)}):\n${this.output}`);
        try {
          await this.admin.call('session-get');
          return true;
        } catch {
          return undefined;
        }
      },
      `transmission-daemon RPC on ${this.url}`,
      30_000,
      150,
    );
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (!alive(p)) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    p.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (alive(p)) p.kill('SIGKILL');
    }, 8_000);
    await exited;
    clearTimeout(timer);
    children.delete(p);
  }

  async addTorrent(torrent: Buffer): Promise<string> {
    const added = await this.admin.call<Record<string, { hashString: string }>>('torrent-add', { metainfo: torrent.toString('base64'), 'download-dir': this.downloads, paused: false });
    const t = added['torrent-added'] ?? added['torrent-duplicate'];
    if (!t) throw new Error(`torrent-add answered ${JSON.stringify(added)}`);
    return t.hashString;
  }

  async get(hash: string): Promise<Record<string, unknown> | undefined> {
    const { torrents } = await this.admin.call<{ torrents: Array<Record<string, unknown>> }>('torrent-get', {
      ids: [hash],
      fields: ['hashString', 'status', 'percentDone', 'leftUntilDone', 'sizeWhenDone', 'error', 'errorString', 'metadataPercentComplete', 'rateDownload', 'peersSendingToUs', 'eta'],
    });
    return torrents[0];
  }
}

const PIECE = 16 * 1024;

describe.skipIf(!installed)(`real transmission-daemon (${versionText})`, () => {
  let root = '';
  let daemon: Daemon;
  const fullData = pseudoRandomBytes(PIECE * 64 + 777, 'media-tracker transmission e2e: complete');
  const complete = makeTorrentFile('Complete.Movie.2024.1080p.bin', fullData, PIECE);
  const halfData = pseudoRandomBytes(PIECE * 64, 'media-tracker transmission e2e: half');
  const half = makeTorrentFile('Half.Movie.2024.1080p.bin', halfData, PIECE);
  const magnetHash = createHash('sha1').update('media-tracker transmission e2e: a magnet without peers').digest('hex');

  beforeAll(async () => {
    setLogLevel('error');
    root = await mkdtemp(join(tmpdir(), 'mt-transmission-'));
    const [rpcPort, peerPort] = await freePorts(2);
    daemon = new Daemon(root, rpcPort!, peerPort!);
    await daemon.start(true);
  });

  afterAll(async () => {
    await daemon?.stop();
    for (const p of children) if (alive(p)) p.kill('SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses a wrong password with a clear error that does not contain it', async () => {
    const wrong = 'definitely-Not-It-42';
    const c = new TrClient({ name: 'main', url: daemon.url, username: USERNAME, password: wrong });
    const err = await c.session().then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('transmission/main: authentication refused: wrong username or password (HTTP 401)');
    expect(String(err?.stack)).not.toContain(wrong);
  });

  it('shakes hands (409 → session id, once) and reads the version and an empty list', async () => {
    const c = new TrClient({ name: 'main', url: daemon.url, username: USERNAME, password: PASSWORD });
    const s = await c.session();
    expect(s.version).toMatch(/^\d+\.\d+/);
    expect(s['rpc-version']).toBeGreaterThanOrEqual(15);
    expect(c.stats.handshakes).toBe(1);
    expect(c.requests).toBe(2);
    expect(await c.torrents('full')).toEqual({ torrents: [] });
    expect(await c.torrents('recent')).toEqual({ torrents: [], removed: [] });
    expect(c.requests).toBe(4);
    expect(c.stats.handshakes).toBe(1);
  });

  it('maps what the daemon says of a complete torrent, a half one without peers and a magnet without metadata', async () => {
    await writeFile(join(daemon.downloads, complete.name), fullData);
    await writeFile(join(daemon.downloads, half.name), halfData.subarray(0, halfData.length / 2));
    expect(await daemon.addTorrent(complete.torrent)).toBe(complete.infoHash);
    expect(await daemon.addTorrent(half.torrent)).toBe(half.infoHash);
    await daemon.admin.call('torrent-add', { filename: `magnet:?xt=urn:btih:${magnetHash}&dn=Nobody.Seeds.This.2024`, 'download-dir': daemon.downloads, paused: false });

    const c = new TrClient({ name: 'main', url: daemon.url, username: USERNAME, password: PASSWORD });
    const read = async (hash: string) => (await c.torrents('full')).torrents.find((t) => t.hashString === hash);
    const seeding = await until(async () => {
      const t = await read(complete.infoHash);
      return t && progressFields(t).complete ? t : undefined;
    }, 'the complete torrent verified');
    expect(progressFields(seeding)).toMatchObject({ complete: true, progress: 1, size: complete.size, client_state: 'seeding', eta_s: null });

    const halfway = await until(async () => {
      const t = await read(half.infoHash);
      return t?.status === 4 ? t : undefined;
    }, 'the half torrent verified and downloading');
    expect(progressFields(halfway)).toMatchObject({ complete: false, progress: 0.5, size: half.size, client_state: 'downloading', speed_bps: 0, eta_s: null, seeds: 0 });

    const magnet = await read(magnetHash);
    expect(magnet).toMatchObject({ status: 4, sizeWhenDone: 0, leftUntilDone: 0, metadataPercentComplete: 0 });
    expect(progressFields(magnet!)).toMatchObject({ client_state: 'metaDL', complete: false, size: null });
  });

  it('through a real tracker: DOWNLOADED, DOWNLOADING + stuck reasons, FAILED on a local error, GRABBING with metaDL; a daemon restart is a new handshake', async () => {
    const movies: Record<string, MovieSpec> = {
      complete: { requestId: 401, tmdbId: 401401, title: 'Complete Movie', year: 2024, radarrId: 41, hash: complete.infoHash },
      half: { requestId: 402, tmdbId: 402402, title: 'Half Movie', year: 2024, radarrId: 42, hash: half.infoHash },
      magnet: { requestId: 403, tmdbId: 403403, title: 'Nobody Seeds This', year: 2024, radarrId: 43, hash: magnetHash },
    };
    let h: Harness | null = null;
    let rec: Recorder | null = null;
    try {
      h = await startTracker({ transmission: [{ name: 'main', url: daemon.url, username: USERNAME, password: PASSWORD }], intervals: { transmission_s: 3600 } });
      rec = await Recorder.connect(h.tracker.endpoints.mqttUrl);
      const r = rec;
      for (const m of Object.values(movies)) {
        expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m))).status).toBe(200);
        // Radarr sends Transmission's hashString upper-cased as the downloadId.
        expect((await h.post('/hooks/radarr', radarrGrab(m))).status).toBe(200);
        await r.untilState(`jellyseerr-${m.requestId}`, 'GRABBING');
      }
      const watcher = h.tracker.watchers.find((w) => w.name === 'transmission/main') as TransmissionWatcher | undefined;
      expect(watcher).toBeDefined();
      const w = watcher!;
      const cycle = () => w.poke();
      const stuckOf = (id: string) => (r.state(id)?.stuck as { reason: string } | null | undefined)?.reason ?? null;
      const untilStuck = async (id: string, reason: string) => {
        await until(
          async () => {
            await cycle();
            return stuckOf(id) === reason || undefined;
          },
          () => `${id}: stuck "${reason}" (last: ${JSON.stringify(r.state(id))}, daemon: ${JSON.stringify(daemon.output.slice(-500))})`,
        );
      };

      await cycle();
      expect(w.status()).toMatchObject({ name: 'transmission/main', healthy: true, detail: { torrents: 3, tracked: 3 } });
      expect(String(w.status().detail?.version)).toMatch(/^\d+\.\d+/);
      expect(w.covers(complete.infoHash.toUpperCase())).toBe(true);
      expect(w.covers('0'.repeat(40))).toBe(false);

      const done = await r.untilState('jellyseerr-401', 'DOWNLOADED');
      expect(done).toMatchObject({ progress: 1, stuck: null });

      const downloading = await r.untilState('jellyseerr-402', 'DOWNLOADING');
      expect(downloading).toMatchObject({ progress: 0.5, client_state: 'downloading' });
      await untilStuck('jellyseerr-402', 'Transmission: stalled, no peers sending data');

      const grabbing = await r.until(() => (r.state('jellyseerr-403')?.client_state === 'metaDL' ? r.state('jellyseerr-403') : undefined), 'jellyseerr-403 metaDL');
      expect(grabbing).toMatchObject({ state: 'GRABBING', progress: 0, stuck: null });

      // Paused.
      await daemon.admin.call('torrent-stop', { ids: [half.infoHash] });
      await untilStuck('jellyseerr-402', 'Transmission: paused');
      expect(r.state('jellyseerr-402')).toMatchObject({ state: 'DOWNLOADING', client_state: 'stopped' });

      // Its data gone, then started: Transmission's local error (error 3) → FAILED with its words.
      await unlink(join(daemon.downloads, half.name));
      await daemon.admin.call('torrent-start', { ids: [half.infoHash] });
      const errored = await until(async () => {
        const t = await daemon.get(half.infoHash);
        return t?.error === 3 ? t : undefined;
      }, 'the local error in the daemon');
      const failed = await until(
        async () => {
          await cycle();
          return r.state('jellyseerr-402')?.state === 'FAILED' ? r.state('jellyseerr-402') : undefined;
        },
        () => `jellyseerr-402 FAILED (last: ${JSON.stringify(r.state('jellyseerr-402'))})`,
      );
      expect(failed.stuck).toBeNull();
      const reasons = r.events('jellyseerr-402').map((e) => String(e.reason ?? ''));
      expect(
        reasons.some((x) => x.includes(`Download failed: Transmission: ${String(errored.errorString)}`)),
        reasons.join(' | '),
      ).toBe(true);

      // The cycles since the first read were incremental ("recently-active").
      expect(w.reads.full).toBe(1);
      expect(w.reads.recent).toBeGreaterThan(3);

      // The daemon restarts: a new session id and new torrent ids. The next cycle shakes hands again.
      const handshakes = w.client.stats.handshakes;
      await daemon.stop();
      await cycle();
      expect(w.status().healthy).toBe(false);
      await daemon.start();
      await cycle();
      expect(w.client.stats.handshakes).toBe(handshakes + 1);
      expect(w.client.renewals).toBe(1);
      expect(w.status().healthy).toBe(true);
      await cycle();
      // A failed read and a restart: the first read after them is a full one.
      expect(w.reads.full).toBeGreaterThanOrEqual(2);
      expect(r.state('jellyseerr-401')).toMatchObject({ state: 'DOWNLOADED' });

      // A removal learnt from `removed` (ids of the new run) → removed + stuck reason.
      const fullBefore = w.reads.full;
      await daemon.admin.call('torrent-remove', { ids: [magnetHash], 'delete-local-data': true });
      await untilStuck('jellyseerr-403', 'Transmission: torrent removed before it finished');
      expect(w.reads.full).toBe(fullBefore);
      expect(r.state('jellyseerr-403')).toMatchObject({ state: 'GRABBING' });
    } finally {
      await rec?.close();
      await h?.stop();
    }
  });
});
