/**
 * `npm run bench`: webhook ingestion through the real HTTP route into a real tracker, in
 * four configurations — {durable storage, storage disabled} × {1,000, 10,000 stored
 * requests} — each in a fresh process (target.ts) with the load generator in a child of
 * it (loadgen.ts). Prints a table and regenerates docs/benchmarks.md.
 *
 * Options (after `npm run bench --`):
 *   --only=<name>[,<name>]   run some configurations (e.g. durable-10k); docs are not written
 *   --measured=<n>           measured webhooks per configuration (default 4000)
 *   --warmup=<n>             warm-up webhooks per configuration (default 500)
 *   --concurrency=<n>        connections (default 32)
 *   --profile                run the tracker processes with --cpu-prof (profiles in a temp dir)
 */
import { fork, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchConfig, ConfigResult } from './target.js';
import { ACTIVE_MOVIES, ACTIVE_SHOWS, BIG_EPISODES_PER_SEASON, BIG_SEASONS, BIG_SHOWS, EPISODES_PER_SHOW, MIX } from './population.js';
import { fmt, fmtInt, table } from './stats.js';

const GOAL_RATIO = 0.8;
const GOAL_GROWTH = 1.2;
const CONFIG_TIMEOUT_MS = 170_000;

function arg(name: string): string | undefined {
  const hit = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (!hit) return undefined;
  const eq = hit.indexOf('=');
  return eq < 0 ? '' : hit.slice(eq + 1);
}

function intArg(name: string, dflt: number): number {
  const v = arg(name);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

const FS_TYPES: Record<number, string> = {
  0xef53: 'ext4',
  0x01021994: 'tmpfs',
  0x58465342: 'xfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x6969: 'nfs',
  0x65735546: 'fuse',
  0x2fc12fc1: 'zfs',
  0xf2f52010: 'f2fs',
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

function runConfig(config: BenchConfig, profileDir: string | null): Promise<ConfigResult> {
  const execArgv = ['--expose-gc', ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${config.name}.cpuprofile`] : [])];
  const child = fork(fileURLToPath(new URL('./target.js', import.meta.url)), [JSON.stringify(config)], { execArgv, stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    let result: ConfigResult | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${config.name}: no result after ${CONFIG_TIMEOUT_MS / 1000} s`));
    }, CONFIG_TIMEOUT_MS);
    child.on('message', (m: unknown) => {
      const msg = m as { type: string; result?: ConfigResult };
      if (msg.type === 'result') result = msg.result!;
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${config.name}: the tracker process exited with code ${code} without a result`));
    });
  });
}

interface Goal {
  label: string;
  goal: string;
  measured: string;
  status: string;
}

function verdict(ok: boolean | null): string {
  return ok === null ? 'INCONCLUSIVE' : ok ? 'met' : 'MISSED';
}

async function main(): Promise<void> {
  const measured = intArg('measured', 4000);
  const warmup = intArg('warmup', 500);
  const concurrency = intArg('concurrency', 32);
  const only = arg('only')?.split(',').filter(Boolean) ?? null;
  const profileDir = arg('profile') !== undefined ? mkdtempSync(join(os.tmpdir(), 'media-tracker-bench-prof-')) : null;
  const all: BenchConfig[] = [1000, 10_000].flatMap((stored) =>
    [false, true].map((durable) => ({
      name: `${durable ? 'durable' : 'no-storage'}-${stored / 1000}k`,
      durable,
      stored,
      warmup,
      measured,
      concurrency,
    })),
  );
  const configs = only ? all.filter((c) => only.includes(c.name)) : all;
  if (configs.length === 0) throw new Error(`--only matched nothing; names: ${all.map((c) => c.name).join(', ')}`);

  const started = new Date();
  const facts = machine();
  console.log(`Media Tracker ingestion benchmark — ${started.toISOString()}`);
  for (const [k, v] of Object.entries(facts)) console.log(`  ${k}: ${v}`);
  console.log(`  ${warmup} warm-up + ${measured} measured webhooks per configuration, ${concurrency} keep-alive connections\n`);

  const results: ConfigResult[] = [];
  for (const c of configs) {
    process.stdout.write(`${c.name}: pre-populating ${fmtInt(c.stored)} requests, then ${warmup + measured} webhooks … `);
    const r = await runConfig(c, profileDir);
    results.push(r);
    const m = r.measure;
    console.log(
      `${fmt(m.eventsPerSec, 0)} events/s, p50 ${fmt(m.p50)} ms, p99 ${fmt(m.p99)} ms ` +
        `(pre-population ${fmtInt(r.prepop.events)} events in ${fmt(r.prepop.ms / 1000, 1)} s)`,
    );
    if (m.httpErrors || m.notAccepted || r.warmup.httpErrors || r.warmup.notAccepted || r.prepop.notAccepted) {
      console.log(`  WARNING: ${m.httpErrors + r.warmup.httpErrors} HTTP errors, ${m.notAccepted + r.warmup.notAccepted} responses not "accepted", ${r.prepop.notAccepted} pre-population events not accepted`);
      for (const s of m.samples) console.log(`    ${s}`);
    }
  }
  const elapsed = (Date.now() - started.getTime()) / 1000;

  const by = (name: string) => results.find((r) => r.config.name === name);
  const rows = results.map((r) => {
    const m = r.measure;
    const j = m.journal;
    return [
      r.config.durable ? 'durable' : 'no storage',
      fmtInt(r.prepop.requests),
      fmtInt(m.events),
      fmt(m.eventsPerSec, 0),
      fmt(m.p50),
      fmt(m.p99),
      fmt(m.mean),
      fmt(m.cpuUsPerEvent, 0),
      fmt(m.elu * 100, 0),
      r.config.durable ? `${fmtInt(j.batches)} / ${fmtInt(j.records)} (${fmt(j.records / Math.max(1, j.batches), 1)})` : '—',
      m.io ? fmt((m.io.writeMs + m.io.syncMs) / Math.max(1, m.io.syncs), 2) : '—',
    ];
  });
  const head = ['storage', 'stored requests', 'events', 'events/s', 'p50 ms', 'p99 ms', 'mean ms', 'CPU µs/event', 'loop busy %', 'journal batches / records (per batch)', 'write+fsync ms/batch'];
  const mainTable = table(head, rows);

  // ---- Goals
  const goals: Goal[] = [];
  const ratioAt = (k: string): number | null => {
    const d = by(`durable-${k}`);
    const n = by(`no-storage-${k}`);
    return d && n ? d.measure.eventsPerSec / n.measure.eventsPerSec : null;
  };
  const costAt = (k: string): number | null => {
    const d = by(`durable-${k}`);
    const n = by(`no-storage-${k}`);
    return d && n ? d.measure.mean - n.measure.mean : null;
  };
  const ioPerRecord = (k: string): number | null => {
    const d = by(`durable-${k}`);
    if (!d?.measure.io || d.measure.journal.records === 0) return null;
    return (d.measure.io.writeMs + d.measure.io.syncMs) / d.measure.journal.records;
  };
  const r1 = ratioAt('1k');
  const r10 = ratioAt('10k');
  if (r1 !== null) goals.push({ label: 'durable ÷ no-storage events/s at 1k', goal: '(informative)', measured: fmt(r1, 3), status: '—' });
  if (r10 !== null) goals.push({ label: 'durable ÷ no-storage events/s at 10k', goal: `≥ ${GOAL_RATIO}`, measured: fmt(r10, 3), status: verdict(r10 >= GOAL_RATIO) });
  const c1 = costAt('1k');
  const c10 = costAt('10k');
  if (c1 !== null) goals.push({ label: 'store cost per event at 1k (mean latency durable − no storage)', goal: '', measured: `${fmt(c1, 3)} ms`, status: '—' });
  if (c10 !== null) goals.push({ label: 'store cost per event at 10k (mean latency durable − no storage)', goal: '', measured: `${fmt(c10, 3)} ms`, status: '—' });
  if (c1 !== null && c10 !== null) {
    const conclusive = c1 > 0.05;
    const growth = conclusive ? c10 / c1 : NaN;
    goals.push({
      label: 'store cost per event, 10k ÷ 1k',
      goal: `≤ ${GOAL_GROWTH}`,
      measured: conclusive ? fmt(growth, 3) : `n/a (1k cost ${fmt(c1, 3)} ms is within noise)`,
      status: verdict(conclusive ? growth <= GOAL_GROWTH : null),
    });
  }
  const io1 = ioPerRecord('1k');
  const io10 = ioPerRecord('10k');
  if (io1 !== null && io10 !== null) {
    goals.push({ label: 'journal write+fsync wall time per record, 1k → 10k (secondary definition)', goal: '', measured: `${fmt(io1, 3)} → ${fmt(io10, 3)} ms`, status: '—' });
    goals.push({ label: 'journal write+fsync per record, 10k ÷ 1k', goal: `≤ ${GOAL_GROWTH}`, measured: fmt(io10 / io1, 3), status: verdict(io10 / io1 <= GOAL_GROWTH) });
  }
  const goalTable = table(['metric', 'goal', 'measured', 'status'], goals.map((g) => [g.label, g.goal, g.measured, g.status]));

  // ---- Details
  const kinds = ['radarr-grab', 'radarr-download', 'sonarr-grab', 'sonarr-download', 'jellyseerr-new'];
  const kindTable = table(
    ['configuration', ...kinds.map((k) => `${k} p50 / mean ms`)],
    results.map((r) => [r.config.name, ...kinds.map((k) => (r.measure.byKind[k] ? `${fmt(r.measure.byKind[k].p50)} / ${fmt(r.measure.byKind[k].mean)}` : '—'))]),
  );
  const detailTable = table(
    ['configuration', 'pre-population events', 'pre-population s', 'settle snapshot ms', 'snapshot MiB', 'GC ms (count) while measured', 'heap MiB', 'p90 ms', 'max ms', 'errors / not accepted'],
    results.map((r) => [
      r.config.name,
      fmtInt(r.prepop.events),
      fmt(r.prepop.ms / 1000, 1),
      r.settle.snapshotMs === null ? '—' : fmtInt(r.settle.snapshotMs),
      r.settle.snapshotBytes === null ? '—' : fmt(r.settle.snapshotBytes / 1_048_576, 1),
      `${fmt(r.measure.gcMs, 0)} (${r.measure.gcCount})`,
      fmt(r.measure.heapUsedMB, 0),
      fmt(r.measure.p90),
      fmt(r.measure.max),
      `${r.measure.httpErrors + r.warmup.httpErrors} / ${r.measure.notAccepted + r.warmup.notAccepted}`,
    ]),
  );

  console.log(`\n${mainTable}\n\n${goalTable}\n`);
  console.log(`Latency by webhook kind:\n${kindTable}\n`);
  console.log(`Details:\n${detailTable}\n`);
  console.log(`Total run time ${fmt(elapsed, 0)} s.`);
  if (profileDir) console.log(`CPU profiles: ${profileDir} (summarise with: node dist/bench/profile.js ${profileDir}/<name>.cpuprofile)`);

  if (only) {
    console.log('(--only given: docs/benchmarks.md not rewritten)');
    return;
  }

  const docPath = fileURLToPath(new URL('../../docs/benchmarks.md', import.meta.url));
  const snapshotNote = results
    .filter((r) => r.config.durable && r.settle.snapshotMs !== null)
    .map((r) => `${fmtInt(r.prepop.requests)} requests: ${fmtInt(r.settle.snapshotMs!)} ms, ${fmt((r.settle.snapshotBytes ?? 0) / 1_048_576, 1)} MiB`)
    .join('; ');
  const doc = `# Benchmarks

_Generated by \`npm run bench\` (src/bench/run.ts) on ${started.toISOString()}; rewritten on every run. Do not edit by hand._

## Command

\`\`\`
npm run bench
\`\`\`

## Machine

${Object.entries(facts)
  .map(([k, v]) => `- **${k}:** ${v}`)
  .join('\n')}

## What is measured

Webhook ingestion through the real HTTP route (\`POST /hooks/{radarr,sonarr,jellyseerr}\`, \`Authorization: Bearer <secret>\`,
real-shaped JSON bodies from \`src/demo/payloads.ts\`) into a real tracker (Express, adapters, correlate → reduce →
journal append with group-committed fsync → MQTT publish to the embedded aedes broker), with storage enabled
(\`durable\`) or disabled (\`no storage\`, nothing written: the baseline).

- Each configuration runs in a fresh Node process; the load generator runs in a separate child process, so the
  tracker's event loop is measured alone. ${concurrency} keep-alive connections (plain \`node:http\`), closed loop,
  ${warmup} warm-up webhooks, then ${measured} measured ones. Latency = request written → whole response read.
  events/s = measured webhooks ÷ wall time of the measured phase.
- Stored requests (pre-populated in process through the adapters and \`engine.ingest()\` in batches of 500, then a
  retention sweep, a fresh snapshot, MQTT queue drained, GC): 90 % movies, 10 % TV. An active set identical at every
  size — ${ACTIVE_MOVIES} movies waiting for their import, ${ACTIVE_SHOWS} airing series with ${EPISODES_PER_SHOW} episodes,
  ${BIG_SHOWS} long-running series with ${BIG_SEASONS * BIG_EPISODES_PER_SEASON} episodes each — plus finished history
  (movies requested → grabbed → imported → available, series with ${EPISODES_PER_SHOW} available episodes) that makes up
  the rest. Only the history grows from 1k to 10k.
- Measured mix (seeded, identical in every configuration): ${MIX.radarr * 100} % Radarr Grab/Download on active movies
  (each a new release or a new file), ${MIX.sonarr * 100} % Sonarr Grab/Download of new episodes of active series,
  ${MIX.jellyseerr * 100} % Jellyseerr notifications creating new requests. Every webhook is a distinct fact that changes a
  request (the bench checks that every response says \`accepted\`), so every one is journaled when storage is on.
- No snapshot falls inside the measured window (one is taken every 20,000 records or 5 minutes). Snapshot cost is
  listed separately below (${snapshotNote || 'n/a'}); it is written in chunks off the request path.

## Results

${mainTable}

- **CPU µs/event**: user + system CPU time of the tracker process (all threads) during the measured phase ÷ events.
- **loop busy %**: event-loop utilisation of the tracker during the measured phase.
- **journal batches / records**: group commit effectiveness from \`store.stats\` (records per write + fsync).
- **write+fsync ms/batch**: wall time of the journal file's \`write()\` + \`datasync()\` per batch (timed on the handle).

## Goals

${goalTable}

Definitions: *store cost per event* = mean latency (durable) − mean latency (no storage), same workload, same
concurrency. The secondary definition is the journal's write + fsync wall time per record (\`write()\` + \`datasync()\`
time per batch ÷ records per batch). A goal that is missed is reported as MISSED; none is hidden.

## Latency by webhook kind

${kindTable}

## Details

${detailTable}

Total run time: ${fmt(elapsed, 0)} s.
`;
  writeFileSync(docPath, doc);
  console.log(`Wrote ${docPath}`);
}

main().catch((err: unknown) => {
  console.error(`benchmark failed: ${String((err as Error)?.stack ?? err)}`);
  process.exit(1);
});
