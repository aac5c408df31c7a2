/**
 * Home Assistant Supervisor fake (the v1 REST API an add-on talks to), from the Supervisor's
 * own source (2026.08): supervisor/api/{utils,services,discovery}.py, services/modules/mqtt.py,
 * discovery/__init__.py, api/middleware/security.py.
 *
 * - Envelopes: `{result: "ok", data}` (data `{}` when a handler returns nothing) or
 *   `{result: "error", message}` with 400 (APIError), 403 (APIForbidden), 404 (APINotFound).
 * - Token check before any route: no token → aiohttp's plain-text `401: Unauthorized`, an
 *   unknown token → `403: Forbidden`. `Authorization: Bearer <t>` or `X-Supervisor-Token`.
 * - `GET /services/mqtt`: 403 "No access to mqtt service!" unless the add-on's `services`
 *   lists mqtt; 400 "Service not enabled" without a provider; else the service data plus the
 *   provider under `addon` (v1).
 * - `POST /discovery {service, config}`: 400 when the body is not `{service: str, config: dict}`,
 *   403 unless `discovery` lists the service; one message per (add-on, service): a second POST
 *   updates the config and keeps the uuid. `DELETE /discovery/<uuid>`: 404 unknown, 403 not ours.
 *
 *   const sv = await startSupervisorFake({ token: 't', addon: { slug: 'local_media_tracker', services: ['mqtt:want'], discovery: ['mqtt'] } });
 *   sv.state.mqtt = { host: '127.0.0.1', port: 1883, username: 'addons', password: 'pw', addon: 'core_mosquitto' };
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { createFakeApp, Lifecycle, type FakeHandle, type RequestLog, type Faults } from './common.js';

export interface FakeAddon {
  slug: string;
  /** config.yaml `services`, e.g. `['mqtt:want']`. */
  services: string[];
  /** config.yaml `discovery`, e.g. `['mqtt']`. */
  discovery: string[];
}

export interface MqttServiceData {
  host: string;
  port: number;
  ssl?: boolean;
  protocol?: string;
  username?: string;
  password?: string;
  /** The providing add-on's slug. */
  addon: string;
}

export interface DiscoveryMessage {
  uuid: string;
  addon: string;
  service: string;
  config: Record<string, unknown>;
}

export interface SupervisorState {
  mqtt: MqttServiceData | null;
  discovery: Map<string, DiscoveryMessage>;
}

export interface SupervisorFake extends FakeHandle {
  state: SupervisorState;
  log: RequestLog;
  faults: Faults;
  token: string;
}

const ok = (res: Response, data: unknown = {}) => res.json({ result: 'ok', data });
const fail = (res: Response, status: number, message: string) => res.status(status).json({ result: 'error', message });

function tokenOf(req: Request): string | undefined {
  const auth = req.header('authorization');
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length);
  return req.header('x-supervisor-token') ?? undefined;
}

function serviceRole(addon: FakeAddon, service: string): string | undefined {
  for (const entry of addon.services) {
    const [name, role] = entry.split(':');
    if (name === service) return role;
  }
  return undefined;
}

export async function startSupervisorFake(opts: { token: string; addon: FakeAddon; port?: number }): Promise<SupervisorFake> {
  const { addon, token } = opts;
  const state: SupervisorState = { mqtt: null, discovery: new Map() };
  const fake = createFakeApp({
    auth: (req, res) => {
      const given = tokenOf(req);
      if (!given) res.locals.denied = 401;
      else if (given !== token) res.locals.denied = 403;
      return given === token;
    },
    onUnauthorized: (res) => {
      const status = (res.locals.denied as number | undefined) ?? 401;
      res
        .status(status)
        .type('text/plain')
        .send(status === 401 ? '401: Unauthorized' : '403: Forbidden');
    },
  });

  fake.route('get', '/services/mqtt', (_req, res) => {
    if (!serviceRole(addon, 'mqtt')) return fail(res, 403, 'No access to mqtt service!');
    if (!state.mqtt) return fail(res, 400, 'Service not enabled');
    return ok(res, { ssl: false, protocol: '3.1.1', ...state.mqtt });
  });

  fake.route('post', '/discovery', (req, res) => {
    const body = req.body as unknown;
    const record = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
    if (!record || typeof record.service !== 'string') return fail(res, 400, "required key not provided @ data['service']");
    const config = record.config;
    if (!config || typeof config !== 'object' || Array.isArray(config)) return fail(res, 400, "expected a dictionary for dictionary value @ data['config']");
    if (!addon.discovery.includes(record.service)) {
      return fail(res, 403, 'Apps must list services they provide via discovery in their config!');
    }
    const existing = [...state.discovery.values()].find((m) => m.addon === addon.slug && m.service === record.service);
    const message: DiscoveryMessage = existing ?? { uuid: randomUUID().replace(/-/g, ''), addon: addon.slug, service: record.service, config: {} };
    message.config = config as Record<string, unknown>;
    state.discovery.set(message.uuid, message);
    return ok(res, { uuid: message.uuid });
  });

  fake.route('delete', '/discovery/:uuid', (req, res) => {
    const message = state.discovery.get(String(req.params.uuid));
    if (!message) return fail(res, 404, 'Discovery message not found');
    if (message.addon !== addon.slug) return fail(res, 403, "Can't remove discovery message");
    state.discovery.delete(message.uuid);
    return ok(res);
  });

  fake.finish();
  const life = new Lifecycle(fake.app, undefined, () => fake.timers.cancelAll());
  if (opts.port) life.port = opts.port;
  const handle = await life.start();
  return { ...handle, state, log: fake.log, faults: fake.faults, token };
}
