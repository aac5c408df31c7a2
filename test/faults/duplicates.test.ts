/**
 * Concurrent duplicates under SIGKILL: Jellyseerr and the *arrs re-deliver, and a proxy may
 * send one webhook twice at the same moment. Each webhook of the stream is posted as two
 * simultaneous copies; the moment either copy is acknowledged the built tracker
 * (`node dist/main.js`) is SIGKILLed. Every acknowledged webhook, whether the answer said
 * "accepted" or "duplicate", must be in the store at the next start: a duplicate may only be
 * acknowledged once the original is on disk.
 *
 * FAULT_DUP_ROUNDS scales it (each round is one start and one kill).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { Recorder } from '../helpers/tracker.js';
import { ensureBuilt, killAll, postHook, TrackerProcess, type HookAnswer } from './support/child.js';
import { record } from './support/figures.js';

const ROUNDS = Number(process.env.FAULT_DUP_ROUNDS ?? 100);
/** Webhooks in flight per round (each as two copies). */
const PAIRS = 4;
const SECRET = 'duplicate-fault-secret-0123456789';

let workDir = '';

beforeAll(async () => {
  ensureBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'media-tracker-duplicates-'));
});

afterAll(async () => {
  await killAll();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

function body(n: number): string {
  return JSON.stringify(jellyseerr('MEDIA_AUTO_APPROVED', { requestId: n, tmdbId: 10_000 + n, title: `Copy ${n}`, year: 2020, radarrId: n, hash: fakeHash(`copy-${n}`) }));
}

const acknowledged = (a: HookAnswer): boolean => a.status >= 200 && a.status < 300;

describe('concurrent duplicate webhooks under SIGKILL (node dist/main.js)', () => {
  it(`keeps every webhook acknowledged as accepted or duplicate across ${ROUNDS} kills`, async () => {
    const dataDir = join(workDir, 'data');
    const acked = new Set<number>();
    const figures = { duplicateAcks: 0, acceptedAcks: 0, lost: new Map<number, string>() };
    let next = 1;

    for (let round = 1; round <= ROUNDS + 1; round++) {
      const child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
      // Everything acknowledged before the last kill is back: once the broker holds a state
      // for every stored request, each acknowledged webhook must be among them.
      const stored = child.loaded().requests;
      const rec = await Recorder.connect(child.mqttUrl, ['media/+/state']);
      try {
        const states = () => [...rec.latest.keys()].filter((t) => t !== 'media/bridge/state').length;
        await rec.until(
          () => states() >= stored,
          () => `a retained state for each of the ${stored} stored requests (${states()} so far)`,
          30_000,
        );
        for (const n of acked) if (!rec.state(`jellyseerr-${n}`) && !figures.lost.has(n)) figures.lost.set(n, `jellyseerr-${n} (acknowledged, missing at start ${round})`);
      } finally {
        await rec.close();
      }
      if (round > ROUNDS) {
        expect(await child.stop(), child.text).toEqual({ code: 0, signal: null });
        break;
      }
      let killed = false;
      const onAnswer =
        (n: number) =>
        (a: HookAnswer): void => {
          if (!acknowledged(a) || killed) return;
          acked.add(n);
          const item = (a.body.results as Array<{ status: string }> | undefined)?.[0];
          if (item?.status === 'duplicate') figures.duplicateAcks++;
          else figures.acceptedAcks++;
          // The first acknowledgement of the round: kill before anything else can happen.
          killed = true;
          child.proc.kill('SIGKILL');
        };
      const sends: Array<Promise<void>> = [];
      for (let i = 0; i < PAIRS; i++) {
        const n = next++;
        const text = body(n);
        for (let copy = 0; copy < 2; copy++) sends.push(postHook(child.webhookUrl, '/hooks/jellyseerr', text, SECRET, 10_000).then(onAnswer(n)));
      }
      await Promise.all(sends);
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    }

    record({
      suite: 'Concurrent duplicates under SIGKILL',
      rounds: ROUNDS,
      sent: (next - 1) * 2,
      acknowledged: acked.size,
      stored: acked.size - figures.lost.size,
      losses: figures.lost.size,
      crashes: 0,
      notes: [`${PAIRS} webhooks per round, each posted twice at once; killed at the first acknowledgement (${figures.duplicateAcks} were "duplicate", ${figures.acceptedAcks} "accepted")`],
    });
    expect([...figures.lost.values()]).toEqual([]);
  });
});
