/**
 * A real Home Assistant Core for the e2e suite: installed by `scripts/ha-venv.sh` into one venv
 * per tested version (see HA_TARGETS), started as `hass -c <temp dir> --skip-pip` on a free
 * loopback port with a minimal configuration, onboarded through its HTTP API, and read through
 * its REST and WebSocket APIs. Every answer from HA is parsed with zod.
 *
 * Process hygiene: hass runs in its own process group (killed as a whole), and asks the kernel
 * for SIGTERM when the test process dies (PR_SET_PDEATHSIG), so no hass outlives a crashed run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { z } from 'zod';
import { freePorts } from './ports.js';
import { waitFor } from './wait.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** One Home Assistant version the suite runs against, and the venv scripts/ha-venv.sh made for it. */
export interface HaTarget {
  /** `2024.1` or `2025.4`, as $MEDIA_TRACKER_HA_VERSIONS names them. */
  label: string;
  /** Whole version numbers compare as `[year, month]`. */
  release: readonly [number, number];
  venv: string;
  venvVariable: string;
  /** The requirements file that pins `homeassistant==…`. */
  requirements: string;
}

const ALL_TARGETS: HaTarget[] = [
  // The oldest HA the suite runs (config.yaml's `homeassistant:` promises 2023.9), on Python 3.11.
  {
    label: '2024.1',
    release: [2024, 1],
    venv: process.env.MEDIA_TRACKER_HA_VENV ?? join(ROOT, '.venv-ha'),
    venvVariable: 'MEDIA_TRACKER_HA_VENV',
    requirements: join(ROOT, 'test/e2e/home-assistant/requirements.txt'),
  },
  // The newest HA the package index serves for Python 3.13.
  {
    label: '2025.4',
    release: [2025, 4],
    venv: process.env.MEDIA_TRACKER_HA_2025_VENV ?? join(ROOT, '.venv-ha-2025'),
    venvVariable: 'MEDIA_TRACKER_HA_2025_VENV',
    requirements: join(ROOT, 'test/e2e/home-assistant/2025/requirements.txt'),
  },
];

/** The versions to test: $MEDIA_TRACKER_HA_VERSIONS (space- or comma-separated, as for scripts/ha-venv.sh), else all. */
export function haTargets(selection = process.env.MEDIA_TRACKER_HA_VERSIONS): HaTarget[] {
  if (!selection?.trim()) return ALL_TARGETS;
  const wanted = selection.split(/[\s,]+/).filter(Boolean);
  const unknown = wanted.filter((w) => !ALL_TARGETS.some((t) => t.label === w));
  if (unknown.length) throw new Error(`$MEDIA_TRACKER_HA_VERSIONS names unknown versions ${unknown.join(', ')} (known: ${ALL_TARGETS.map((t) => t.label).join(', ')})`);
  return ALL_TARGETS.filter((t) => wanted.includes(t.label));
}

/** The target is this release or a later one. */
export function atLeast(target: HaTarget, year: number, month: number): boolean {
  const [y, m] = target.release;
  return y > year || (y === year && m >= month);
}

/** The pinned version of a target (its requirements.txt). */
export async function pinnedHaVersion(target: HaTarget): Promise<string> {
  const text = await readFile(target.requirements, 'utf8');
  const m = /^homeassistant==(\S+)$/m.exec(text);
  if (!m) throw new Error(`${target.requirements} pins no homeassistant version`);
  return m[1]!;
}

function hassBinary(target: HaTarget): string {
  const bin = join(target.venv, 'bin', 'hass');
  if (!existsSync(bin)) throw new Error(`Home Assistant ${target.label} is not installed in ${target.venv}: run \`bash scripts/ha-venv.sh\` (or set $${target.venvVariable} to a venv it made)`);
  return bin;
}

/**
 * Runs before exec in the child: PR_SET_PDEATHSIG (1) survives exec, so hass gets SIGTERM
 * the moment the process that started it goes away, however it goes.
 */
const PDEATHSIG_EXEC = [
  'import ctypes, os, signal, sys',
  'ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)',
  'sys.exit(1) if os.getppid() == 1 else os.execv(sys.argv[1], sys.argv[1:])',
].join('\n');

/**
 * Only what the suite needs: `default_config` would pull in dozens of integrations and packages.
 * MEDIA_TRACKER_HA_DEBUG=1 logs every MQTT message HA handles (for a failure's post-mortem).
 */
function configurationYaml(port: number): string {
  return `# Written by test/helpers/home-assistant.ts for one e2e run.
homeassistant:
  name: Media Tracker e2e
  latitude: 52.37
  longitude: 4.89
  elevation: 0
  unit_system: metric
  time_zone: UTC
  currency: EUR
  country: NL
http:
  server_host: 127.0.0.1
  server_port: ${port}
api:
websocket_api:
config:
onboarding:
# The log test reads the repair issues (not loaded by anything else in 2024.1).
repairs:
logger:
  default: warning
${process.env.MEDIA_TRACKER_HA_DEBUG ? '  logs:\n    homeassistant.components.mqtt: debug\n' : ''}`;
}

// ---------------------------------------------------------------------------------------
// What HA answers (only the fields the suite reads; HA may send more).

const authCode = z.object({ auth_code: z.string().min(1) });
const tokenAnswer = z.object({ access_token: z.string().min(1), token_type: z.literal('Bearer') });
const onboardingSteps = z.array(z.object({ step: z.string(), done: z.boolean() }));
const coreConfig = z.object({ state: z.string(), version: z.string() });

export const entityState = z.object({
  entity_id: z.string(),
  state: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  last_changed: z.string(),
});
export type EntityState = z.infer<typeof entityState>;

export const entityEntry = z.object({
  entity_id: z.string(),
  unique_id: z.string(),
  platform: z.string(),
  device_id: z.string().nullable(),
  entity_category: z.string().nullable(),
  original_name: z.string().nullable().optional(),
  has_entity_name: z.boolean(),
});
export type EntityEntry = z.infer<typeof entityEntry>;

export const deviceEntry = z.object({
  id: z.string(),
  name: z.string().nullable(),
  manufacturer: z.string().nullable(),
  model: z.string().nullable(),
  sw_version: z.string().nullable(),
  identifiers: z.array(z.tuple([z.string(), z.string()])),
  via_device_id: z.string().nullable(),
});
export type DeviceEntry = z.infer<typeof deviceEntry>;

const flowForm = z.object({ type: z.literal('form'), flow_id: z.string(), step_id: z.string(), handler: z.string() });
const flowCreated = z.object({
  type: z.literal('create_entry'),
  result: z.object({ entry_id: z.string(), domain: z.string(), state: z.string() }),
});

export const stateChangedEvent = z.object({
  event_type: z.literal('state_changed'),
  data: z.object({ entity_id: z.string(), new_state: entityState.nullable(), old_state: entityState.nullable() }),
});
export type StateChanged = z.infer<typeof stateChangedEvent>['data'];

const traceSummary = z.object({ run_id: z.string() });

/** One step of an automation trace: the variables it changed, its result, its error. */
const traceStep = z.object({
  changed_variables: z.record(z.string(), z.unknown()).optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});

/**
 * `trace/get` for an automation: `trace` maps a step path (`trigger/0`, `condition/0`,
 * `action/0`, `action/1/repeat/sequence/0`, …) to that step's runs.
 */
export const automationTrace = z.object({
  run_id: z.string(),
  state: z.string(),
  script_execution: z.string().nullable(),
  timestamp: z.object({ start: z.string(), finish: z.string().nullable() }),
  trigger: z.string().nullable(),
  error: z.string().optional(),
  trace: z.record(z.string(), z.array(traceStep)),
});
export type AutomationTrace = z.infer<typeof automationTrace>;

const wsMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth_required') }),
  z.object({ type: z.literal('auth_ok') }),
  z.object({ type: z.literal('auth_invalid'), message: z.string() }),
  z.object({
    type: z.literal('result'),
    id: z.number(),
    success: z.boolean(),
    result: z.unknown().optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
  }),
  z.object({ type: z.literal('event'), id: z.number(), event: z.unknown() }),
  z.object({ type: z.literal('pong'), id: z.number() }),
]);

// ---------------------------------------------------------------------------------------

/** One log record of home-assistant.log: the header line and its traceback, if any. */
export interface LogRecord {
  level: string;
  logger: string;
  text: string;
}

export function parseLog(text: string): LogRecord[] {
  const records: LogRecord[] = [];
  for (const line of text.split('\n')) {
    // The thread name may hold parentheses itself: `(Thread-2 (_thread_main))`.
    const m = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ (\w+) \(.*?\) \[([^\]]+)\]/.exec(line);
    if (m) records.push({ level: m[1]!, logger: m[2]!, text: line });
    else if (records.length && line) records[records.length - 1]!.text += `\n${line}`;
  }
  return records;
}

export class HomeAssistant {
  readonly url: string;
  token = '';
  private proc: ChildProcess | null = null;
  private output: string[] = [];
  private readonly sockets = new Set<HaSocket>();
  private readonly onExit = () => this.killGroup('SIGKILL');

  private constructor(
    readonly target: HaTarget,
    readonly configDir: string,
    readonly port: number,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * A fresh config directory on a free port; call `start()` next. `configuration` is appended to
   * configuration.yaml; `files` maps paths in the config dir to their contents (blueprints,
   * automations.yaml), so HA reads them at its first start.
   */
  static async create(target: HaTarget, extra: { configuration?: string; files?: Record<string, string> } = {}): Promise<HomeAssistant> {
    hassBinary(target);
    const dir = await mkdtemp(join(tmpdir(), 'media-tracker-ha-'));
    const [port] = await freePorts(1);
    await writeFile(join(dir, 'configuration.yaml'), configurationYaml(port!) + (extra.configuration ?? ''));
    for (const [path, text] of Object.entries(extra.files ?? {})) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), text);
    }
    return new HomeAssistant(target, dir, port!);
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts hass and waits until its HTTP API answers (and, once onboarded, until it is RUNNING). Returns ms taken. */
  async start(timeoutMs = 90_000): Promise<number> {
    if (this.running) throw new Error('Home Assistant is already running');
    const started = Date.now();
    this.output = [];
    // In the config dir: commands HA runs (the suite's command_line notify services) write there.
    const proc = spawn(join(this.target.venv, 'bin', 'python'), ['-c', PDEATHSIG_EXEC, hassBinary(this.target), '-c', this.configDir, '--skip-pip'], {
      cwd: this.configDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1' },
    });
    this.proc = proc;
    process.once('exit', this.onExit);
    proc.stdout!.setEncoding('utf8').on('data', (d: string) => this.keep(d));
    proc.stderr!.setEncoding('utf8').on('data', (d: string) => this.keep(d));
    proc.on('error', (err) => this.keep(`spawn error: ${err.message}\n`));
    try {
      await waitFor(
        async () => {
          if (!this.running) throw new Error(`hass exited (${proc.exitCode ?? proc.signalCode}):\n${this.output.join('').slice(-4000)}`);
          if (!this.token) {
            const res = await fetch(`${this.url}/api/onboarding`);
            return res.ok ? true : undefined;
          }
          const res = await fetch(`${this.url}/api/config`, { headers: this.headers() });
          if (!res.ok) return undefined;
          return coreConfig.parse(await res.json()).state === 'RUNNING' ? true : undefined;
        },
        `Home Assistant to answer on ${this.url}`,
        { timeoutMs, everyMs: 200, retryErrors: true },
      );
    } catch (err) {
      await this.stop();
      throw err;
    }
    return Date.now() - started;
  }

  private keep(chunk: string): void {
    this.output.push(chunk);
    // Keep the tail only: enough to explain a failed start-up.
    if (this.output.length > 500) this.output.splice(0, this.output.length - 500);
  }

  private killGroup(signal: NodeJS.Signals): void {
    const pid = this.proc?.pid;
    if (!pid || !this.running) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** SIGTERM to the whole group (HA saves its state on a clean stop), SIGKILL if it hangs. Returns the exit code. */
  async stop(graceMs = 60_000): Promise<number | null> {
    for (const s of this.sockets) s.close();
    const proc = this.proc;
    if (!proc) return null;
    if (this.running) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      this.killGroup('SIGTERM');
      const timer = setTimeout(() => this.killGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    // Anything the group left behind goes too.
    try {
      process.kill(-proc.pid!, 'SIGKILL');
    } catch {
      // Nothing left.
    }
    process.removeListener('exit', this.onExit);
    return proc.exitCode;
  }

  async restart(): Promise<{ exitCode: number | null; startMs: number }> {
    const exitCode = await this.stop();
    const startMs = await this.start();
    return { exitCode, startMs };
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.configDir, { recursive: true, force: true });
  }

  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
  }

  /** An authenticated REST call; the body of a non-2xx answer is in the error. */
  async rest(path: string, init: { method?: string; body?: unknown } = {}): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: this.headers(),
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: HTTP ${res.status} ${text.slice(0, 500)}`);
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /**
   * Onboarding as the frontend does it: create the owner (→ auth code → tokens), then the
   * core-config, analytics and integration steps. Returns the steps HA reports afterwards.
   *
   * The core-config step also starts the config flows HA suggests on a first run (met,
   * radio_browser, google_translate, shopping_list). Their packages are not installed (HA
   * runs with --skip-pip and no network), so HA answers that request with a 500 after it has
   * recorded the step; the caller checks the recorded steps, not that status.
   */
  async onboard(user = { name: 'Test Owner', username: 'owner', password: 'e2e-Owner-passw0rd' }): Promise<Array<{ step: string; done: boolean }>> {
    const clientId = `${this.url}/`;
    const created = await fetch(`${this.url}/api/onboarding/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...user, client_id: clientId, language: 'en' }),
    });
    if (!created.ok) throw new Error(`POST /api/onboarding/users: HTTP ${created.status} ${await created.text()}`);
    const { auth_code } = authCode.parse(await created.json());
    const tokens = await fetch(`${this.url}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code: auth_code, client_id: clientId }),
    });
    if (!tokens.ok) throw new Error(`POST /auth/token: HTTP ${tokens.status} ${await tokens.text()}`);
    this.token = tokenAnswer.parse(await tokens.json()).access_token;

    const core = await fetch(`${this.url}/api/onboarding/core_config`, { method: 'POST', headers: this.headers() });
    if (core.status !== 200 && core.status !== 500) throw new Error(`POST /api/onboarding/core_config: HTTP ${core.status} ${await core.text()}`);
    await this.rest('/api/onboarding/analytics', { body: {} });
    authCode.parse(await this.rest('/api/onboarding/integration', { body: { client_id: clientId, redirect_uri: `${clientId}?auth_callback=1` } }));
    const res = await fetch(`${this.url}/api/onboarding`);
    return onboardingSteps.parse(await res.json());
  }

  /** HA's MQTT integration through the config-flow API, as a user adds it in Settings. */
  async addMqttBroker(broker: { host: string; port: number; username?: string; password?: string }): Promise<{ entry_id: string; state: string }> {
    const form = flowForm.parse(await this.rest('/api/config/config_entries/flow', { body: { handler: 'mqtt', show_advanced_options: false } }));
    if (form.step_id !== 'broker') throw new Error(`the MQTT flow asked for step "${form.step_id}", expected "broker"`);
    const answer = await this.rest(`/api/config/config_entries/flow/${form.flow_id}`, {
      body: {
        broker: broker.host,
        port: broker.port,
        ...(broker.username ? { username: broker.username, password: broker.password ?? '' } : {}),
      },
    });
    const created = flowCreated.safeParse(answer);
    if (!created.success) throw new Error(`the MQTT flow did not create an entry: ${JSON.stringify(answer).slice(0, 800)}`);
    return created.data.result;
  }

  /**
   * Creates or replaces an automation through the config API, as the automation editor saves
   * one: HA validates it (blueprint inputs included; a 400 names the problem), writes
   * automations.yaml and reloads the automations before it answers.
   */
  async saveAutomation(id: string, config: Record<string, unknown>): Promise<void> {
    const answer = z.object({ result: z.literal('ok') }).safeParse(await this.rest(`/api/config/automation/config/${id}`, { body: config }));
    if (!answer.success) throw new Error(`saving automation ${id}: ${answer.error.message}`);
  }

  /** Renders a template in HA's own engine (`POST /api/template`); HA's 400 names a template error. */
  async renderTemplate(template: string, variables: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${this.url}/api/template`, { method: 'POST', headers: this.headers(), body: JSON.stringify({ template, variables }) });
    const text = await res.text();
    if (!res.ok) throw new Error(`rendering ${template.slice(0, 80)}: HTTP ${res.status} ${text}`);
    return text;
  }

  async states(): Promise<EntityState[]> {
    return z.array(entityState).parse(await this.rest('/api/states'));
  }

  async state(entityId: string): Promise<EntityState | undefined> {
    const res = await fetch(`${this.url}/api/states/${entityId}`, { headers: this.headers() });
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`GET /api/states/${entityId}: HTTP ${res.status}`);
    return entityState.parse(await res.json());
  }

  /** Waits until `check` returns a value for the entity's state (polled over REST). */
  async untilState<T>(entityId: string, check: (s: EntityState | undefined) => T | undefined | false, what: string, timeoutMs = 20_000): Promise<T> {
    let last: EntityState | undefined;
    try {
      return await waitFor(
        async () => {
          last = await this.state(entityId);
          const v = check(last);
          return v === false ? undefined : v;
        },
        what,
        { timeoutMs, everyMs: 100, retryErrors: true },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}; ${entityId} is ${last ? JSON.stringify({ state: last.state, attributes: last.attributes }).slice(0, 600) : 'missing'}`);
    }
  }

  async socket(): Promise<HaSocket> {
    const s = await HaSocket.connect(`${this.url.replace(/^http/, 'ws')}/api/websocket`, this.token);
    this.sockets.add(s);
    return s;
  }

  /** home-assistant.log of this run and the one before it (HA rotates it to .1 at start-up). */
  async log(): Promise<string> {
    const parts: string[] = [];
    for (const name of ['home-assistant.log.1', 'home-assistant.log']) {
      try {
        parts.push(await readFile(join(this.configDir, name), 'utf8'));
      } catch {
        // Not written (yet).
      }
    }
    return parts.join('\n');
  }
}

/** HA's WebSocket API: auth, numbered commands, event subscriptions. */
export class HaSocket {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; type: string }>();
  private readonly listeners = new Map<number, (event: unknown) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error(`WebSocket closed before the answer to ${p.type}`));
      this.pending.clear();
    });
  }

  static async connect(url: string, token: string): Promise<HaSocket> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err);
      ws.once('error', fail);
      ws.on('message', function onAuth(data) {
        const msg = wsMessage.parse(JSON.parse(String(data)));
        if (msg.type === 'auth_required') ws.send(JSON.stringify({ type: 'auth', access_token: token }));
        else if (msg.type === 'auth_ok') {
          ws.off('message', onAuth);
          ws.off('error', fail);
          resolve();
        } else if (msg.type === 'auth_invalid') reject(new Error(`WebSocket auth refused: ${msg.message}`));
      });
    });
    return new HaSocket(ws);
  }

  private onMessage(raw: string): void {
    const msg = wsMessage.parse(JSON.parse(raw));
    if (msg.type === 'result') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.success) p.resolve(msg.result);
      else p.reject(new Error(`${p.type}: ${msg.error?.code} ${msg.error?.message}`));
    } else if (msg.type === 'event') {
      this.listeners.get(msg.id)?.(msg.event);
    }
  }

  call(type: string, payload: Record<string, unknown> = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, type });
      this.ws.send(JSON.stringify({ id, type, ...payload }));
    });
  }

  async entities(): Promise<EntityEntry[]> {
    return z.array(entityEntry).parse(await this.call('config/entity_registry/list'));
  }

  async devices(): Promise<DeviceEntry[]> {
    return z.array(deviceEntry).parse(await this.call('config/device_registry/list'));
  }

  /** The automation's stored runs (oldest first), each with its trigger, conditions and service calls. */
  async automationTraces(automationId: string): Promise<AutomationTrace[]> {
    const runs = z.array(traceSummary).parse(await this.call('trace/list', { domain: 'automation', item_id: automationId }));
    const traces: AutomationTrace[] = [];
    for (const run of runs) {
      traces.push(automationTrace.parse(await this.call('trace/get', { domain: 'automation', item_id: automationId, run_id: run.run_id })));
    }
    return traces.sort((a, b) => a.timestamp.start.localeCompare(b.timestamp.start));
  }

  /** Every `state_changed` event from now on, appended to the returned array as it arrives. */
  async stateChanges(): Promise<StateChanged[]> {
    const seen: StateChanged[] = [];
    const id = this.nextId;
    this.listeners.set(id, (event) => seen.push(stateChangedEvent.parse(event).data));
    await this.call('subscribe_events', { event_type: 'state_changed' });
    return seen;
  }

  close(): void {
    this.ws.close();
  }
}
