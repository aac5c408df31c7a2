/**
 * SIGKILL under load: the built tracker (`node dist/main.js`) receives a stream of 5,000
 * real-shaped webhooks from concurrent senders and is killed at seeded random moments,
 * several times, always on the same data dir. A sender whose webhook was not answered sends
 * it again after the restart, as Sonarr or Jellyseerr would. After every restart the store
 * must load, and an mqtt.js subscriber must see, for every acknowledged webhook, a retained
 * state at least as far as that webhook proves.
 *
 * FAULT_SEED=<n> replays a run's kill points; FAULT_WEBHOOKS and FAULT_KILLS scale it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../helpers/tracker.js';
import { rng } from '../../bench/population.js';
import { ensureBuilt, killAll, postHook, TrackerProcess } from './support/child.js';
import { record } from './support/figures.js';
import { Progress, script, type Script } from './support/workload.js';

const TOTAL = Number(process.env.FAULT_WEBHOOKS ?? 5_000);
const KILLS = Number(process.env.FAULT_KILLS ?? 5);
const SENDERS = 12;
const SEED = Number(process.env.FAULT_SEED ?? Math.floor(Math.random() * 2 ** 31));
const SECRET = 'sigkill-fault-secret-0123456789';

let workDir = '';

beforeAll(async () => {
  ensureBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'media-tracker-sigkill-'));
});

afterAll(async () => {
  await killAll();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** The first `total` steps of as many scripts as needed (the last one may be cut short). */
function workload(total: number): Script[] {
  const out: Script[] = [];
  let steps = 0;
  for (let n = 1; steps < total; n++) {
    const s = script(n, 'sigkill');
    s.steps = s.steps.slice(0, total - steps);
    steps += s.steps.length;
    out.push(s);
  }
  return out;
}

/** Seeded kill points: distinct acknowledged-webhook counts between 5 % and 95 % of the stream. */
function killPoints(random: () => number): number[] {
  const points = new Set<number>();
  while (points.size < KILLS) points.add(Math.floor(TOTAL * (0.05 + 0.9 * random())));
  return [...points].sort((a, b) => a - b);
}

describe('SIGKILL while webhooks stream (node dist/main.js)', () => {
  it(`keeps every acknowledged webhook of ${TOTAL} across ${KILLS} kills`, async () => {
    const dataDir = join(workDir, 'data');
    const scripts = workload(TOTAL);
    const progress = new Progress(scripts);
    const cursor = new Map(scripts.map((s) => [s.id, 0]));
    const queue = [...scripts];
    const points = killPoints(rng(SEED));
    const figures = { rounds: 0, sent: 0, acknowledged: 0, duplicates: 0, errors: [] as string[], crashes: [] as string[], restarts: [] as string[] };
    const context = () => `seed ${SEED}, kill points ${points.join(', ')}`;

    /** Starts the tracker, checks that every acknowledged webhook is back on the broker. */
    const restart = async (round: number): Promise<TrackerProcess> => {
      const started = Date.now();
      const child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
      const loaded = child.loaded();
      const withAck = [...progress.acked.values()].filter((n) => n > 0).length;
      expect(loaded.requests, `round ${round}: the store loaded ${loaded.requests} requests, ${withAck} were acknowledged (${context()})`).toBeGreaterThanOrEqual(withAck);
      const rec = await Recorder.connect(child.mqttUrl, ['media/+/state']);
      try {
        const stateOf = (id: string) => rec.state(id)?.state;
        await rec
          .until(() => progress.losses(stateOf).length === 0, 'a retained state for every acknowledged webhook', 60_000)
          .catch((err: unknown) => {
            const lost = progress.losses(stateOf);
            throw new Error(`round ${round}: ${(err as Error).message}; ${lost.length} lost, e.g. ${lost.slice(0, 10).join('; ')} (${context()})`);
          });
        figures.restarts.push(
          `  start ${round}: ${loaded.requests} requests loaded (${loaded.replayed} journal records replayed), ` +
            `every acknowledged state on the broker ${Date.now() - started} ms after the spawn, ${progress.ahead(stateOf)} requests ahead of their acknowledgements`,
        );
      } finally {
        await rec.close();
      }
      return child;
    };

    for (let round = 1; round <= KILLS + 1; round++) {
      const child = await restart(round);
      figures.rounds = round;
      const killAt = points[round - 1] ?? Infinity;
      let killed = false;

      const sender = async (): Promise<void> => {
        for (;;) {
          if (killed) return;
          const s = queue.shift();
          if (!s) return;
          while (cursor.get(s.id)! < s.steps.length) {
            const step = s.steps[cursor.get(s.id)!]!;
            figures.sent++;
            const answer = await postHook(child.webhookUrl, step.route, step.body, SECRET);
            if (answer.status === 0) {
              if (!killed) figures.crashes.push(`round ${round}: ${s.id} got no answer (${answer.error}) and the tracker ${child.alive ? 'is alive' : `exited ${JSON.stringify(await child.exited)}`}`);
              queue.unshift(s); // the sender tries again after the restart
              return;
            }
            if (answer.status < 200 || answer.status >= 300) {
              figures.errors.push(`${s.id} step ${cursor.get(s.id)}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
              queue.unshift(s);
              return;
            }
            const item = (answer.body.results as Array<{ status: string }> | undefined)?.[0];
            if (item?.status === 'duplicate') figures.duplicates++;
            cursor.set(s.id, cursor.get(s.id)! + 1);
            progress.acked.set(s.id, cursor.get(s.id)!);
            figures.acknowledged++;
            if (!killed && figures.acknowledged >= killAt) {
              killed = true;
              child.proc.kill('SIGKILL');
            }
          }
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, () => sender()));
      expect(figures.errors, `round ${round} (${context()})\n${child.text}`).toEqual([]);
      expect(figures.crashes, `round ${round} (${context()})\n${child.text}`).toEqual([]);
      if (round <= KILLS) {
        expect(killed, `round ${round} ended before its kill point ${killAt}`).toBe(true);
        expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      } else {
        expect(queue).toEqual([]);
        expect(await child.stop(), child.text).toEqual({ code: 0, signal: null });
      }
    }

    // Everything was sent and acknowledged; a last clean start has all of it.
    expect(progress.ackedSteps).toBe(TOTAL);
    const last = await restart(KILLS + 2);
    const rec = await Recorder.connect(last.mqttUrl, ['media/+/state']);
    let lost: string[] = [];
    try {
      const stateOf = (id: string) => rec.state(id)?.state;
      await rec.until(() => scripts.every((s) => rec.state(s.id)), 'every request on the broker', 60_000);
      lost = progress.losses(stateOf);
      for (const s of scripts) {
        expect(rec.state(s.id)).toMatchObject({ id: s.id, title: s.title, state: s.steps.at(-1)!.proves });
      }
    } finally {
      await rec.close();
    }
    const stored = last.loaded().requests;
    expect(await last.stop()).toEqual({ code: 0, signal: null });
    record({
      suite: 'SIGKILL under a webhook stream',
      rounds: figures.rounds,
      sent: figures.sent,
      acknowledged: figures.acknowledged,
      stored: figures.acknowledged - lost.length,
      losses: lost.length,
      crashes: figures.crashes.length,
      notes: [
        `seed ${SEED} (FAULT_SEED replays it); ${KILLS} SIGKILLs after ${points.join(', ')} acknowledged webhooks; ${SENDERS} senders`,
        `${TOTAL} webhooks in the stream; ${figures.sent - TOTAL} re-sent after a kill, ${figures.duplicates} of them answered "duplicate" (stored before the kill)`,
        `${stored} requests loaded at the last start for ${scripts.length} scripted; 5xx answers ${figures.errors.length}`,
        ...figures.restarts.map((r) => r.trim()),
      ],
    });
    expect(lost).toEqual([]);
    expect(stored).toBe(scripts.length);
  });
});
