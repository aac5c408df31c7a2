/**
 * `npm run bench`: one command, one report (docs/benchmarks.md, regenerated).
 *
 *   1. Ingestion (ingest.ts): webhooks through the real HTTP route into real trackers —
 *      {durable storage, storage disabled} × {1,000, 10,000, 100,000} stored requests — each in a
 *      fresh process, the load generator in another, measured slices interleaved.
 *   2. Cold start and idle (cold.ts): 10,000 requests + 100,000 episodes, start → every retained
 *      topic at a fresh subscriber, peak RSS, then 60 s idle; an empty tracker as the baseline.
 *   3. Panel (panel.ts): 10,000 stored requests in Chromium — navigation → interactive, retained replay over
 *      WebSocket vs TCP, long tasks while 50 downloads move.
 *   4. Watchers (watch.ts): a download change → MQTT per path (qBittorrent, Transmission, SABnzbd, the *arr queue) and Jellyfin webhook → AVAILABLE latencies,
 *      upstream requests per poll cycle at 1 vs 500 tracked requests.
 * Every figure is reported next to its same-run baseline and its goal (report.ts).
 *
 * Options (after `npm run bench --`):
 *   --only=<name>[,<name>]   run some parts: ingestion configurations (e.g. durable-10k), cold-start, panel,
 *                            or watcher scenarios (qbittorrent-, transmission-, deluge-, sabnzbd-, nzbget-, queue-latency, jellyfin-latency, requests-per-cycle);
 *                            docs/benchmarks.md is not rewritten
 *   --samples=<n>            samples per watcher latency scenario (default 20)
 *   --measured=<n>           measured webhooks per ingestion configuration (default 5000)
 *   --warmup=<n>             warm-up webhooks per configuration (default 500)
 *   --concurrency=<n>        connections (default 32)
 *   --slice=<n>              measured webhooks per interleaved slice (default 500)
 *   --cold-runs=<n>          cold starts per store (default 3)
 *   --idle=<s>               idle window in seconds (default 60)
 *   --profile                CPU-profile each ingestion tracker during its measured slices (files in a
 *                            temp dir; summarise with `node dist-bench/bench/profile.js <file>`)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, intArg } from './args.js';
import { Bases } from './bases.js';
import { runColdBench } from './cold.js';
import { coldReport } from './cold-report.js';
import { runIngestBench, type BenchConfig } from './ingest.js';
import { ingestReport } from './ingest-report.js';
import { panelReport, type PanelResult } from './panel-report.js';
import type { Peer } from './peer.js';
import type { PopulationSpec } from './prepare-target.js';
import { bigShowsFor } from './population.js';
import { renderConsole, renderReport, type ReportInput } from './report.js';
import { runWatchBench, WATCH_SCENARIOS } from './watch.js';
import { watchReport } from './watch-report.js';

/** The whole run must end within 15 minutes on a 2-core machine (six download paths at 20 samples each take ~2.5 min). */
const RUN_TIMEOUT_MS = 900_000;
const COLD = { stored: 10_000, episodes: 100_000 } as const;
const SIZES = [1000, 10_000, 100_000] as const;

const FS_TYPES: Record<number, string> = {
  61267: 'ext4',
  16914836: 'tmpfs',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  2035054128: 'overlayfs',
  26985: 'nfs',
  1702057286: 'fuse',
  801189825: 'zfs',
  4076150800: 'f2fs',
};

function machine(): Record<string, string> {
  const cpus = os.cpus();
  let fsType = 'unknown';
  try {
    const t = statfsSync(os.tmpdir()).type;
    fsType = FS_TYPES[t] ?? `0x${t.toString(16)}`;
  } catch {
    // statfs is best effort
  }
  let commit = 'unknown';
  const git = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  if (git.status === 0) {
    const dirty = spawnSync('git', ['status', '--porcelain'], { encoding: 'utf8' }).stdout.trim() !== '';
    commit = `${git.stdout.trim()}${dirty ? ' (with uncommitted changes)' : ''}`;
  }
  let deps = '';
  try {
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages?: Record<string, { version?: string }> };
    deps = ['express', 'aedes'].map((d) => `${d} ${lock.packages?.[`node_modules/${d}`]?.version ?? '?'}`).join(', ');
  } catch {
    deps = 'n/a';
  }
  return {
    CPU: `${cpus[0]?.model.trim() ?? 'unknown'}`,
    Cores: `${cpus.length} (available parallelism ${os.availableParallelism()})`,
    Memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    OS: `${os.type()} ${os.release()} (${os.arch()})`,
    Node: process.version,
    'Data dir': `${os.tmpdir()} (${fsType}; fsync cost depends on it)`,
    Commit: commit,
    Libraries: deps,
  };
}

async function main(): Promise<void> {
  const settings = { measured: intArg('measured', 5000), warmup: intArg('warmup', 500), concurrency: intArg('concurrency', 32), sliceSize: intArg('slice', 500) };
  const only = arg('only')?.split(',').filter(Boolean) ?? null;
  const profileDir = arg('profile') !== undefined ? mkdtempSync(join(os.tmpdir(), 'media-tracker-bench-prof-')) : null;
  const all: BenchConfig[] = [
    ...SIZES.flatMap((stored) => [false, true].map((durable) => ({ name: `${durable ? 'durable' : 'no-storage'}-${stored / 1000}k`, durable, stored }))),
    // The same as durable-10k without watchable-time estimates: what the estimator costs per event.
    { name: 'durable-10k-no-estimates', durable: true, stored: 10_000, estimates: false },
  ];
  const configs = only ? all.filter((c) => only.includes(c.name)) : all;
  const cold = !only || only.includes('cold-start');
  const panelOn = !only || only.includes('panel');
  const scenarios = only ? WATCH_SCENARIOS.filter((w) => only.includes(w)) : [...WATCH_SCENARIOS];
  if (configs.length === 0 && scenarios.length === 0 && !cold && !panelOn) {
    throw new Error(`--only matched nothing; names: ${[...all.map((c) => c.name), 'cold-start', 'panel', ...WATCH_SCENARIOS].join(', ')}`);
  }
  const samples = intArg('samples', 20);
  const idleS = intArg('idle', 60);
  const coldRuns = intArg('cold-runs', 3);

  const started = new Date();
  const facts = machine();
  const loadBefore = os.loadavg();
  console.log(`Media Tracker benchmark — ${started.toISOString()}`);
  for (const [k, v] of Object.entries(facts)) console.log(`  ${k}: ${v}`);
  console.log(`  load average before: ${loadBefore.map((x) => x.toFixed(2)).join(' ')}\n`);

  const peers: Peer[] = [];
  const bases = new Bases();
  const track = (p: Peer) => void peers.push(p);
  const progress = (s: string) => void process.stdout.write(s);
  const deadline = setTimeout(() => {
    console.error(`benchmark: gave up after ${RUN_TIMEOUT_MS / 1000} s`);
    for (const p of peers) p.kill();
    void bases.cleanup().finally(() => process.exit(2));
  }, RUN_TIMEOUT_MS);
  deadline.unref();

  try {
    // ---- 0. Data dirs: each population stored once, two at a time; trackers start from copies.
    const coldSpec: PopulationSpec = { stored: COLD.stored, bigHistoryShows: bigShowsFor(COLD.stored, COLD.episodes) };
    const specs = new Map<string, PopulationSpec>(configs.map((c) => [`${c.stored / 1000}k`, { stored: c.stored }]));
    if (cold) specs.set('cold', coldSpec);
    await bases.prepare(specs, track, progress);

    // ---- 1. Ingestion
    const withBase = configs.map((c) => {
      const b = bases.get(`${c.stored / 1000}k`);
      return { ...c, base: b.dir, prepop: b.prepop };
    });
    const results = await runIngestBench({ configs: withBase, ...settings, profileDir, track, progress });
    if (configs.length) progress('\n');

    // ---- 2. Cold start and idle
    const coldBench = cold ? await runColdBench({ base: bases.get('cold'), spec: coldSpec, runs: coldRuns, idleS, track, progress }) : null;

    // ---- 3. Panel: 10,000 stored requests rendered in Debian's Chromium (a dev dependency drives it).
    let panel: PanelResult | null = null;
    if (panelOn) {
      const { runPanelBench } = await import('./panel.js');
      progress('panel: 10,000 requests in Chromium … ');
      panel = await runPanelBench({ requests: 10_000, log: (m) => progress(`${m}\n`) });
    }

    // ---- 4. Watchers
    const watch = scenarios.length ? await runWatchBench({ samples, scenarios: new Set(scenarios), track, progress }) : null;

    const input: ReportInput = {
      started,
      facts,
      loadBefore,
      loadAfter: os.loadavg(),
      elapsedS: (Date.now() - started.getTime()) / 1000,
      ingest: results.length ? ingestReport(results, settings) : null,
      cold: coldBench ? coldReport(coldBench, idleS) : null,
      panel: panelReport(panel),
      watch: watch ? watchReport(watch) : null,
      warnings:
        loadBefore[0]! > 0.5
          ? [
              `the machine was not idle (1-min load average ${loadBefore[0]!.toFixed(2)} before the run): absolute numbers are depressed and noisy; the ratios compare figures measured side by side in this run`,
            ]
          : [],
    };
    console.log(`\n${renderConsole(input)}\n\nTotal run time ${input.elapsedS.toFixed(0)} s.`);
    if (profileDir) console.log(`CPU profiles of the measured slices: ${profileDir} (summarise: node dist-bench/bench/profile.js ${profileDir}/<name>.cpuprofile)`);
    if (only) {
      const partial = join(os.tmpdir(), 'media-tracker-bench-partial.md');
      writeFileSync(partial, renderReport(input));
      console.log(`(--only given: docs/benchmarks.md not rewritten; this run's report is in ${partial})`);
      return;
    }
    const docPath = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
    writeFileSync(docPath, renderReport(input));
    console.log(`Wrote ${docPath}`);
  } finally {
    clearTimeout(deadline);
    await bases.cleanup();
    for (const p of peers) if (p.child.connected) p.child.disconnect();
    await Promise.all(peers.map((p) => p.waitExit(15_000)));
    for (const p of peers) p.kill();
  }
}

main().catch((err: unknown) => {
  console.error(`benchmark failed: ${String((err as Error)?.stack ?? err)}`);
  process.exit(1);
});
