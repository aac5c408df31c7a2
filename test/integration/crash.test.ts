/**
 * Crash consistency: the real entry point (`node dist/main.js`) as a child process, webhooks
 * streamed by concurrent senders, SIGKILL at a seeded pseudo-random moment, several rounds
 * on the same data dir. Every webhook that got a 2xx must survive: after the last restart
 * each acknowledged request has its retained `media/<id>/state` on the embedded broker.
 *
 * CRASH_SEED=<n> reproduces a run's kill points (the timing of the senders still varies).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr, type MovieSpec, type ShowSpec } from '../../src/demo/payloads.js';
import { Recorder } from '../helpers/tracker.js';
import { freePorts } from '../helpers/ports.js';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'dist', 'main.js');
const SECRET = 'crash-test-secret-0123456789';
const SENDERS = 8;
const ROUNDS = 3;
const SEED = Number(process.env.CRASH_SEED ?? 0x5eed_c0de);

/** mulberry32: a small seeded PRNG, so a failing run's kill points can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function spec(n: number): MovieSpec | ShowSpec {
  if (n % 2 === 0) {
    return { requestId: n, tmdbId: 100_000 + n, title: `Crash Movie ${n}`, year: 2000 + (n % 25), radarrId: n, hash: fakeHash(`crash-${n}`) };
  }
  return { requestId: n, tmdbId: 500_000 + n, tvdbId: 700_000 + n, title: `Crash Show ${n}`, year: 2000 + (n % 25), sonarrId: n, seasons: [1, 2] };
}

interface Child {
  proc: ChildProcess;
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  webhookUrl: string;
  ingressUrl: string;
  mqttUrl: string;
}

const children = new Set<ChildProcess>();
let dataDir = '';

const alive = (p: ChildProcess) => p.exitCode === null && p.signalCode === null;

async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts `node dist/main.js` on the shared data dir and waits until it serves. */
async function startChild(): Promise<Child> {
  for (let attempt = 1; ; attempt++) {
    const [webhookPort, ingressPort, mqttPort] = (await freePorts(3)) as [number, number, number];
    const optionsPath = join(dataDir, '..', `options-${webhookPort}.json`);
    await writeFile(
      optionsPath,
      JSON.stringify({
        data_dir: dataDir,
        log_level: 'info',
        webhook_secret: SECRET,
        webhook_port: webhookPort,
        ingress_port: ingressPort,
        mqtt: { mode: 'embedded', port: mqttPort, ha_birth_delay_s: 0 },
      }),
    );
    const proc = spawn(process.execPath, [MAIN], {
      cwd: ROOT,
      env: { ...process.env, MEDIA_TRACKER_OPTIONS: optionsPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(proc);
    const output: string[] = [];
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => output.push(d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      proc.once('exit', (code, signal) => {
        children.delete(proc);
        resolve({ code, signal });
      }),
    );
    const child: Child = {
      proc,
      output,
      exited,
      webhookUrl: `http://127.0.0.1:${webhookPort}`,
      ingressUrl: `http://127.0.0.1:${ingressPort}`,
      mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    };
    const ready = await waitFor(
      async () => {
        if (!alive(proc)) return 'exited' as const;
        const health = await getJson(`${child.webhookUrl}/health`);
        return health?.status === 'ok' && output.join('').includes(' is running (') ? ('ready' as const) : undefined;
      },
      'the child to answer /health and print its listening lines',
      30_000,
    ).catch(async (err: unknown) => {
      proc.kill('SIGKILL');
      await exited;
      throw new Error(`${(err as Error).message}\n--- child output ---\n${output.join('')}`);
    });
    if (ready === 'ready') return child;
    await exited;
    const text = output.join('');
    // Another process took one of the ports between our probe and the child's listen.
    if (attempt < 3 && /cannot listen|EADDRINUSE/.test(text)) continue;
    throw new Error(`the child exited during start-up (${proc.exitCode ?? proc.signalCode})\n--- child output ---\n${text}`);
  }
}

/** `loaded N requests (M journal records replayed)` and `is running (N requests)`. */
function loadedFigures(child: Child): { loaded: number; replayed: number; running: number } {
  const text = child.output.join('');
  const loaded = /loaded (\d+) requests \((\d+) journal records replayed\)/.exec(text);
  const running = /is running \((\d+) requests\)/.exec(text);
  if (!loaded || !running) throw new Error(`the child did not print its start-up lines:\n${text}`);
  return { loaded: Number(loaded[1]), replayed: Number(loaded[2]), running: Number(running[1]) };
}

beforeAll(async () => {
  // `npm test` builds first; when this file runs on its own, rebuild a stale dist/.
  // tsc still emits on type errors (which `npm run typecheck` reports): only a missing entry is fatal.
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing; the build said:\n${built.stdout}${built.stderr}`);
  if (built.status !== 0) console.warn(`the build reported errors; testing what it emitted:\n${built.stdout}${built.stderr}`);
  dataDir = join(await mkdtemp(join(tmpdir(), 'media-tracker-crash-')), 'data');
});

afterAll(async () => {
  for (const proc of [...children]) {
    if (alive(proc)) proc.kill('SIGKILL');
    await new Promise<void>((resolve) => (alive(proc) ? proc.once('exit', () => resolve()) : resolve()));
  }
  children.clear();
  if (dataDir) await rm(join(dataDir, '..'), { recursive: true, force: true });
});

describe('crash consistency (node dist/main.js, SIGKILL under load)', () => {
  it(`keeps every acknowledged webhook across ${ROUNDS} SIGKILLs`, async () => {
    const random = prng(SEED);
    const acked = new Map<string, { title: string; round: number }>();
    const perRound: Array<{ killAt: number; acked: number; sent: number; inFlightAtKill: number; loadedAfter: number }> = [];
    let nextRequest = 1;

    for (let round = 1; round <= ROUNDS; round++) {
      const child = await startChild();
      const figures = loadedFigures(child);
      // Everything acknowledged in earlier rounds was loaded back.
      expect(figures.running, `round ${round}: ${figures.running} requests loaded, ${acked.size} acknowledged before`).toBeGreaterThanOrEqual(acked.size);
      if (round > 1) perRound[round - 2]!.loadedAfter = figures.running;

      const killAt = 50 + Math.floor(random() * 351);
      let roundAcked = 0;
      let sent = 0;
      let inFlight = 0;
      let inFlightAtKill = -1;
      let killed = false;
      const unexpected: string[] = [];

      const sender = async (): Promise<void> => {
        while (!killed) {
          const n = nextRequest++;
          const media = spec(n);
          const id = `jellyseerr-${n}`;
          sent++;
          inFlight++;
          let status: number;
          let body: { status?: string; results?: Array<{ status?: string; request_ids?: string[] }> };
          try {
            const res = await fetch(`${child.webhookUrl}/hooks/jellyseerr`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` },
              body: JSON.stringify(jellyseerr('MEDIA_AUTO_APPROVED', media)),
              signal: AbortSignal.timeout(20_000),
            });
            status = res.status;
            body = (await res.json()) as typeof body;
          } catch (err) {
            // After the SIGKILL, a refused or reset connection is what the sender sees.
            if (!killed) unexpected.push(`${id}: ${(err as Error).message}`);
            return;
          } finally {
            inFlight--;
          }
          if (status < 200 || status >= 300) {
            unexpected.push(`${id}: HTTP ${status} ${JSON.stringify(body)}`);
            return;
          }
          // A 2xx means "durably stored", even when it arrives just after the kill.
          const item = body.results?.[0];
          if (body.status !== 'ok' || item?.status !== 'accepted' || !item.request_ids?.includes(id)) {
            unexpected.push(`${id}: unexpected answer ${JSON.stringify(body)}`);
            return;
          }
          acked.set(id, { title: media.title, round });
          roundAcked++;
          if (!killed && roundAcked >= killAt) {
            killed = true;
            inFlightAtKill = inFlight;
            child.proc.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, () => sender()));
      expect(unexpected, `round ${round}: unexpected webhook failures\n${child.output.join('')}`).toEqual([]);
      expect(killed).toBe(true);
      const exit = await child.exited;
      expect(exit.signal).toBe('SIGKILL');
      perRound.push({ killAt, acked: roundAcked, sent, inFlightAtKill, loadedAfter: -1 });
    }

    // Final restart: the store loads, then every acknowledged request is on the broker.
    const child = await startChild();
    const figures = loadedFigures(child);
    perRound[ROUNDS - 1]!.loadedAfter = figures.running;
    expect(figures.loaded).toBe(figures.running);
    expect(figures.running).toBeGreaterThanOrEqual(acked.size);
    const health = await getJson(`${child.ingressUrl}/health`);
    expect(health).toMatchObject({ status: 'ok' });
    expect(Number(health?.requests)).toBe(figures.running);

    const rec = await Recorder.connect(child.mqttUrl, ['media/+/state']);
    const missing = () => [...acked.keys()].filter((id) => rec.state(id) === undefined);
    try {
      await rec.until(() => missing().length === 0, 'a retained state for every acknowledged request', 30_000);
    } catch (err) {
      const gone = missing();
      throw new Error(`${(err as Error).message}: ${gone.length} of ${acked.size} missing, e.g. ${gone.slice(0, 20).join(', ')}`);
    } finally {
      await rec.close();
    }
    for (const [id, { title }] of acked) {
      const state = rec.state(id)!;
      expect(state.id, id).toBe(id);
      expect(state.title, id).toBe(title);
    }

    // A clean stop after the crashes still works (and leaves no child behind).
    child.proc.kill('SIGTERM');
    const exit = await Promise.race([child.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref())]);
    expect(exit, child.output.join('')).toEqual({ code: 0, signal: null });
    expect(children.size).toBe(0);

    const lost = [...acked.keys()].filter((id) => rec.state(id) === undefined).length;
    const rounds = perRound
      .map((r, i) => `  round ${i + 1}: kill after ${r.killAt} acks; sent ${r.sent}, acknowledged ${r.acked}, in flight at kill ${r.inFlightAtKill}; ${r.loadedAfter} requests loaded after restart`)
      .join('\n');
    console.log(
      `crash test (seed ${SEED}): ${ROUNDS} rounds, ${SENDERS} senders, acknowledged ${acked.size}, ` +
        `stored ${figures.running} (acknowledged + unacknowledged-but-durable), lost ${lost}\n${rounds}`,
    );
    expect(lost).toBe(0);
  }, 180_000);
});
