/**
 * The Supervisor integration against a fake Supervisor over real HTTP (test/fakes/supervisor.ts),
 * whose add-on entry declares exactly config.yaml's `services` and `discovery`:
 * - the client: envelopes, the bearer token, 400/401/403, unreachable or silent Supervisor;
 * - the broker choice (`mqtt.mode`) and the discovery message, in process;
 * - the real entry point (`node dist/main.js` with SUPERVISOR_TOKEN) mirroring to a broker the
 *   Supervisor hands out (an aedes broker with a login, standing in for Mosquitto), and
 *   offering its embedded broker to Home Assistant when there is none.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseOptions } from '../../src/config/load.js';
import { fakeHash, jellyseerr } from '../../src/demo/payloads.js';
import { createLogger, setLogLevel, setLogSink, type Level } from '../../src/log.js';
import { AddonIntegration } from '../../src/supervisor/addon.js';
import { SupervisorClient, SupervisorError } from '../../src/supervisor/client.js';
import { CREDENTIALS_FILE } from '../../src/supervisor/credentials.js';
import { startSupervisorFake, type SupervisorFake } from '../fakes/supervisor.js';
import { fakeAddonFromManifest } from '../helpers/addon.js';
import { postHook, spawnApp, untilHealthy, type AppProcess } from '../helpers/child.js';
import { waitFor } from '../helpers/wait.js';
import { freePorts } from '../helpers/ports.js';
import { Recorder } from '../helpers/tracker.js';

const TOKEN = 'supervisor-token-5f1d0c8e9a7b4e21a3c6';
const WEBHOOK_SECRET = 'webhook-secret-for-the-mirror-test';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  setLogSink(null);
  setLogLevel('error');
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function supervisor(addon = fakeAddonFromManifest()): Promise<SupervisorFake> {
  const sv = await startSupervisorFake({ token: TOKEN, addon });
  cleanup.push(() => sv.close());
  return sv;
}

/** A broker with a login, standing in for the Mosquitto add-on. */
async function mosquitto(username: string, password: string): Promise<{ port: number; url: string }> {
  const broker = await Aedes.createBroker({ authenticate: (_c, u, p, done) => done(null, u === username && p?.toString() === password) });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  cleanup.push(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { port, url: `mqtt://127.0.0.1:${port}` };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'media-tracker-sv-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Log lines of the integration, captured. */
function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  setLogSink((_level: Level, line) => lines.push(line));
  setLogLevel('info');
  return { lines, log: createLogger('supervisor') };
}

const client = (sv: SupervisorFake, token = TOKEN, timeoutMs?: number) => new SupervisorClient({ url: sv.url, token, ...(timeoutMs ? { timeoutMs } : {}) });

describe('the Supervisor client', () => {
  it('asks /services/mqtt with the bearer token and reads the v1 answer', async () => {
    const sv = await supervisor();
    sv.state.mqtt = { host: 'core-mosquitto', port: 1883, username: 'addons', password: 'generated', addon: 'core_mosquitto' };
    const service = await client(sv).mqttService();
    expect(service).toEqual({ host: 'core-mosquitto', port: 1883, ssl: false, protocol: '3.1.1', username: 'addons', password: 'generated', addon: 'core_mosquitto' });
    expect(sv.log.last('GET /services/mqtt')?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('"Service not enabled" (400) means no broker; other refusals are errors that never show the token', async () => {
    const sv = await supervisor();
    expect(await client(sv).mqttService()).toBeNull();
    const wrong = await client(sv, 'not-the-token-0000')
      .mqttService()
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(SupervisorError);
    expect(wrong).toMatchObject({ status: 403, message: 'GET /services/mqtt: HTTP 403 403: Forbidden' });
    const undeclared = await supervisor({ ...fakeAddonFromManifest(), services: [] });
    const refused = await client(undeclared)
      .mqttService()
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 403, message: 'GET /services/mqtt: No access to mqtt service! (HTTP 403)' });
    expect(String((refused as Error).message)).not.toContain(TOKEN);
  });

  it('an answer that is not what the Supervisor sends is an error naming the field', async () => {
    const sv = await supervisor();
    sv.faults.add('GET /services/mqtt', { status: 200, body: { result: 'ok', data: { port: 'eighteen' } } });
    await expect(client(sv).mqttService()).rejects.toThrow(/unexpected answer from the Supervisor \(host: .*; port: /);
    sv.faults.add('GET /services/mqtt', { invalidJson: true });
    await expect(client(sv).mqttService()).rejects.toThrow(/HTTP 200/);
  });

  it('an unreachable or silent Supervisor fails fast with status 0', async () => {
    const [closed] = await freePorts(1);
    const down = new SupervisorClient({ url: `http://127.0.0.1:${closed}`, token: TOKEN });
    await expect(down.mqttService()).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) });
    const sv = await supervisor();
    sv.faults.delayNext('GET /services/mqtt', 5_000);
    await expect(client(sv, TOKEN, 300).mqttService()).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/no answer within 300 ms/) });
  });

  it('discovery: one message per service, updated in place, removed by uuid', async () => {
    const sv = await supervisor();
    const c = client(sv);
    const uuid = await c.addDiscovery('mqtt', { host: 'a', port: 1 });
    expect(uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(await c.addDiscovery('mqtt', { host: 'b', port: 2 })).toBe(uuid);
    expect(sv.state.discovery.get(uuid)?.config).toEqual({ host: 'b', port: 2 });
    await c.removeDiscovery(uuid);
    expect(sv.state.discovery.size).toBe(0);
    await expect(c.removeDiscovery(uuid)).rejects.toMatchObject({ status: 404, message: expect.stringContaining('Discovery message not found') });
    await expect(c.addDiscovery('mysql', {})).rejects.toMatchObject({ status: 403 });
  });
});

describe('the broker Home Assistant sees (mqtt.mode)', () => {
  const prepare = async (sv: SupervisorFake, mqttOptions: Record<string, unknown>, dataDir?: string) => {
    const { lines, log } = capture();
    const integration = new AddonIntegration(client(sv), log, 'local-media-tracker');
    const options = parseOptions({ data_dir: dataDir ?? (await tempDir()), mqtt: mqttOptions });
    return { integration, options: await integration.prepare(options), lines };
  };

  it('auto with a broker add-on: mirror to it with the credentials the Supervisor hands out', async () => {
    const sv = await supervisor();
    sv.state.mqtt = { host: 'core-mosquitto', port: 8883, ssl: true, username: 'addons', password: 'service-password-xyz', addon: 'core_mosquitto' };
    const { integration, options, lines } = await prepare(sv, {});
    expect(options.mqtt).toMatchObject({ mode: 'auto', external_url: 'mqtts://core-mosquitto:8883', external_username: 'addons', external_password: 'service-password-xyz', username: '' });
    await integration.announce(1883);
    expect(sv.log.count('POST /discovery')).toBe(0);
    expect(lines.join('\n')).toContain("mirroring to Home Assistant's MQTT broker mqtts://core-mosquitto:8883 (provided by core_mosquitto, user addons)");
    expect(lines.join('\n')).not.toContain('service-password-xyz');
  });

  it('auto without a broker add-on: a stored login for HA, announced with POST /discovery, withdrawn on stop', async () => {
    const sv = await supervisor();
    const dir = await tempDir();
    const first = await prepare(sv, {}, dir);
    expect(first.options.mqtt.external_url).toBe('');
    expect(first.options.mqtt.username).toBe('homeassistant');
    expect(first.options.mqtt.password).toMatch(/^[\w-]{32}$/);
    const stored = JSON.parse(await readFile(join(dir, CREDENTIALS_FILE), 'utf8')) as Record<string, string>;
    expect(stored).toEqual({ username: 'homeassistant', password: first.options.mqtt.password });

    await first.integration.announce(18830);
    const post = sv.log.last('POST /discovery');
    expect(post?.body).toEqual({
      service: 'mqtt',
      config: { host: 'local-media-tracker', port: 18830, ssl: false, protocol: '3.1.1', username: 'homeassistant', password: first.options.mqtt.password },
    });
    expect(first.lines.join('\n')).not.toContain(first.options.mqtt.password);

    // A restart offers the same login, so HA's MQTT config entry keeps working.
    const second = await prepare(sv, {}, dir);
    expect(second.options.mqtt.password).toBe(first.options.mqtt.password);
    await second.integration.announce(18830);
    expect(sv.state.discovery.size).toBe(1);

    await second.integration.withdraw();
    expect(sv.log.count('DELETE /discovery/:uuid')).toBe(1);
    expect(sv.state.discovery.size).toBe(0);
  });

  it('the user’s own login for the embedded broker is the one offered', async () => {
    const sv = await supervisor();
    const { integration, options } = await prepare(sv, { mode: 'embedded', username: 'mine', password: 'my-own-password' });
    expect(options.mqtt).toMatchObject({ username: 'mine', password: 'my-own-password' });
    await integration.announce(1883);
    expect(sv.log.last('POST /discovery')?.body).toMatchObject({ config: { username: 'mine', password: 'my-own-password' } });
  });

  it('embedded never asks for the broker add-on; an external_url is used as configured', async () => {
    const sv = await supervisor();
    sv.state.mqtt = { host: 'core-mosquitto', port: 1883, addon: 'core_mosquitto' };
    const embedded = await prepare(sv, { mode: 'embedded' });
    await embedded.integration.announce(1883);
    expect(sv.log.count('POST /discovery')).toBe(1);
    const configured = await prepare(sv, { external_url: 'mqtt://10.0.0.5:1883' });
    expect(configured.options.mqtt.external_url).toBe('mqtt://10.0.0.5:1883');
    await configured.integration.announce(1883);
    expect(sv.log.count('GET /services/mqtt')).toBe(0);
    expect(sv.log.count('POST /discovery')).toBe(1);
  });

  it('external with no URL uses the broker add-on, and refuses to start without one', async () => {
    const sv = await supervisor();
    const err = await prepare(sv, { mode: 'external' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/- mqtt\.external_url: required when mqtt\.mode is "external" and Home Assistant has no MQTT broker to use \(no add-on provides/);
    sv.state.mqtt = { host: 'core-mosquitto', port: 1883, username: 'addons', password: 'p', addon: 'core_mosquitto' };
    expect((await prepare(sv, { mode: 'external' })).options.mqtt.external_url).toBe('mqtt://core-mosquitto:1883');
  });

  it('a Supervisor that cannot be asked costs only the hand-over: embedded broker, with a warning', async () => {
    const sv = await supervisor({ ...fakeAddonFromManifest(), services: [], discovery: [] });
    const { integration, options, lines } = await prepare(sv, {});
    expect(options.mqtt.username).toBe('homeassistant');
    await integration.announce(1883);
    expect(lines.join('\n')).toMatch(/WARNING .*could not ask the Supervisor for Home Assistant's MQTT broker: GET \/services\/mqtt: No access to mqtt service!/);
    expect(lines.join('\n')).toMatch(/WARNING .*could not offer the embedded broker to Home Assistant: POST \/discovery: Apps must list services/);
    expect(integration.describe()).toContain('NOT offered');
  });
});

describe('the entry point as an add-on (node dist/main.js)', () => {
  const apps: AppProcess[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.dispose();
  });
  const start = async (sv: SupervisorFake, options: Record<string, unknown> = {}, dir?: string) => {
    const app = await spawnApp({ options, env: { SUPERVISOR_TOKEN: TOKEN, MEDIA_TRACKER_SUPERVISOR_URL: sv.url }, ...(dir ? { dir } : {}) });
    apps.push(app);
    return app;
  };

  it('mirrors to the broker the Supervisor provides, and marks itself offline there on SIGTERM', async () => {
    const sv = await supervisor();
    const broker = await mosquitto('addons', 'mosquitto-service-password');
    sv.state.mqtt = { host: '127.0.0.1', port: broker.port, username: 'addons', password: 'mosquitto-service-password', addon: 'core_mosquitto' };
    const ha = await Recorder.connect(broker.url, ['media/#'], { username: 'addons', password: 'mosquitto-service-password' });
    cleanup.push(() => ha.close());

    const app = await start(sv, { webhook_secret: WEBHOOK_SECRET });
    await untilHealthy(app);
    await ha.until(() => ha.latest.get('media/bridge/state') === 'online', 'bridge online on the broker add-on');
    const film = { requestId: 7, tmdbId: 707, title: 'Mirror Film', year: 2020, radarrId: 7, hash: fakeHash('mirror-7') };
    expect(await postHook(app, '/hooks/jellyseerr', jellyseerr('MEDIA_AUTO_APPROVED', film), WEBHOOK_SECRET)).toBe(200);
    await ha.untilState('jellyseerr-7', 'APPROVED');
    expect(sv.log.count('POST /discovery')).toBe(0);

    const exit = await app.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    await ha.until(() => ha.latest.get('media/bridge/state') === 'offline', 'bridge offline on the broker add-on');
    expect(app.output()).not.toContain('mosquitto-service-password');
    expect(app.output()).not.toContain(TOKEN);
  });

  it('offers the embedded broker to Home Assistant; HA can log in with what was announced; withdrawn on SIGTERM', async () => {
    const sv = await supervisor();
    const app = await start(sv);
    await untilHealthy(app);
    const message = await waitFor(() => [...sv.state.discovery.values()][0], 'the discovery message');
    expect(message).toMatchObject({ service: 'mqtt', config: { port: app.ports.mqtt, ssl: false, protocol: '3.1.1', username: 'homeassistant' } });
    const { username, password } = message.config as { username: string; password: string };

    // What HA's MQTT integration does with the offer (the host is this machine here).
    const ha = await Recorder.connect(`mqtt://127.0.0.1:${app.ports.mqtt}`, ['media/#'], { username, password, reconnectPeriod: 0 });
    cleanup.push(() => ha.close());
    await ha.until(() => ha.latest.get('media/bridge/state') === 'online', 'bridge state over the announced login');
    const refused = await mqtt.connectAsync(`mqtt://127.0.0.1:${app.ports.mqtt}`, { username, password: 'wrong', reconnectPeriod: 0 }).catch((e: unknown) => e);
    expect(String(refused)).toMatch(/Bad username or password|Not authorized/i);
    expect(app.output()).toContain("Home Assistant: embedded broker offered to HA's MQTT integration");
    expect(app.output()).not.toContain(password);

    const exit = await app.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(sv.log.count('DELETE /discovery/:uuid')).toBe(1);
    expect(sv.state.discovery.size).toBe(0);
  });

  it('mqtt.mode external without a broker anywhere stops start-up with exit code 2 naming the option', async () => {
    const sv = await supervisor();
    const app = await start(sv, { mqtt: { mode: 'external' } });
    const exit = await app.exited;
    expect(exit.code).toBe(2);
    expect(app.output()).toContain('- mqtt.external_url: required when mqtt.mode is "external"');
  });

  it('a Supervisor that hangs while the add-on stops does not hold the stop past its budget', async () => {
    const sv = await supervisor();
    const app = await start(sv);
    await untilHealthy(app);
    await waitFor(() => (sv.state.discovery.size ? true : undefined), 'the discovery message');
    sv.faults.delayNext('DELETE /discovery/:uuid', 60_000);
    const exit = await app.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(app.output()).toMatch(/could not withdraw the MQTT discovery message: DELETE \/discovery\/[0-9a-f]+: the Supervisor .* is unreachable \(no answer within 3000 ms\)/);
    console.log(`stop with a hung Supervisor took ${exit.ms} ms`);
  });
});
