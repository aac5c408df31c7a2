/**
 * The built tracker (`node dist/main.js`) as a child process for the fault and security
 * suites: its own options file, fixed or free ports, every line it prints kept, and the
 * ways a process ends (SIGKILL, SIGTERM) observed rather than assumed.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freeTrackerPorts, launch, MAIN, ROOT, writeOptions, type Exit, type Ports } from '../../helpers/child.js';
import { waitFor } from '../../helpers/wait.js';

export { freeTrackerPorts, type Exit, type Ports };

/** Rebuilds a stale dist/ when a suite runs on its own; only a missing entry is fatal. */
export function ensureBuilt(): void {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'ensure-built.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing; the build said:\n${built.stdout}${built.stderr}`);
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

const live = new Set<TrackerProcess>();

/** SIGKILLs every child still running (afterAll of each suite). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill('SIGKILL')));
}

export class TrackerProcess {
  readonly exited: Promise<Exit>;
  private exit: Exit | null = null;

  private constructor(
    readonly proc: ChildProcess,
    readonly output: string[],
    exited: Promise<Exit>,
    readonly ports: Ports,
  ) {
    live.add(this);
    this.exited = exited.then((exit) => {
      live.delete(this);
      this.exit = exit;
      return exit;
    });
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
      await writeOptions(optionsPath, ports, {
        data_dir: spec.dataDir,
        log_level: 'info',
        webhook_secret: spec.secret,
        ...extra,
        mqtt: { mode: 'embedded', ...((extra.mqtt as object | undefined) ?? {}) },
      });
      const { proc, output, exited } = launch(optionsPath, { env: { ...process.env, ...spec.env } });
      const child = new TrackerProcess(proc, output, exited, ports);
      const ready = await child.untilReady();
      if (ready) return child;
      // Another process took a free port between the probe and the child's listen.
      if (!spec.ports && attempt < 3 && /cannot listen|EADDRINUSE/.test(child.text)) continue;
      throw new Error(`the tracker exited during start-up (${JSON.stringify(child.exit)})\n--- output ---\n${child.text}`);
    }
  }

  /** True once it answers /health and printed its listening lines, false if it exited first. */
  private async untilReady(timeoutMs = 30_000): Promise<boolean> {
    return waitFor(
      async () => {
        if (!this.alive) return false;
        if (!this.text.includes(' is running (')) return undefined;
        const health = await fetch(`${this.webhookUrl}/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null);
        return health?.ok ? true : undefined;
      },
      'the tracker to become ready',
      timeoutMs,
    ).catch(async (err: unknown) => {
      await this.kill('SIGKILL');
      throw new Error(`${(err as Error).message}\n--- output ---\n${this.text}`);
    });
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
