/**
 * The Home Assistant Supervisor's REST API, as an add-on sees it: `http://supervisor`, the
 * `SUPERVISOR_TOKEN` as a bearer token, answers wrapped in `{result: "ok", data}` or
 * `{result: "error", message}` (supervisor/api/utils.py). Every answer is validated here;
 * the token never appears in an error message.
 */
import { z } from 'zod';
import { jsonOrNull } from '../json.js';
import { errorMessage, registerSecret } from '../log.js';

/** Overrides `http://supervisor` (tests point it at a fake Supervisor on loopback). */
export const SUPERVISOR_URL_ENV = 'MEDIA_TRACKER_SUPERVISOR_URL';
export const DEFAULT_SUPERVISOR_URL = 'http://supervisor';

const envelopeSchema = z.discriminatedUnion('result', [z.object({ result: z.literal('ok'), data: z.unknown() }), z.object({ result: z.literal('error'), message: z.string().nullish() })]);

/** `GET /services/mqtt` (supervisor/services/modules/mqtt.py); v1 names the provider `addon`, v2 `app`. */
export const mqttServiceSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  ssl: z.boolean().default(false),
  protocol: z.string().default('3.1.1'),
  username: z.string().optional(),
  password: z.string().optional(),
  addon: z.string().optional(),
  app: z.string().optional(),
});
export type MqttService = z.infer<typeof mqttServiceSchema>;

const discoveryAnswerSchema = z.object({ uuid: z.string().regex(/^[0-9a-f]{32}$/, 'a 32-digit hex uuid') });

/** `status` is the HTTP status, 0 when the Supervisor could not be reached or did not answer in time. */
export class SupervisorError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface SupervisorClientOptions {
  url: string;
  token: string;
  /** Per request; start-up and stop must never hang on the Supervisor. */
  timeoutMs?: number;
}

export class SupervisorClient {
  readonly url: string;

  constructor(private readonly opts: SupervisorClientOptions) {
    this.url = opts.url.replace(/\/+$/, '');
    registerSecret(opts.token);
  }

  /** Null outside the Supervisor (no token): the tracker then runs standalone. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): SupervisorClient | null {
    // HASSIO_TOKEN is the legacy name of the same value.
    const token = env.SUPERVISOR_TOKEN || env.HASSIO_TOKEN;
    if (!token) return null;
    return new SupervisorClient({ url: env[SUPERVISOR_URL_ENV] || DEFAULT_SUPERVISOR_URL, token });
  }

  /** The MQTT broker another add-on (Mosquitto) provides, or null when none does ("Service not enabled", 400). */
  async mqttService(): Promise<MqttService | null> {
    let data: unknown;
    try {
      data = await this.call('GET', '/services/mqtt');
    } catch (err) {
      if (err instanceof SupervisorError && err.status === 400) return null;
      throw err;
    }
    return this.parse('GET /services/mqtt', mqttServiceSchema, data);
  }

  /** Offers a service to Home Assistant (`POST /discovery`); returns the message's uuid. */
  async addDiscovery(service: string, config: Record<string, unknown>): Promise<string> {
    const data = await this.call('POST', '/discovery', { service, config });
    return this.parse('POST /discovery', discoveryAnswerSchema, data).uuid;
  }

  async removeDiscovery(uuid: string, timeoutMs?: number): Promise<void> {
    await this.call('DELETE', `/discovery/${encodeURIComponent(uuid)}`, undefined, timeoutMs);
  }

  private async call(method: string, path: string, body?: unknown, timeoutMs = this.opts.timeoutMs ?? 5_000): Promise<unknown> {
    const what = `${method} ${path}`;
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeCause(err);
      throw new SupervisorError(`${what}: the Supervisor at ${this.url} is unreachable (${cause})`, 0);
    }
    const text = await res.text().catch(() => '');
    const envelope = envelopeSchema.safeParse(jsonOrNull(text));
    if (!envelope.success) {
      // aiohttp answers 401/403 from the token check as plain text ("401: Unauthorized").
      throw new SupervisorError(`${what}: HTTP ${res.status} ${excerpt(text) || res.statusText}`, res.status);
    }
    if (envelope.data.result === 'error') {
      throw new SupervisorError(`${what}: ${envelope.data.message || 'error without a message'} (HTTP ${res.status})`, res.status);
    }
    return envelope.data.data;
  }

  private parse<T>(what: string, schema: z.ZodType<T>, data: unknown): T {
    const result = schema.safeParse(data);
    if (result.success) return result.data;
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ');
    throw new SupervisorError(`${what}: unexpected answer from the Supervisor (${issues})`, 200);
  }
}

function excerpt(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** undici wraps the socket error (ECONNREFUSED, ENOTFOUND) as `cause` of "fetch failed". */
function describeCause(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  const code = cause && typeof cause === 'object' && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  return code || errorMessage(cause);
}
