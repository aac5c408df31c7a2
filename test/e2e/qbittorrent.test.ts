/**
 * The qBittorrent watcher against the REAL `qbittorrent-nox`: two instances, each with its own
 * temporary profile (WebUI and BitTorrent on 127.0.0.1 only; DHT, PeX, LSD, UPnP/NAT-PMP and
 * GeoIP look-ups off; no trackers), so no traffic leaves loopback.
 *
 * Instance A seeds a torrent whose data is already in its save path and has a second torrent
 * whose data exists nowhere (stuck, incomplete). Instance B downloads the first torrent from A
 * over 127.0.0.1 at a limited rate, so the watcher sees progress rise across cycles and then
 * completion. Checked through `QbClient` and the watchers: login, `sync/maindata` full then
 * delta (a new torrent arrives complete inside a delta), the mapping of seeding / incomplete
 * torrents, stuck reasons, and removal. Last, a real tracker follows a magnet no peer can send
 * the metadata of (it stays in `metaDL`, `total_size: -1`): GRABBING with `client_state: metaDL`
 * on MQTT, and the stuck monitor's "still fetching metadata" past its threshold.
 *
 * Needs `/usr/bin/qbittorrent-nox` (or $QBITTORRENT_NOX): `bash scripts/e2e-deps.sh` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import type { DownloadProgressEvent, StuckEvent, UnstampedEvent } from '../../src/domain/events.js';
import { createLogger, setLogLevel } from '../../src/log.js';
import type { Watcher } from '../../src/watchers/loop.js';
import type { TrackedView } from '../../src/watchers/types.js';
import { QbClient } from '../../src/integrations/qbittorrent/client.js';
import { createQbittorrentWatchers } from '../../src/integrations/qbittorrent/watcher.js';
import { makeTorrentFile, pseudoRandomBytes, QbAdmin, qbPasswordHash, type TorrentFile } from '../helpers/qbittorrent.js';
import { freePorts } from '../helpers/ports.js';
import { Recorder, startTracker } from '../helpers/tracker.js';
import { waitFor } from '../helpers/wait.js';
import { alive, children } from '../helpers/child.js';

const QBT = process.env.QBITTORRENT_NOX ?? '/usr/bin/qbittorrent-nox';
const USERNAME = 'tracker';
const PASSWORD = 'e2e-Qb-passw0rd-7c1d';

const versionText = existsSync(QBT) ? spawnSync(QBT, ['--version'], { encoding: 'utf8', timeout: 10_000 }).stdout.trim() : '';
const versionMatch = /v(\d+)\.(\d+)\.(\d+)/.exec(versionText);
const [major, minor] = versionMatch ? [Number(versionMatch[1]), Number(versionMatch[2])] : [0, 0];
const atLeast = (ma: number, mi: number): boolean => major > ma || (major === ma && minor >= mi);

/** The waits of this file give up after 30 s unless told otherwise (qbittorrent-nox is slow to start and to connect peers). */
const until = <T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000, everyMs = 100) => waitFor(check, what, { timeoutMs, everyMs });

/** One qbittorrent-nox with its own profile, WebUI port and BitTorrent port, all on 127.0.0.1. */
class QbNox {
  proc: ChildProcess | null = null;
  output = '';
  readonly saveDir: string;
  readonly url: string;
  readonly admin: QbAdmin;

  constructor(
    readonly label: string,
    readonly dir: string,
    readonly webPort: number,
    readonly btPort: number,
  ) {
    this.saveDir = join(dir, 'downloads');
    this.url = `http://127.0.0.1:${webPort}`;
    this.admin = new QbAdmin(this.url, USERNAME, PASSWORD);
  }

  async start(): Promise<void> {
    const configDir = join(this.dir, 'profile', 'qBittorrent', 'config');
    await mkdir(configDir, { recursive: true });
    await mkdir(this.saveDir, { recursive: true });
    const conf = [
      '[LegalNotice]',
      'Accepted=true',
      '',
      '[BitTorrent]',
      'Session\\DHTEnabled=false',
      'Session\\PeXEnabled=false',
      'Session\\LSDEnabled=false',
      'Session\\AnonymousModeEnabled=false',
      'Session\\AddTrackersEnabled=false',
      `Session\\Port=${this.btPort}`,
      'Session\\Interface=lo',
      'Session\\InterfaceName=lo',
      'Session\\InterfaceAddress=127.0.0.1',
      `Session\\DefaultSavePath=${this.saveDir}`,
      'Session\\TempPathEnabled=false',
      'Session\\QueueingSystemEnabled=false',
      '',
      '[Network]',
      'PortForwardingEnabled=false',
      '',
      '[Preferences]',
      'Connection\\UPnP=false',
      'Connection\\ResolvePeerCountries=false',
      'General\\Locale=en',
      'WebUI\\Enabled=true',
      'WebUI\\Address=127.0.0.1',
      `WebUI\\Port=${this.webPort}`,
      'WebUI\\UseUPnP=false',
      `WebUI\\Username=${USERNAME}`,
      `WebUI\\Password_PBKDF2=${qbPasswordHash(PASSWORD)}`,
      // Authentication is required even from localhost: the watcher must log in.
      'WebUI\\LocalHostAuth=true',
      'WebUI\\AuthSubnetWhitelistEnabled=false',
      'WebUI\\CSRFProtection=true',
      'WebUI\\HostHeaderValidation=true',
      '',
    ].join('\n');
    await writeFile(join(configDir, 'qBittorrent.conf'), conf);

    const args = [`--profile=${join(this.dir, 'profile')}`, `--webui-port=${this.webPort}`];
    if (atLeast(5, 0)) args.push('--confirm-legal-notice');
    const proc = spawn(QBT, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: this.dir } });
    this.proc = proc;
    children.add(proc);
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    await until(
      async () => {
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`${this.label}: qbittorrent-nox exited (${proc.exitCode ?? proc.signalCode}):\n${this.output}\n${this.log()}`);
        try {
          await this.admin.login();
          return true;
        } catch {
          return undefined;
        }
      },
      `${this.label}: WebUI on ${this.url}`,
      30_000,
      200,
    );
  }

  /** qBittorrent's own log, for failure messages. */
  log(): string {
    const file = join(this.dir, 'profile', 'qBittorrent', 'data', 'logs', 'qbittorrent.log');
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-30).join('\n') : '(no log)';
  }

  async add(file: TorrentFile, extra: Record<string, string> = {}): Promise<void> {
    await this.admin.addTorrent(file, {
      savepath: this.saveDir,
      autoTMM: 'false',
      [atLeast(5, 0) ? 'stopped' : 'paused']: 'false',
      ...extra,
    });
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
}

type Progress = Omit<DownloadProgressEvent, 'at'>;
type Stuck = Omit<StuckEvent, 'at'>;

const installed = versionMatch !== null;
if (!installed) console.warn(`qbittorrent e2e: ${QBT} not found or unreadable version ("${versionText}"); run bash scripts/e2e-deps.sh`);

describe.skipIf(!installed)(`real qbittorrent-nox (${versionText})`, () => {
  let root = '';
  let a: QbNox;
  let b: QbNox;
  const seedData = pseudoRandomBytes(2 * 1024 * 1024 + 12_345, 'media-tracker e2e seed');
  const seed = makeTorrentFile('Seeded.Movie.2024.1080p.bin', seedData);
  const missing = makeTorrentFile('Missing.Show.S01E01.bin', pseudoRandomBytes(1024 * 1024, 'media-tracker e2e missing'));
  const events: UnstampedEvent[] = [];
  const tracked = new Set<string>([seed.infoHash, missing.infoHash]);
  const view: TrackedView = { openRequests: () => [], request: () => undefined, trackedHashes: () => tracked };
  let watchers: Watcher[] = [];
  const progress = (instance: string, hash: string): Progress[] =>
    events.filter((e): e is Progress => e.kind === 'download_progress' && e.hash === hash && e.key.startsWith(`qbittorrent:${instance}:`));
  const stuck = (hash: string): Stuck[] => events.filter((e): e is Stuck => e.kind === 'stuck' && e.match.hash === hash);

  beforeAll(async () => {
    setLogLevel('error');
    root = await mkdtemp(join(tmpdir(), 'mt-qbittorrent-'));
    const [webA, btA, webB, btB] = await freePorts(4);
    a = new QbNox('A', join(root, 'a'), webA!, btA!);
    b = new QbNox('B', join(root, 'b'), webB!, btB!);
    await Promise.all([a.start(), b.start()]);
  });

  afterAll(async () => {
    for (const w of watchers) await w.stop();
    await Promise.allSettled([a?.stop(), b?.stop()]);
    for (const p of children) if (alive(p)) p.kill('SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('the installed version is one the watcher understands', () => {
    expect(versionText).toMatch(/^qBittorrent v\d+\.\d+\.\d+/);
    expect(major).toBeGreaterThanOrEqual(4);
  });

  it('refuses a wrong password with a clear error that does not contain it', async () => {
    const wrong = 'definitely-Not-It-42';
    const c = new QbClient({ name: 'a', url: a.url, username: USERNAME, password: wrong });
    const err = await c.maindata(0).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toBe('qbittorrent/a: login refused: wrong username or password');
    expect(err?.message).not.toContain(wrong);
  });

  it('logs in and syncs maindata: a full snapshot, then deltas; a new torrent arrives complete in a delta', async () => {
    const c = new QbClient({ name: 'a', url: a.url, username: USERNAME, password: PASSWORD });
    const full = await c.maindata(0);
    expect(c.cookieName).toBe(atLeast(5, 2) ? `QBT_SID_${a.webPort}` : 'SID');
    expect(c.loginFlavour).toBe(atLeast(5, 2) ? 'v5.2' : 'legacy');
    expect(c.apiVersion).toMatch(/^2\.\d+/);
    expect(full.full_update).toBe(true);
    expect(Object.keys(full.torrents ?? {})).toEqual([]);
    expect(full.server_state).toBeDefined();

    // The seeded torrent's data is already in A's save path; the other's is nowhere.
    await writeFile(join(a.saveDir, seed.name), seedData);
    await a.add(seed);
    await a.add(missing);

    const delta = await until(async () => {
      const d = await c.maindata(full.rid);
      return Object.keys(d.torrents ?? {}).length === 2 ? d : undefined;
    }, 'both torrents in a maindata delta');
    expect(delta.full_update).toBeUndefined();
    expect(delta.rid).not.toBe(full.rid);
    for (const t of [seed, missing]) {
      const got = delta.torrents?.[t.infoHash];
      expect(got, t.name).toMatchObject({ name: t.name, size: t.size, total_size: t.size });
      expect(typeof got?.state).toBe('string');
      expect(typeof got?.progress).toBe('number');
      expect(got?.hash).toBeUndefined(); // the key is the hash
    }
    // An unchanged state gives a delta without that torrent's unchanged fields.
    const next = await c.maindata(delta.rid);
    expect(next.full_update).toBeUndefined();
    for (const fields of Object.values(next.torrents ?? {})) expect(fields.name).toBeUndefined();
  });

  it('the watcher maps the seeding torrent to complete and the missing one to incomplete + stuck', async () => {
    watchers = createQbittorrentWatchers({
      instances: [
        { name: 'a', url: a.url, username: USERNAME, password: PASSWORD },
        { name: 'b', url: b.url, username: USERNAME, password: PASSWORD },
      ],
      intervalS: 0.4,
      sink: {
        ingest: async (batch) => {
          events.push(...batch);
        },
      },
      view,
      log: createLogger('e2e'),
    });
    for (const w of watchers) w.start();
    const [wa] = watchers;

    const done = await until(() => progress('a', seed.infoHash).find((e) => e.complete), `A: ${seed.name} complete (${a.log()})`);
    expect(done).toMatchObject({ source: 'qbittorrent', progress: 1, complete: true, size: seed.size, eta_s: null, match: { hash: seed.infoHash, scope: 'active' } });
    expect(['uploading', 'stalledUP', 'queuedUP', 'forcedUP']).toContain(done.client_state);

    const stalled = await until(() => progress('a', missing.infoHash).find((e) => e.client_state === 'stalledDL'), `A: ${missing.name} stalled`);
    expect(stalled).toMatchObject({ complete: false, progress: 0, size: missing.size, seeds: 0 });
    for (const e of progress('a', missing.infoHash)) expect(e.complete).toBe(false);
    await until(() => stuck(missing.infoHash).find((s) => s.reason === 'qBittorrent: stalled, 0 seeds'), 'stalled stuck reason');

    expect(wa?.status()).toMatchObject({ name: 'qbittorrent/a', healthy: true, detail: { torrents: 2, tracked: 2 } });
    expect(String(wa?.status().detail?.api_version)).toMatch(/^2\.\d+/);
  });

  it('instance B downloads the seeded torrent from A over 127.0.0.1: progress rises across cycles, then completes', async () => {
    await b.add(seed, { dlLimit: String(192 * 1024) });
    const inB = await until(async () => {
      const list = await b.admin.get<Array<{ hash: string; state: string }>>(`/api/v2/torrents/info?hashes=${seed.infoHash}`);
      return list[0];
    }, 'the torrent in B');
    expect(inB.hash).toBe(seed.infoHash);
    await b.admin.post('/api/v2/torrents/addPeers', { hashes: seed.infoHash, peers: `127.0.0.1:${a.btPort}` });

    const final = await until(() => progress('b', seed.infoHash).find((e) => e.complete), `B: ${seed.name} complete (B log:\n${b.log()})`, 90_000, 200);
    expect(['uploading', 'stalledUP', 'queuedUP', 'forcedUP']).toContain(final.client_state);
    expect(final.progress).toBe(1);

    const seen = progress('b', seed.infoHash).filter((e) => !e.complete);
    const values = seen.map((e) => e.progress);
    // Progress was observed partway, several times, never going back.
    const partial = values.filter((p) => p > 0 && p < 1);
    expect(partial.length, `progress values seen: ${values.join(', ')}`).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < values.length; i++) expect(values[i]!).toBeGreaterThanOrEqual(values[i - 1]!);
    expect(seen.some((e) => e.client_state === 'downloading' && (e.speed_bps ?? 0) > 0 && e.eta_s !== null)).toBe(true);
    // Sent only on change: never the same (progress, state) twice in a row within a minute.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.key).not.toBe(seen[i - 1]!.key);
  });

  it('a tracked torrent deleted before it finished → removed + stuck reason', async () => {
    await a.admin.post('/api/v2/torrents/delete', { hashes: missing.infoHash, deleteFiles: 'false' });
    const removed = await until(() => progress('a', missing.infoHash).find((e) => e.removed), 'the removed event');
    expect(removed).toMatchObject({ removed: true, complete: false });
    await until(() => stuck(missing.infoHash).find((s) => s.reason === 'qBittorrent: torrent removed before it finished'), 'removed stuck reason');
    // The finished seed stays; deleting it from B after completion is not a problem.
    const before = events.length;
    await b.admin.post('/api/v2/torrents/delete', { hashes: seed.infoHash, deleteFiles: 'true' });
    await until(() => ((watchers[1]?.status().detail?.torrents as number) === 0 ? true : undefined), 'B empty');
    expect(events.slice(before).filter((e) => e.key.startsWith('qbittorrent:b:') && ((e.kind === 'download_progress' && e.removed) || e.kind === 'stuck'))).toEqual([]);
  });

  it('a magnet nobody has the metadata of: the tracker keeps the request GRABBING with client_state metaDL, and the stuck monitor says why', async () => {
    // No trackers, no DHT/PeX/LSD: no peer can ever send this torrent's metadata.
    const hash = createHash('sha1').update('media-tracker e2e: a magnet without peers').digest('hex');
    const movie: MovieSpec = { requestId: 301, tmdbId: 301301, title: 'Nobody Seeds This', year: 2024, radarrId: 31, hash };
    await a.admin.addMagnet(`magnet:?xt=urn:btih:${hash}&dn=Nobody.Seeds.This.2024.1080p`, { savepath: a.saveDir, [atLeast(5, 0) ? 'stopped' : 'paused']: 'false' });
    const info = await until(async () => {
      const [t] = await a.admin.get<Array<Record<string, unknown>>>(`/api/v2/torrents/info?hashes=${hash}`);
      return t && t.state !== 'checkingResumeData' ? t : undefined;
    }, 'the magnet in A');
    // What qBittorrent says of it (4.5: no `has_metadata` field; 5.x adds it as false).
    expect(info).toMatchObject({ state: 'metaDL', total_size: -1, size: 0, progress: 0 });
    if ('has_metadata' in info) expect(info.has_metadata).toBe(false);

    let now = Date.parse('2026-01-01T10:00:00Z');
    const h = await startTracker({ qbittorrent: [{ name: 'a', url: a.url, username: USERNAME, password: PASSWORD }], intervals: { qbittorrent_s: 3600 } }, undefined, { clock: () => new Date(now) });
    const rec = await Recorder.connect(h.tracker.endpoints.mqttUrl);
    try {
      const id = 'jellyseerr-301';
      for (const [route, body] of [
        ['/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie)],
        ['/hooks/radarr', radarrGrab(movie)],
      ] as const) {
        expect((await h.post(route, body)).status).toBe(200);
      }
      await rec.untilState(id, 'GRABBING');
      await h.tracker.watchers.find((w) => w.name === 'qbittorrent/a')!.poke!();
      const fetching = await rec.until(
        () => {
          const st = rec.state(id);
          return st?.client_state === 'metaDL' ? st : undefined;
        },
        () => `client_state metaDL (last: ${JSON.stringify(rec.state(id)?.client_state)})`,
      );
      expect(fetching).toMatchObject({ state: 'GRABBING', progress: 0, stuck: null });

      now += 31 * 60_000;
      await h.tracker.watchers.find((w) => w.name === 'stuck')!.poke!();
      const flagged = await rec.until(() => (rec.state(id)?.stuck as { reason: string } | null)?.reason, 'the stuck flag');
      expect(flagged).toBe("Grabbed 31 min ago, still fetching metadata (no peers with the torrent's metadata)");
      expect(rec.state(id)?.state).toBe('GRABBING');

      // Stopped before its metadata came: qBittorrent's own state changes, total_size stays -1.
      await a.admin.post(atLeast(5, 0) ? '/api/v2/torrents/stop' : '/api/v2/torrents/pause', { hashes: hash });
      await until(async () => {
        const [t] = await a.admin.get<Array<Record<string, unknown>>>(`/api/v2/torrents/info?hashes=${hash}`);
        return t?.state === (atLeast(5, 0) ? 'stoppedDL' : 'pausedDL') && t.total_size === -1 ? t : undefined;
      }, 'the magnet stopped in A');
      await h.tracker.watchers.find((w) => w.name === 'qbittorrent/a')!.poke!();
      await rec.until(() => (rec.state(id)?.stuck as { reason: string } | null)?.reason === 'qBittorrent: paused' || undefined, 'the paused flag');
      expect(rec.state(id)).toMatchObject({ state: 'GRABBING', client_state: 'metaDL', progress: 0 });
    } finally {
      await rec.close();
      await h.stop();
      await a.admin.post('/api/v2/torrents/delete', { hashes: hash, deleteFiles: 'true' });
    }
  });
});
