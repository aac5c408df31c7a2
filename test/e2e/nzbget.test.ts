/**
 * The NZBGet integration against the REAL `nzbget` (Debian's package, 21.0), started by the suite in
 * server mode with a temporary config file and directories: JSON-RPC on 127.0.0.1 with a
 * ControlPassword, its one news server a tiny NNTP responder in this file on loopback
 * (docs/download-clients.md §5.4), so no traffic leaves the machine.
 *
 * The responder serves the yEnc articles it was given and answers `430 no such article` to any
 * other. NZBs are added through `append` with the flat `["drone", "<id>"]` post-processing
 * parameters Sonarr/Radarr send, and Radarr's Grab webhook names the download by that drone id:
 * - one whose article is served: downloaded, post-processed, history `SUCCESS/…` → DOWNLOADED;
 * - one whose article is missing: NZBGet's health check fails it (`FAILURE/HEALTH`) → FAILED;
 * - one added paused → DOWNLOADING with the stuck reason "NZBGet: paused"; after NZBGet restarts
 *   (the watcher fails a cycle, then recovers) it is resumed and finishes → DOWNLOADED.
 * Also: a wrong password is a clear doctor error without the password in it.
 *
 * Needs `/usr/bin/nzbget` (or $NZBGET): `bash scripts/e2e-deps.sh` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jellyseerr, radarrGrab, type MovieSpec } from '../../src/demo/payloads.js';
import { setLogLevel } from '../../src/log.js';
import { NzbClient } from '../../src/integrations/nzbget/client.js';
import { checkNzbget } from '../../src/integrations/nzbget/doctor.js';
import { downloadIdOf } from '../../src/integrations/nzbget/map.js';
import type { NzbgetWatcher } from '../../src/integrations/nzbget/watcher.js';
import type { DoctorContext } from '../../src/integrations/types.js';
import { NewsServer, nzbOf, yencArticle } from '../helpers/nntp.js';
import { freePorts } from '../helpers/ports.js';
import { pseudoRandomBytes } from '../helpers/qbittorrent.js';
import { Recorder, startTracker, type Harness } from '../helpers/tracker.js';
import { waitFor } from '../helpers/wait.js';
import { newDroneId } from '../fakes/nzbget.js';
import { alive, children } from '../helpers/child.js';

const NZBGET = process.env.NZBGET ?? '/usr/bin/nzbget';
const CONFIG_TEMPLATE = ['/usr/share/nzbget/webui/nzbget.conf', '/etc/nzbget.conf'].find((p) => existsSync(p));
const PASSWORD = 'e2e-Nzb-passw0rd-7d1e';

const versionText = existsSync(NZBGET) ? (spawnSync(NZBGET, ['-v'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '').trim() : '';
const installed = /nzbget version: \d+/.test(versionText) && CONFIG_TEMPLATE !== undefined;
if (!installed) console.warn(`nzbget e2e: ${NZBGET} or its config template not found ("${versionText}"); run bash scripts/e2e-deps.sh`);

const until = <T>(check: () => Promise<T | undefined> | T | undefined, what: string | (() => string), timeoutMs = 30_000, everyMs = 100) => waitFor(check, what, { timeoutMs, everyMs });

// ---------------------------------------------------------------------------------------
// NZBGet in server mode with its own config and directories.

class Nzbget {
  proc: ChildProcess | null = null;
  output = '';
  readonly conf: string;
  readonly url: string;

  constructor(
    readonly dir: string,
    readonly port: number,
    readonly newsPort: number,
  ) {
    this.conf = join(dir, 'nzbget.conf');
    this.url = `http://127.0.0.1:${port}`;
  }

  /** The packaged config with the values edited in the file (`-o MainDir=` does not re-expand `${MainDir}`, §5.4). */
  async configure(): Promise<void> {
    let text = await readFile(CONFIG_TEMPLATE as string, 'utf8');
    const set: Record<string, string> = {
      MainDir: join(this.dir, 'main'),
      ControlIP: '127.0.0.1',
      ControlPort: String(this.port),
      ControlUsername: 'nzbget',
      ControlPassword: PASSWORD,
      OutputMode: 'log',
      'Server1.Host': '127.0.0.1',
      'Server1.Port': String(this.newsPort),
      'Server1.Username': '',
      'Server1.Password': '',
      'Server1.Connections': '2',
      ArticleRetries: '0',
      UpdateInterval: '200',
    };
    for (const [k, v] of Object.entries(set)) {
      const re = new RegExp(`^${k.replace('.', '\\.')}=.*$`, 'm');
      if (!re.test(text)) throw new Error(`${k} is not in ${CONFIG_TEMPLATE}`);
      text = text.replace(re, `${k}=${v}`);
    }
    await mkdir(join(this.dir, 'main'), { recursive: true });
    await writeFile(this.conf, text);
  }

  async start(): Promise<void> {
    const proc = spawn(NZBGET, ['-s', '-c', this.conf], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: this.dir } });
    this.proc = proc;
    children.add(proc);
    proc.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    await until(
      async () => {
        if (!alive(proc)) throw new Error(`nzbget exited (${String((proc as ChildProcess).exitCode ?? (proc as ChildProcess).signalCode)}):\n${this.output}`);
        try {
          return (await this.rpc('version')) ? true : undefined;
        } catch {
          return undefined;
        }
      },
      `nzbget JSON-RPC on ${this.url}`,
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

  /** A JSON-RPC call with the right login; throws on an error envelope. */
  async rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const res = await request(`${this.url}/jsonrpc`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`nzbget:${PASSWORD}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ method, params, id: 1 }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method}: HTTP ${res.statusCode}`);
    const data = JSON.parse(text) as { result?: T; error?: unknown };
    if (data.error) throw new Error(`${method}: ${JSON.stringify(data.error)}`);
    return data.result as T;
  }

  /** `append` as Sonarr/Radarr call it: category, priority 0, not at the top, the flat `["drone", id]` parameters. */
  async append(name: string, nzb: string, drone: string, paused = false): Promise<number> {
    return this.rpc<number>('append', [`${name}.nzb`, Buffer.from(nzb).toString('base64'), 'Movies', 0, false, paused, '', 0, 'SCORE', ['drone', drone]]);
  }
}

const doctorCtx = { subject: (instance: string | null) => ({ integration: 'nzbget', instance, label: 'NZBGet' }), timeoutMs: 5000 } as unknown as DoctorContext;

describe.skipIf(!installed)(`real nzbget (${versionText})`, () => {
  let root = '';
  let news: NewsServer;
  let nzbget: Nzbget;

  beforeAll(async () => {
    setLogLevel('error');
    root = await mkdtemp(join(tmpdir(), 'mt-nzbget-'));
    news = new NewsServer();
    await news.start();
    const [port] = await freePorts(1);
    nzbget = new Nzbget(root, port!, news.port);
    await nzbget.configure();
    await nzbget.start();
  });

  afterAll(async () => {
    await nzbget?.stop();
    await news?.close();
    for (const p of children) if (alive(p)) p.kill('SIGKILL');
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('a wrong password: HTTP 401, a clear doctor error without the password; the right one: version 21', async () => {
    const wrong = 'definitely-Not-It-42';
    const checks = await checkNzbget({ name: 'main', url: nzbget.url, username: 'nzbget', password: wrong }, doctorCtx);
    expect(checks.map((c) => [c.check, c.status, c.summary])).toEqual([
      ['reachable', 'ok', `NZBGet (main) answers at ${nzbget.url}/`],
      ['authenticated', 'error', 'NZBGet (main) refuses the username and password'],
      ['version', 'skipped', 'Not checked: the login is refused'],
    ]);
    expect(checks[1]?.detail).toBe("nzbget/main: version: authentication refused: wrong username or password (HTTP 401; NZBGet's Settings → Security → ControlUsername/ControlPassword)");
    expect(JSON.stringify(checks)).not.toContain(wrong);
    const ok = await checkNzbget({ name: 'main', url: nzbget.url, username: 'nzbget', password: PASSWORD }, doctorCtx);
    expect(ok.map((c) => [c.status, c.detail ?? null])).toEqual([
      ['ok', null],
      ['ok', null],
      ['ok', null],
    ]);
    expect(ok[2]?.summary).toMatch(/^NZBGet \(main\) 21\.\d+ \(1 news server\)$/);
  });

  it('through a real tracker: DOWNLOADED from SUCCESS, FAILED from FAILURE/HEALTH, paused with its stuck reason; after a restart the watcher recovers', async () => {
    const goodData = pseudoRandomBytes(150_000, 'media-tracker nzbget e2e: good');
    const pausedData = pseudoRandomBytes(90_000, 'media-tracker nzbget e2e: paused');
    news.articles.set('good.1@media-tracker.test', yencArticle('Good.Movie.2024.1080p.mkv', goodData));
    news.articles.set('paused.1@media-tracker.test', yencArticle('Paused.Movie.2024.1080p.mkv', pausedData));
    const drones = { good: newDroneId(), missing: newDroneId(), paused: newDroneId() };
    const movies: Record<keyof typeof drones, MovieSpec> = {
      good: { requestId: 501, tmdbId: 501501, title: 'Good Movie', year: 2024, radarrId: 51, hash: drones.good },
      missing: { requestId: 502, tmdbId: 502502, title: 'Missing Movie', year: 2024, radarrId: 52, hash: drones.missing },
      paused: { requestId: 503, tmdbId: 503503, title: 'Paused Movie', year: 2024, radarrId: 53, hash: drones.paused },
    };
    let h: Harness | null = null;
    let rec: Recorder | null = null;
    try {
      h = await startTracker({ nzbget: [{ name: 'main', url: nzbget.url, username: 'nzbget', password: PASSWORD }], intervals: { nzbget_s: 3600 } });
      rec = await Recorder.connect(h.tracker.endpoints.mqttUrl);
      const r = rec;
      const ids = { good: 'jellyseerr-501', missing: 'jellyseerr-502', paused: 'jellyseerr-503' };
      for (const m of Object.values(movies)) expect((await h.post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', m))).status).toBe(200);

      // Radarr adds each NZB with its drone id, then sends its Grab webhook naming the download by it.
      const nzbIds = {
        paused: await nzbget.append('Paused.Movie.2024.1080p', nzbOf('Paused.Movie.2024.1080p.mkv', 'paused.1@media-tracker.test', 120_000), drones.paused, true),
        missing: await nzbget.append('Missing.Movie.2024.1080p', nzbOf('Missing.Movie.2024.1080p.mkv', 'missing.1@media-tracker.test', 120_000), drones.missing),
        good: await nzbget.append('Good.Movie.2024.1080p', nzbOf('Good.Movie.2024.1080p.mkv', 'good.1@media-tracker.test', 200_000), drones.good),
      };
      for (const [k, m] of Object.entries(movies)) {
        const grab = radarrGrab(m);
        (grab.release as Record<string, unknown>).indexer = 'NZBgeek (Prowlarr)';
        expect((await h.post('/hooks/radarr', { ...grab, downloadClient: 'NZBGet', downloadClientType: 'Nzbget', downloadId: drones[k as keyof typeof drones] })).status).toBe(200);
        await r.untilState(ids[k as keyof typeof ids], 'GRABBING');
      }

      // What NZBGet itself lists: the drone parameter beside the NZBID.
      const c = new NzbClient({ name: 'main', url: nzbget.url, username: 'nzbget', password: PASSWORD });
      const pausedGroup = (await c.listgroups()).find((g) => g.NZBID === nzbIds.paused);
      expect(pausedGroup).toMatchObject({ Status: 'PAUSED', Parameters: expect.arrayContaining([{ Name: 'drone', Value: drones.paused }]) });
      expect(downloadIdOf(pausedGroup!)).toBe(drones.paused);

      const watcher = h.tracker.watchers.find((w) => w.name === 'nzbget/main') as NzbgetWatcher | undefined;
      expect(watcher).toBeDefined();
      const w = watcher!;
      const untilState = async (id: string, state: string) =>
        until(
          async () => {
            await w.poke();
            return r.state(id)?.state === state ? r.state(id) : undefined;
          },
          () => `${id} ${state} (last: ${JSON.stringify(r.state(id))}, watcher: ${JSON.stringify(w.status())}, nzbget: ${JSON.stringify(nzbget.output.slice(-800))})`,
        );

      const done = await untilState(ids.good, 'DOWNLOADED');
      expect(done).toMatchObject({ progress: 1, stuck: null });
      // The article was decoded into the very bytes served.
      const files = (await readdir(join(root, 'main', 'dst'), { recursive: true })).filter((f) => f.endsWith('Good.Movie.2024.1080p.mkv'));
      expect(files).toHaveLength(1);
      expect((await readFile(join(root, 'main', 'dst', files[0]!))).equals(goodData)).toBe(true);
      const history = await c.history();
      expect(history.find((x) => x.NZBID === nzbIds.good)).toMatchObject({ Status: expect.stringMatching(/^SUCCESS\//), Parameters: expect.arrayContaining([{ Name: 'drone', Value: drones.good }]) });
      expect(w.covers(drones.good)).toBe(true);
      expect(w.covers('0'.repeat(40))).toBe(false);

      await untilState(ids.missing, 'FAILED');
      const failure = r
        .events(ids.missing)
        .map((e) => String(e.reason ?? ''))
        .find((x) => x.includes('Download failed: NZBGet:'));
      expect(failure).toContain('NZBGet: articles are missing on the news server (out of retention?); health fell below critical (FAILURE/HEALTH');

      const paused = await until(
        async () => {
          await w.poke();
          const s = r.state(ids.paused);
          return (s?.stuck as { reason?: string } | null | undefined)?.reason === 'NZBGet: paused' ? s : undefined;
        },
        () => `${ids.paused} stuck "NZBGet: paused" (last: ${JSON.stringify(r.state(ids.paused))})`,
      );
      expect(paused).toMatchObject({ state: 'DOWNLOADING', progress: 0, client_state: 'PAUSED' });
      expect(w.status()).toMatchObject({ healthy: true, detail: { tracked: 3 } });
      const served = news.commands.filter((x) => /^(BODY|ARTICLE) /i.test(x)).length;
      expect(served).toBeGreaterThanOrEqual(2);

      // NZBGet stops: a failed cycle; it starts again (its queue kept in MainDir): the watcher recovers.
      await nzbget.stop();
      await w.poke();
      expect(w.status().healthy).toBe(false);
      expect(String(w.status().last_error)).not.toContain(PASSWORD);
      await nzbget.start();
      await w.poke();
      expect(w.status().healthy, String(w.status().last_error)).toBe(true);
      expect(r.state(ids.good)).toMatchObject({ state: 'DOWNLOADED' });
      expect(r.state(ids.missing)).toMatchObject({ state: 'FAILED' });

      // Resumed after the restart: it downloads, its stuck reason clears, DOWNLOADED.
      expect(await nzbget.rpc('editqueue', ['GroupResume', '', [nzbIds.paused]])).toBe(true);
      const resumed = await untilState(ids.paused, 'DOWNLOADED');
      expect(resumed).toMatchObject({ progress: 1, stuck: null });
    } finally {
      await rec?.close();
      await h?.stop();
    }
  });
});
