/**
 * The Deluge integration against the REAL `deluged` and `deluge-web` (Debian's packages), started
 * by the suite with one temporary config dir: the daemon's RPC, the Web UI and the peer port on
 * 127.0.0.1, DHT, UPnP, NAT-PMP, LSD and uTP-PEX off, no trackers, so no traffic leaves
 * loopback (docs/download-clients.md §3.5). The `auth` file and the Web UI's host list are
 * written before the start (the daemon port is a free one, not 58846); the Web UI password is
 * Deluge's default, `deluge`. Both run with `-L none` (2.0.3's logger breaks on Python 3.11).
 *
 * Three torrents added with `core.add_torrent_file`: one whose data is all in the download dir
 * (checked, then seeding: complete), two with half their data and no peer. Checked through
 * `DelugeClient` (login, the Web UI connected to the daemon, version, the keys) and through a
 * real tracker's MQTT state: DOWNLOADED; DOWNLOADING with "stalled, no peers" once the
 * tracker's clock is 3 min on, then "paused"; a folder where a torrent's file should be and a
 * recheck → Deluge's Error state → FAILED with its message; deluge-web restarted → a failed
 * cycle, then the daemon connected again (its sessions survive in web.conf); restarted with
 * its sessions gone → a fresh login; deluged restarted under it → a read that times out (2.0.3
 * never answers once its daemon went away), then the daemon connected again; a torrent removed
 * before it finished → removed + stuck.
 *
 * Needs `/usr/bin/deluged` and `/usr/bin/deluge-web` (or $DELUGED, $DELUGE_WEB): `bash scripts/e2e-deps.sh` installs them.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { DelugeClient } from '../../src/integrations/deluge/client.js';
import { progressFields } from '../../src/integrations/deluge/map.js';
import type { DelugeWatcher } from '../../src/integrations/deluge/watcher.js';
import { setLogLevel } from '../../src/log.js';
import { DelugeAdmin } from '../helpers/deluge.js';
import { freePorts } from '../helpers/ports.js';
import { makeTorrentFile, pseudoRandomBytes } from '../helpers/qbittorrent.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';
import { waitFor } from '../helpers/wait.js';
import { alive, children } from '../helpers/child.js';

const DELUGED = process.env.DELUGED ?? '/usr/bin/deluged';
const DELUGE_WEB = process.env.DELUGE_WEB ?? '/usr/bin/deluge-web';
const PASSWORD = 'deluge';

const versionText = existsSync(DELUGED) && existsSync(DELUGE_WEB) ? `${spawnSync(DELUGED, ['--version'], { encoding: 'utf8', timeout: 20_000 }).stdout ?? ''}`.trim().split('\n')[0]! : '';
const installed = /^deluged \d+\.\d+/.test(versionText);
if (!installed) console.warn(`deluge e2e: ${DELUGED} or ${DELUGE_WEB} not found or unreadable version ("${versionText}"); run bash scripts/e2e-deps.sh`);

const until = <T>(check: () => Promise<T | undefined> | T | undefined, what: string | (() => string), timeoutMs = 30_000, everyMs = 150) => waitFor(check, what, { timeoutMs, everyMs });

/** deluged and deluge-web in the foreground, sharing one config dir, all on 127.0.0.1. */
class Deluge {
  daemon: ChildProcess | null = null;
  web: ChildProcess | null = null;
  output = '';
  readonly downloads: string;
  readonly url: string;
  readonly admin: DelugeAdmin;

  constructor(
    readonly dir: string,
    readonly daemonPort: number,
    readonly webPort: number,
    readonly peerPort: number,
  ) {
    this.downloads = join(dir, 'downloads');
    this.url = `http://127.0.0.1:${webPort}`;
    this.admin = new DelugeAdmin(this.url, PASSWORD);
  }

  async configure(): Promise<void> {
    await mkdir(this.downloads, { recursive: true });
    const core = {
      dht: false,
      upnp: false,
      natpmp: false,
      lsd: false,
      utpex: false,
      new_release_check: false,
      allow_remote: false,
      listen_interface: '127.0.0.1',
      listen_ports: [this.peerPort, this.peerPort],
      random_port: false,
      download_location: this.downloads,
      move_completed: false,
      queue_new_to_top: false,
      max_active_downloading: -1,
      max_active_seeding: -1,
      max_active_limit: -1,
    };
    await writeFile(join(this.dir, 'core.conf'), `${JSON.stringify({ file: 1, format: 1 })}${JSON.stringify(core, null, 2)}`);
    const localPassword = randomBytes(20).toString('hex');
    await writeFile(join(this.dir, 'auth'), `localclient:${localPassword}:10\n`);
    // The Web UI's host list, pointing at this daemon's port (deluge-web would write 58846).
    const hosts = { hosts: [[randomBytes(16).toString('hex'), '127.0.0.1', this.daemonPort, 'localclient', localPassword]] };
    await writeFile(join(this.dir, 'hostlist.conf'), `${JSON.stringify({ file: 3, format: 1 })}${JSON.stringify(hosts, null, 2)}`);
  }

  private spawn(bin: string, args: string[]): ChildProcess {
    const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: this.dir } });
    children.add(proc);
    const name = bin.split('/').pop();
    proc.stdout?.on('data', (d: Buffer) => (this.output += `[${name}] ${d.toString()}`));
    proc.stderr?.on('data', (d: Buffer) => (this.output += `[${name}] ${d.toString()}`));
    return proc;
  }

  async startDaemon(): Promise<void> {
    const proc = this.spawn(DELUGED, ['-d', '-c', this.dir, '-u', '127.0.0.1', '-p', String(this.daemonPort), '-L', 'none']);
    this.daemon = proc;
    // Ready when its RPC port accepts a connection.
    await until(async () => {
      if (!alive(proc)) throw new Error(`deluged exited:\n${this.output}`);
      const { createConnection } = await import('node:net');
      return new Promise<true | undefined>((resolve) => {
        const s = createConnection({ host: '127.0.0.1', port: this.daemonPort }, () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(undefined));
      });
    }, `deluged on 127.0.0.1:${this.daemonPort}`);
  }

  async startWeb(): Promise<void> {
    const proc = this.spawn(DELUGE_WEB, ['-d', '-c', this.dir, '-i', '127.0.0.1', '-p', String(this.webPort), '-L', 'none']);
    this.web = proc;
    await until(async () => {
      if (!alive(proc)) throw new Error(`deluge-web exited:\n${this.output}`);
      try {
        await this.admin.login();
        return true;
      } catch {
        return undefined;
      }
    }, `deluge-web on ${this.url}`);
  }

  async stop(which: 'web' | 'daemon'): Promise<void> {
    const p = which === 'web' ? this.web : this.daemon;
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

  /** Empties the Web UI's stored sessions (web.conf: a header object, then the settings); only while it is stopped. */
  async forgetSessions(): Promise<void> {
    const file = join(this.dir, 'web.conf');
    const text = await readFile(file, 'utf8');
    const cut = text.indexOf('}') + 1;
    const conf = JSON.parse(text.slice(cut)) as Record<string, unknown>;
    expect(Object.keys(conf.sessions as object).length).toBeGreaterThan(0);
    await writeFile(file, `${text.slice(0, cut)}${JSON.stringify({ ...conf, sessions: {} }, null, 4)}`);
  }

  async addTorrent(name: string, torrent: Buffer): Promise<string> {
    await this.admin.connectDaemon();
    const id = await this.admin.call<string | null>('core.add_torrent_file', [`${name}.torrent`, torrent.toString('base64'), { download_location: this.downloads, add_paused: false }]);
    if (!id) throw new Error(`core.add_torrent_file ${name}: no id (a duplicate?)`);
    return id;
  }

  async status(hash: string): Promise<Record<string, unknown> | undefined> {
    await this.admin.connectDaemon();
    return this.admin.call<Record<string, unknown>>('core.get_torrent_status', [hash, ['state', 'message', 'is_finished', 'progress', 'total_wanted', 'total_remaining', 'num_seeds', 'num_peers']]);
  }
}

const PIECE = 16 * 1024;

describe.skipIf(!installed)(`real deluged + deluge-web (${versionText})`, () => {
  let root = '';
  let deluge: Deluge;
  const fullData = pseudoRandomBytes(PIECE * 64 + 555, 'media-tracker deluge e2e: complete');
  const complete = makeTorrentFile('Complete.Movie.2024.1080p.bin', fullData, PIECE);
  const halfData = pseudoRandomBytes(PIECE * 64, 'media-tracker deluge e2e: half');
  const half = makeTorrentFile('Half.Movie.2024.1080p.bin', halfData, PIECE);
  const brokenData = pseudoRandomBytes(PIECE * 32, 'media-tracker deluge e2e: broken');
  const broken = makeTorrentFile('Broken.Movie.2024.1080p.bin', brokenData, PIECE);

  beforeAll(async () => {
    setLogLevel('error');
    root = await mkdtemp(join(tmpdir(), 'mt-deluge-'));
    const [daemonPort, webPort, peerPort] = await freePorts(3);
    deluge = new Deluge(root, daemonPort!, webPort!, peerPort!);
    await deluge.configure();
    await deluge.startDaemon();
    await deluge.startWeb();
  }, 90_000);

  afterAll(async () => {
    await deluge?.stop('web');
    await deluge?.stop('daemon');
    for (const p of children) if (alive(p)) p.kill('SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses a wrong password with a clear error that does not contain it', async () => {
    const wrong = 'definitely-Not-It-42';
    const c = new DelugeClient({ name: 'main', url: deluge.url, password: wrong });
    const err = await c.torrents([]).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('deluge/main: login refused: wrong Web UI password');
    expect(String(err?.stack)).not.toContain(wrong);
  });

  it('logs in, connects the Web UI to the daemon from its host list, reads the version and an empty list', async () => {
    const c = new DelugeClient({ name: 'main', url: deluge.url, password: PASSWORD });
    expect(await c.daemonVersion()).toBe(versionText.replace(/^deluged /, ''));
    expect(c.stats.logins).toBe(1);
    expect(c.stats.connects).toBe(1);
    expect(c.connectedTo).toBe(`127.0.0.1:${deluge.daemonPort}`);
    expect(await c.torrents([])).toEqual({});
    expect(await c.torrents(['0'.repeat(40)])).toEqual({});
    const before = c.requests;
    expect(await c.torrents([])).toEqual({});
    expect(c.requests).toBe(before + 1);
  });

  it('maps what the daemon says of a complete torrent and a half one without peers', async () => {
    await writeFile(join(deluge.downloads, complete.name), fullData);
    await writeFile(join(deluge.downloads, half.name), halfData.subarray(0, halfData.length / 2));
    await writeFile(join(deluge.downloads, broken.name), brokenData.subarray(0, brokenData.length / 2));
    expect(await deluge.addTorrent('complete', complete.torrent)).toBe(complete.infoHash);
    expect(await deluge.addTorrent('half', half.torrent)).toBe(half.infoHash);
    expect(await deluge.addTorrent('broken', broken.torrent)).toBe(broken.infoHash);

    const c = new DelugeClient({ name: 'main', url: deluge.url, password: PASSWORD });
    const read = async (hash: string) => (await c.torrents([hash]))[hash];
    const seeding = await until(async () => {
      const t = await read(complete.infoHash);
      return t && progressFields(t).complete ? t : undefined;
    }, 'the complete torrent checked');
    expect(seeding).toMatchObject({ hash: complete.infoHash, state: 'Seeding', is_finished: true, total_wanted: complete.size });
    expect(progressFields(seeding)).toMatchObject({ complete: true, progress: 1, size: complete.size, size_left: 0, client_state: 'Seeding', eta_s: null });

    const halfway = await until(async () => {
      const t = await read(half.infoHash);
      return t?.state === 'Downloading' && t.total_remaining === half.size / 2 ? t : undefined;
    }, 'the half torrent checked and downloading');
    expect(progressFields(halfway)).toMatchObject({ complete: false, progress: 0.5, size: half.size, size_left: half.size / 2, client_state: 'Downloading', speed_bps: 0, eta_s: null, seeds: 0 });
    expect(halfway).toMatchObject({ num_peers: 0, num_seeds: 0, message: 'OK' });
  });

  it('through a real tracker: DOWNLOADED, DOWNLOADING + stalled and paused, FAILED on Error, a deluge-web restart, a removal', async () => {
    const movies: Record<string, MovieSpec> = {
      complete: { requestId: 501, tmdbId: 501501, title: 'Complete Movie', year: 2024, radarrId: 51, hash: complete.infoHash },
      half: { requestId: 502, tmdbId: 502502, title: 'Half Movie', year: 2024, radarrId: 52, hash: half.infoHash },
      broken: { requestId: 503, tmdbId: 503503, title: 'Broken Movie', year: 2024, radarrId: 53, hash: broken.infoHash },
    };
    // The tracker's clock, moved forward to pass the "no peers for a while" threshold without waiting for it.
    let offsetMs = 0;
    const clock = () => new Date(Date.now() + offsetMs);
    let h: Harness | null = null;
    let rec: Recorder | null = null;
    try {
      h = await startTracker({ deluge: [{ name: 'main', url: deluge.url, password: PASSWORD }], intervals: { deluge_s: 3600 } }, undefined, { clock });
      rec = await Recorder.connect(h.tracker.endpoints.mqttUrl);
      const r = rec;
      for (const m of Object.values(movies)) {
        expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m))).status).toBe(200);
        // Radarr sends Deluge's hash upper-cased as the downloadId.
        expect((await h.post('/hooks/radarr', radarrGrab(m))).status).toBe(200);
        await r.untilState(`jellyseerr-${m.requestId}`, 'GRABBING');
      }
      const watcher = h.tracker.watchers.find((w) => w.name === 'deluge/main') as DelugeWatcher | undefined;
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
          () => `${id}: stuck "${reason}" (last: ${JSON.stringify(r.state(id))}, watcher: ${JSON.stringify(w.status())})`,
        );
      };

      await cycle();
      expect(w.status()).toMatchObject({ name: 'deluge/main', healthy: true, detail: { tracked: 3 } });
      expect(w.covers(complete.infoHash.toUpperCase())).toBe(true);

      const done = await r.untilState('jellyseerr-501', 'DOWNLOADED');
      expect(done).toMatchObject({ progress: 1, stuck: null });
      const downloading = await r.untilState('jellyseerr-502', 'DOWNLOADING');
      expect(downloading).toMatchObject({ progress: 0.5, client_state: 'Downloading', stuck: null });

      // No peer, nothing arriving: a stall once it lasted (3 min on the tracker's clock).
      offsetMs += 180_000;
      await untilStuck('jellyseerr-502', 'Deluge: stalled, no peers');

      // Paused.
      await deluge.admin.call('core.pause_torrent', [[half.infoHash]]);
      await untilStuck('jellyseerr-502', 'Deluge: paused');
      expect(r.state('jellyseerr-502')).toMatchObject({ state: 'DOWNLOADING', client_state: 'Paused' });

      // A folder where its file should be, then a recheck: libtorrent cannot read it, Deluge's
      // Error state → FAILED with its message.
      await rm(join(deluge.downloads, broken.name));
      await mkdir(join(deluge.downloads, broken.name, 'not-the-file'), { recursive: true });
      await deluge.admin.call('core.force_recheck', [[broken.infoHash]]);
      const errored = await until(
        async () => {
          const t = await deluge.status(broken.infoHash);
          return t?.state === 'Error' ? t : undefined;
        },
        () => `the Error state in Deluge (${deluge.output.slice(-500)})`,
      );
      const failed = await until(
        async () => {
          await cycle();
          return r.state('jellyseerr-503')?.state === 'FAILED' ? r.state('jellyseerr-503') : undefined;
        },
        () => `jellyseerr-503 FAILED (last: ${JSON.stringify(r.state('jellyseerr-503'))})`,
      );
      expect(failed.stuck).toBeNull();
      const reasons = r.events('jellyseerr-503').map((e) => String(e.reason ?? ''));
      expect(
        reasons.some((x) => x.includes(`Download failed: Deluge: ${String(errored.message)}`)),
        reasons.join(' | '),
      ).toBe(true);

      // deluge-web restarts: a failed cycle while it is down. Its sessions survive (web.conf
      // keeps them) but its daemon connection does not: the watcher connects it again.
      const { logins, connects } = w.client.stats;
      await deluge.stop('web');
      await cycle();
      expect(w.status().healthy).toBe(false);
      await deluge.startWeb();
      await cycle();
      expect(w.status().healthy, w.status().last_error ?? '').toBe(true);
      // deluge-web may reconnect its default daemon by itself as it starts (then the watcher has nothing to connect): at most one connect.
      expect(w.client.stats.logins).toBe(logins);
      expect(w.client.stats.connects - connects).toBeLessThanOrEqual(1);
      const afterRestart = w.client.stats.connects;
      // Restarted with its sessions gone (as after session_timeout): "Not authenticated" → a
      // fresh login, then the daemon connection.
      await deluge.stop('web');
      await deluge.forgetSessions();
      await deluge.startWeb();
      await cycle();
      expect(w.status().healthy, w.status().last_error ?? '').toBe(true);
      expect(w.client.stats.logins).toBe(logins + 1);
      expect(w.client.stats.connects - afterRestart).toBeLessThanOrEqual(1);
      const beforeDaemon = w.client.stats.connects;
      expect(r.state('jellyseerr-501')).toMatchObject({ state: 'DOWNLOADED' });

      // The daemon restarts under a running Web UI: 2.0.3 then never answers a core.* call, so
      // the read times out, the Web UI is found without its daemon and cannot connect it: a
      // failed cycle in plain words. Once deluged is back, the next cycle checks the connection
      // first, connects it, and reads.
      await deluge.stop('daemon');
      await cycle();
      expect(w.status()).toMatchObject({ healthy: false, last_error: expect.stringContaining(`could not connect to 127.0.0.1:${deluge.daemonPort} (is deluged running?`) });
      await deluge.startDaemon();
      await cycle();
      expect(w.status().healthy, w.status().last_error ?? '').toBe(true);
      // One attempt while deluged was down; once it is back, one more unless deluge-web has
      // already reconnected its default daemon by itself (it does, at times, on 2.0.3).
      expect(w.client.stats.connects - beforeDaemon).toBeGreaterThanOrEqual(1);
      expect(w.client.stats.connects - beforeDaemon).toBeLessThanOrEqual(2);
      expect(r.state('jellyseerr-501')).toMatchObject({ state: 'DOWNLOADED' });

      // Removed before it finished → removed + stuck reason.
      await deluge.admin.call('core.remove_torrent', [half.infoHash, false]);
      await untilStuck('jellyseerr-502', 'Deluge: torrent removed before it finished');
      expect(w.covers(half.infoHash.toUpperCase())).toBe(false);
      // Steady state: one request per cycle.
      const before = w.client.requests;
      await cycle();
      expect(w.client.requests).toBe(before + 1);
    } finally {
      await rec?.close();
      await h?.stop();
    }
  }, 180_000);
});
