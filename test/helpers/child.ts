/**
 * The tracker as a real child process (`node dist/main.js`, or the image's entry command):
 * options in a temp file, free loopback ports, its output kept for assertions, and a stop
 * that sends a signal and reports the exit code and how long the stop took.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from './ports.js';
import { waitFor } from './wait.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = join(ROOT, 'dist', 'main.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppProcess {
  proc: ChildProcess;
  dir: string;
  ports: Ports;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  exited: Promise<Exit>;
  /** Sends `signal` and waits for the exit; `ms` is the time from the signal to the exit. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit & { ms: number }>;
  /** Ends the process if a test failed half-way, and removes the temp dir unless `keep`. */
  dispose(): Promise<void>;
}

export interface SpawnOptions {
  /** Options merged over the ports and data dir this helper picks. */
  options?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Command line; default `node dist/main.js`. */
  command?: string[];
  cwd?: string;
  /** Reuse a data dir (restart on the same state). */
  dir?: string;
  keep?: boolean;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Whether a spawned process still runs. */
export const alive = (p: ChildProcess | null): p is ChildProcess => p !== null && p.exitCode === null && p.signalCode === null;

/** Daemons a test file started (add and delete as they start and stop): killed on any exit, even a crash of the test runner. */
export const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of children) if (alive(p)) p.kill('SIGKILL');
});

export interface Ports {
  webhook: number;
  ingress: number;
  mqtt: number;
}

export async function freeTrackerPorts(): Promise<Ports> {
  const [webhook, ingress, mqtt] = (await freePorts(3)) as [number, number, number];
  return { webhook, ingress, mqtt };
}

/** Writes an options file for `ports`: `options` go over the ports, `mqtt` is merged one level deep. */
export async function writeOptions(file: string, ports: Ports, options: Record<string, unknown>): Promise<void> {
  const mqtt = (options.mqtt as object | undefined) ?? {};
  await writeFile(file, JSON.stringify({ webhook_port: ports.webhook, ingress_port: ports.ingress, ...options, mqtt: { port: ports.mqtt, ha_birth_delay_s: 0, ...mqtt } }));
}

export interface Launched {
  proc: ChildProcess;
  /** Every chunk written to stdout and stderr so far. */
  output: string[];
  exited: Promise<Exit>;
}

/** Starts the tracker on an options file (SIGKILLed if the test runner exits first), keeping its output. */
export function launch(optionsFile: string, opts: { command?: string[]; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Launched {
  const [cmd = process.execPath, ...args] = opts.command ?? [process.execPath, MAIN];
  const proc = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: { MEDIA_TRACKER_OPTIONS: optionsFile, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const output: string[] = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => output.push(d));
  const exited = new Promise<Exit>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  return { proc, output, exited };
}

export async function spawnApp(opts: SpawnOptions = {}): Promise<AppProcess> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'media-tracker-proc-')));
  const ports = await freeTrackerPorts();
  const file = join(dir, 'options.json');
  await writeOptions(file, ports, { data_dir: join(dir, 'data'), ...opts.options });
  const { proc, output: chunks, exited } = launch(file, { command: opts.command, cwd: opts.cwd, env: { PATH: process.env.PATH, ...opts.env } });
  const alive = () => proc.exitCode === null && proc.signalCode === null;
  return {
    proc,
    dir,
    ports,
    output: () => chunks.join(''),
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      const t0 = Date.now();
      if (alive()) proc.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running ${timeoutMs} ms after ${signal}:\n${chunks.join('')}`)), timeoutMs);
      });
      try {
        const exit = await Promise.race([exited, timeout]);
        return { ...exit, ms: Date.now() - t0 };
      } finally {
        clearTimeout(timer);
      }
    },
    async dispose() {
      if (alive()) {
        proc.kill('SIGKILL');
        await exited;
      }
      if (!opts.keep && !opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** GET a JSON document; undefined while the server is not (yet) answering 2xx. */
export async function getJson(url: string): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until the process answers `/health` on its webhook port, or fails with its output. */
export async function untilHealthy(app: AppProcess, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => {
      if (app.proc.exitCode !== null) throw new Error(`exited with ${app.proc.exitCode} before it was healthy:\n${app.output()}`);
      return getJson(`http://127.0.0.1:${app.ports.webhook}/health`);
    },
    `/health on ${app.ports.webhook}\n${app.output()}`,
    timeoutMs,
  );
}

/** POSTs a webhook to the process with the secret as a bearer token; returns the HTTP status. */
export async function postHook(app: AppProcess, route: string, body: unknown, secret: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${app.ports.webhook}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}
