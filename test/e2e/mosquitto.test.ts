/**
 * External broker: a real Mosquitto process (own config, free port, no persistence) and the
 * tracker in `external` mode mirroring to it. Checks the mirror, an outage in which Mosquitto
 * loses every retained message while webhooks keep being accepted, the full republish after
 * it comes back on the same port, `offline` on a clean stop, and the LWT when the tracker
 * process is SIGKILLed.
 *
 * Needs `/usr/sbin/mosquitto` (or $MOSQUITTO): `bash scripts/e2e-deps.sh` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jellyseerr, radarrDownload, radarrGrab, fakeHash, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { Recorder, SECRET, startTracker, type Harness } from '../helpers/tracker.js';
import { freePorts } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';

const movie: MovieSpec = { requestId: 4101, tmdbId: 693134, title: 'Dune Part Two', year: 2024, radarrId: 41, hash: fakeHash('mosquitto-movie') };
const show: ShowSpec = { requestId: 4102, tmdbId: 1396, tvdbId: 81189, title: 'Breaking Bad', year: 2008, sonarrId: 42, seasons: [1, 2] };
const movieId = `jellyseerr-${movie.requestId}`;
const showId = `jellyseerr-${show.requestId}`;

const alive = (p: ChildProcess | null): p is ChildProcess => p !== null && p.exitCode === null && p.signalCode === null;

async function killAndWait(p: ChildProcess | null, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (!alive(p)) return;
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  p.kill(signal);
  await exited;
}

/** A real Mosquitto on a fixed loopback port with its own config file; restartable. */
class Mosquitto {
  proc: ChildProcess | null = null;
  output: string[] = [];
  readonly url: string;

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    this.url = `mqtt://127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    const conf = join(this.dir, 'mosquitto.conf');
    await writeFile(conf, [`listener ${this.port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'log_dest stderr', ''].join('\n'));
    // The port may still be held for a moment after a kill: retry while it is in use.
    for (let attempt = 1; ; attempt++) {
      const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.proc = proc;
      proc.stdout!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
      proc.on('error', (err) => this.output.push(`spawn error: ${err.message}\n`));
      const up = await waitFor(async () => {
        if (!alive(proc)) return false;
        try {
          const c = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 1_000 });
          await c.endAsync(true);
          return alive(proc) ? true : undefined;
        } catch {
          return undefined;
        }
      }, `mosquitto to accept connections on ${this.url}`);
      if (up) return;
      if (attempt < 10 && /in use/i.test(this.output.join(''))) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw new Error(`mosquitto exited during start-up (${proc.exitCode ?? proc.signalCode}):\n${this.output.join('')}`);
    }
  }

  async kill(): Promise<void> {
    await killAndWait(this.proc);
  }
}

/** A fresh subscriber only receives retained messages: compare them with what should be retained. */
function diffRetained(rec: Recorder, expected: Map<string, string>): string | undefined {
  const problems: string[] = [];
  for (const [topic, payload] of expected) {
    const got = rec.latest.get(topic);
    if (got === undefined) problems.push(`missing ${topic}`);
    else if (got !== payload) problems.push(`stale ${topic}: ${got.slice(0, 120)}`);
  }
  for (const topic of rec.latest.keys()) if (!expected.has(topic)) problems.push(`unexpected ${topic}`);
  return problems.length ? `${problems.length} differences, e.g. ${problems.slice(0, 8).join('; ')}` : undefined;
}

/** Everything the tracker holds as retained (its bus is the source for both brokers). */
function retainedSet(h: Harness): Map<string, string> {
  const bus = h.tracker.bus;
  return new Map([...bus.retainedTopics()].map((t) => [t, bus.retainedPayload(t)!]));
}

async function untilMirrored(url: string, h: Harness, what: string): Promise<Recorder> {
  const rec = await Recorder.connect(url);
  let last: string | undefined = 'nothing received';
  try {
    await rec.until(
      () => {
        last = diffRetained(rec, retainedSet(h));
        return last === undefined;
      },
      what,
      20_000,
    );
  } catch (err) {
    await rec.close();
    throw new Error(`${(err as Error).message}: ${last}`);
  }
  return rec;
}

let workDir = '';
let broker: Mosquitto;
let h: Harness | null = null;
const recorders: Recorder[] = [];
const children = new Set<ChildProcess>();

async function recorder(url: string): Promise<Recorder> {
  const rec = await Recorder.connect(url);
  recorders.push(rec);
  return rec;
}

async function post(route: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await h!.post(route, body);
  expect(res.status, `${route}: ${JSON.stringify(res.json)}`).toBe(200);
  return res;
}

function stateOf(res: { json: Record<string, unknown> }): string {
  const results = res.json.results as Array<{ states: string[] }> | undefined;
  const state = results?.[0]?.states[0];
  if (!state) throw new Error(`no state in ${JSON.stringify(res.json)}`);
  return state;
}

beforeAll(async () => {
  if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found: run \`bash scripts/e2e-deps.sh\` first`);
  workDir = await mkdtemp(join(tmpdir(), 'media-tracker-mosquitto-'));
  const [port] = (await freePorts(1)) as [number];
  broker = new Mosquitto(port, workDir);
  await broker.start();
  h = await startTracker({ mqtt: { mode: 'external', external_url: broker.url } });
});

afterAll(async () => {
  await Promise.all(recorders.map((r) => r.close().catch(() => undefined)));
  await h?.stop().catch(() => undefined);
  for (const c of [...children]) await killAndWait(c);
  await broker?.kill();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('external broker (real Mosquitto)', () => {
  let movieState = '';

  it('mirrors the bridge state, discovery configs and request states to Mosquitto', async () => {
    const mirror = await recorder(broker.url);
    await mirror.until(() => mirror.latest.get('media/bridge/state') === 'online', 'media/bridge/state = online on Mosquitto');
    await mirror.until(() => [...mirror.latest.keys()].some((t) => /^homeassistant\/[a-z_]+\/media_tracker\/.+\/config$/.test(t)), 'bridge discovery configs on Mosquitto');
    const bridgeConfig = [...mirror.latest.keys()].find((t) => t.startsWith('homeassistant/') && t.endsWith('/config'))!;
    expect(mirror.json(bridgeConfig)).toMatchObject({ availability: [{ topic: 'media/bridge/state' }] });

    await post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', movie));
    movieState = stateOf(await post('/hooks/radarr', radarrGrab(movie)));
    expect(movieState).not.toBe('APPROVED');

    const state = await mirror.untilState(movieId, movieState);
    expect(state).toMatchObject({ id: movieId, title: movie.title, year: movie.year, media_type: 'movie', jellyseerr_request_id: movie.requestId });
    await mirror.until(() => mirror.latest.has(`media/${movieId}/timeline`), `media/${movieId}/timeline on Mosquitto`);
    await mirror.until(() => [...mirror.latest.keys()].some((t) => t.startsWith('homeassistant/') && t.includes(movieId) && t.endsWith('/config')), `discovery configs of ${movieId} on Mosquitto`);

    // The mirror is complete: a fresh subscriber gets exactly the tracker's retained set.
    const fresh = await untilMirrored(broker.url, h!, 'Mosquitto to hold every retained topic');
    recorders.push(fresh);
  });

  it('keeps accepting webhooks while Mosquitto is down and republishes everything when it is back', async () => {
    expect(movieState).not.toBe('');
    const embedded = await recorder(h!.tracker.endpoints.mqttUrl);
    await embedded.untilState(movieId, movieState);

    await broker.kill();
    await waitFor(() => (h!.tracker.external?.connected === false ? true : undefined), 'the tracker to notice that Mosquitto is gone');

    // Durable and published on the embedded broker, while the external one is down.
    const imported = stateOf(await post('/hooks/radarr', radarrDownload(movie)));
    expect(imported).not.toBe(movieState);
    const showState = stateOf(await post('/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', show)));
    await embedded.untilState(movieId, imported);
    await embedded.untilState(showId, showState);

    // Same port, empty broker (persistence false): everything must come back.
    await broker.start();
    const fresh = await untilMirrored(broker.url, h!, 'the tracker to republish every retained topic to the restarted Mosquitto');
    recorders.push(fresh);
    expect(fresh.latest.get('media/bridge/state')).toBe('online');
    expect(fresh.state(movieId)).toMatchObject({ state: imported, title: movie.title });
    expect(fresh.state(showId)).toMatchObject({ state: showState, title: show.title, media_type: 'tv', requested_seasons: [1, 2] });
    expect(fresh.latest.has(`media/${showId}/episodes`)).toBe(true);
    expect(fresh.latest.has(`media/${showId}/timeline`)).toBe(true);
    expect([...fresh.latest.keys()].some((t) => t.startsWith('homeassistant/') && t.includes(showId) && t.endsWith('/config'))).toBe(true);
  });

  it('leaves media/bridge/state = offline retained on Mosquitto after a clean stop', async () => {
    const live = await recorder(broker.url);
    await live.until(() => live.latest.get('media/bridge/state') === 'online', 'media/bridge/state = online');
    await h!.stop();
    h = null;
    await live.until(() => live.latest.get('media/bridge/state') === 'offline', 'media/bridge/state = offline after stop()');
    // Retained: a subscriber arriving later still sees it.
    const later = await recorder(broker.url);
    await later.until(() => later.latest.get('media/bridge/state') === 'offline', 'a retained offline for a new subscriber');
    expect(later.messages.find((m) => m.topic === 'media/bridge/state')?.retain).toBe(true);
  });

  it('publishes the last will (offline) when the tracker process is SIGKILLed', async () => {
    // `npm run test:e2e` builds first; run on its own, this rebuilds a stale dist/. tsc still
    // emits on type errors (which `npm run typecheck` reports): only a missing entry is fatal.
    const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], { cwd: ROOT, encoding: 'utf8' });
    expect(existsSync(join(ROOT, 'dist', 'main.js')), `${built.stdout}${built.stderr}`).toBe(true);
    if (built.status !== 0) console.warn(`the build reported errors; testing what it emitted:\n${built.stdout}${built.stderr}`);
    const [webhookPort, ingressPort, mqttPort] = (await freePorts(3)) as [number, number, number];
    const optionsPath = join(workDir, 'options.json');
    await writeFile(
      optionsPath,
      JSON.stringify({
        data_dir: join(workDir, 'child-data'),
        webhook_secret: SECRET,
        webhook_port: webhookPort,
        ingress_port: ingressPort,
        mqtt: { mode: 'external', external_url: broker.url, port: mqttPort },
      }),
    );
    const live = await recorder(broker.url);
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'main.js')], {
      cwd: ROOT,
      env: { ...process.env, MEDIA_TRACKER_OPTIONS: optionsPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const output: string[] = [];
    child.stdout!.setEncoding('utf8').on('data', (d: string) => output.push(d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));

    const seen = () => live.messages.filter((m) => m.topic === 'media/bridge/state').map((m) => m.payload);
    try {
      await live.until(() => alive(child) && seen().at(-1) === 'online', 'the child tracker to publish online on Mosquitto', 30_000);
    } catch (err) {
      throw new Error(`${(err as Error).message} (seen: ${seen().join(', ')})\n--- child output ---\n${output.join('')}`);
    }
    await killAndWait(child, 'SIGKILL');
    expect(child.signalCode).toBe('SIGKILL');
    await live.until(() => seen().at(-1) === 'offline', `the will (offline) after SIGKILL (seen: ${seen().join(', ')})`);

    const later = await recorder(broker.url);
    await later.until(() => later.latest.get('media/bridge/state') === 'offline', 'a retained offline for a new subscriber');
  });
});
