/**
 * The built tracker (`node dist/main.js`) as a child process for the fault and security
 * suites: its own options file, fixed or free ports, every line it prints kept, and the
 * ways a process ends (SIGKILL, SIGTERM) observed rather than assumed.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePorts } from '../../helpers/ports.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = join(ROOT, 'dist', 'main.js');

/** Rebuilds a stale dist/ when a suite runs on its own; only a missing entry is fatal. */
export function ensureBuilt(): void {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing; the build said:\n${built.stdout}${built.stderr}`);
}

export interface Ports {
  webhook: number;
  ingress: number;
  mqtt: number;
}

export interface ChildSpec {
  dataDir: string;
  secret: string;
  /** Where the options file goes (not the data dir: that one may be full or read-only). */
  optionsDir: string;
  /** Fixed ports survive a restart (subscribers reconnect to the same address). */
  ports?: Ports;
  /** Extra options merged over the defaults (`mqtt` is merged one level deep). */
  options?: Record<string, unknown>;
  /** Extra environment. */
  env?: Record<string, string>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const live = new Set<TrackerProcess>();

/** SIGKILLs every child still running (afterAll of each suite). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill('SIGKILL')));
}

export class TrackerProcess {
  readonly output: string[] = [];
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(
    readonly proc: ChildProcess,
    readonly ports: Ports,
  ) {
    live.add(this);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => this.output.push(d));
    this.exited = new Promise<Exit>((resolve) =>
      proc.once('exit', (code, signal) => {
        live.delete(this);
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.ports.webhook}`;
  }

  get ingressUrl(): string {
    return `http://127.0.0.1:${this.ports.ingress}`;
  }

  get mqttUrl(): string {
    return `mqtt://127.0.0.1:${this.ports.mqtt}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.ports.ingress}/mqtt`;
  }

  get alive(): boolean {
    return this.exit === null;
  }

  get text(): string {
    return this.output.join('');
  }

  /** Starts the tracker and resolves once it answers /health and printed its listening lines. */
  static async start(spec: ChildSpec): Promise<TrackerProcess> {
    for (let attempt = 1; ; attempt++) {
      const ports = spec.ports ?? (await freeTrackerPorts());
      const extra = spec.options ?? {};
      const optionsPath = join(spec.optionsDir, `options-${ports.webhook}.json`);
      await writeFile(
        optionsPath,
        JSON.stringify({
          data_dir: spec.dataDir,
          log_level: 'info',
          webhook_secret: spec.secret,
          webhook_port: ports.webhook,
          ingress_port: ports.ingress,
          ...extra,
          mqtt: { mode: 'embedded', port: ports.mqtt, ha_birth_delay_s: 0, ...((extra.mqtt as object | undefined) ?? {}) },
        }),
      );
      const proc = spawn(process.execPath, [MAIN], {
        cwd: ROOT,
        env: { ...process.env, MEDIA_TRACKER_OPTIONS: optionsPath, ...spec.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const child = new TrackerProcess(proc, ports);
      const ready = await child.untilReady();
      if (ready) return child;
      // Another process took a free port between the probe and the child's listen.
      if (!spec.ports && attempt < 3 && /cannot listen|EADDRINUSE/.test(child.text)) continue;
      throw new Error(`the tracker exited during start-up (${JSON.stringify(child.exit)})\n--- output ---\n${child.text}`);
    }
  }

  private async untilReady(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) return false;
      if (this.text.includes(' is running (')) {
        const health = await fetch(`${this.webhookUrl}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
        if (health?.ok) return true;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.kill('SIGKILL');
    throw new Error(`the tracker did not become ready in ${timeoutMs} ms\n--- output ---\n${this.text}`);
  }

  /** `loaded N requests (M journal records replayed)` from this run's start-up. */
  loaded(): { requests: number; replayed: number } {
    const m = /loaded (\d+) requests \((\d+) journal records replayed\)/.exec(this.text);
    if (!m) throw new Error(`no "loaded" line in the output:\n${this.text}`);
    return { requests: Number(m[1]), replayed: Number(m[2]) };
  }

  /** Sends `signal` and resolves with how the process ended. */
  async kill(signal: NodeJS.Signals): Promise<Exit> {
    if (this.alive) this.proc.kill(signal);
    return this.exited;
  }

  /** A clean stop: SIGTERM, then the exit (which must be code 0). */
  async stop(timeoutMs = 20_000): Promise<Exit> {
    if (!this.alive) return this.exited;
    this.proc.kill('SIGTERM');
    const timer = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), timeoutMs).unref());
    const result = await Promise.race([this.exited, timer]);
    if (result === 'hung') {
      await this.kill('SIGKILL');
      throw new Error(`the tracker did not stop within ${timeoutMs} ms of SIGTERM\n--- output ---\n${this.text}`);
    }
    return result;
  }
}

export async function freeTrackerPorts(): Promise<Ports> {
  const [webhook, ingress, mqtt] = (await freePorts(3)) as [number, number, number];
  return { webhook, ingress, mqtt };
}

export interface HookAnswer {
  /** 0 when the connection failed (refused, reset: the tracker is down or was killed). */
  status: number;
  body: Record<string, unknown>;
  text: string;
  error?: string;
}

/** POSTs a webhook with the secret as a Bearer token; never throws. */
export async function postHook(baseUrl: string, route: string, body: string, secret: string, timeoutMs = 20_000): Promise<HookAnswer> {
  try {
    const res = await fetch(`${baseUrl}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    return { status: res.status, body: parsed, text };
  } catch (err) {
    return { status: 0, body: {}, text: '', error: (err as Error).message };
  }
}
