/**
 * Prepared data dirs ("bases") for the benchmarks: each population is stored once by
 * prepare-target.ts, then every tracker that needs it starts from a copy. Two are prepared at
 * a time (the machine has two cores); the largest first, so the others fill the second lane.
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Peer } from './peer.js';
import type { PopulationSpec } from './prepare-target.js';
import type { Prepop } from './prepop.js';

export interface Base {
  dir: string;
  prepop: Prepop;
  episodes: number;
}

const PREPARE_TIMEOUT_MS = 400_000;

async function prepareOne(key: string, spec: PopulationSpec, track: (p: Peer) => void): Promise<Base> {
  const dir = await mkdtemp(join(tmpdir(), `media-tracker-bench-base-${key}-`));
  const script = fileURLToPath(new URL('./prepare-target.js', import.meta.url));
  // 100k requests with their MQTT retained set need more than V8's default old space on small machines.
  const peer = new Peer(`prepare ${key}`, fork(script, [dir, JSON.stringify(spec)], { execArgv: ['--max-old-space-size=6144'], stdio: 'inherit' }));
  track(peer);
  try {
    const m = await peer.request<{ prepop: Prepop; episodes: number }>(null, 'prepared', PREPARE_TIMEOUT_MS);
    await peer.waitExit(30_000);
    return { dir, prepop: m.prepop, episodes: m.episodes };
  } catch (err) {
    peer.kill();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export class Bases {
  private readonly made = new Map<string, Base>();

  get(key: string): Base {
    const b = this.made.get(key);
    if (!b) throw new Error(`no prepared data dir "${key}"`);
    return b;
  }

  /** Prepares every spec, two at a time, largest first. */
  async prepare(specs: Map<string, PopulationSpec>, track: (p: Peer) => void, progress: (s: string) => void): Promise<void> {
    const queue = [...specs].sort((a, b) => b[1].stored - a[1].stored || (b[1].bigHistoryShows ?? 0) - (a[1].bigHistoryShows ?? 0));
    if (queue.length === 0) return;
    progress(`preparing data dirs (${queue.map(([k]) => k).join(', ')}) … `);
    const lane = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [key, spec] = next;
        const b = await prepareOne(key, spec, track);
        this.made.set(key, b);
        progress(`${key} ${(b.prepop.ms / 1000).toFixed(1)} s; `);
      }
    };
    await Promise.all([lane(), lane()]);
    progress('done\n');
  }

  async cleanup(): Promise<void> {
    for (const b of this.made.values()) await rm(b.dir, { recursive: true, force: true });
    this.made.clear();
  }
}
