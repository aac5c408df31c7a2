/**
 * One HTTP client per upstream service (undici): a base URL, auth headers, timeouts,
 * retries with backoff on network errors/5xx for idempotent calls, and zod validation of
 * every response. Errors name the service and the path, never a key or a query string.
 */
import pRetry, { AbortError } from 'p-retry';
import type { Agent, Dispatcher } from 'undici';
import type { z } from 'zod';
import { describeIssues } from '../config/issues.js';

export class UpstreamError extends Error {
  constructor(
    readonly service: string,
    message: string,
    readonly status: number | null = null,
    readonly retryable = false,
  ) {
    super(`${service}: ${message}`);
  }
}

export interface ServiceClientOptions {
  /** `sonarr/sonarr-anime`, used in every message. */
  service: string;
  baseUrl: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Extra attempts for idempotent requests (GET/HEAD). */
  retries?: number;
  minRetryDelayMs?: number;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  /** Retry on network errors and 5xx; defaults to true for GET. */
  retry?: boolean;
  /** Statuses that are not errors for this call (e.g. 404 meaning "gone"). */
  accept?: number[];
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface Http {
  request: typeof import('undici').request;
  agent: Agent;
}

// undici loads on the first upstream call, not at start-up: a tracker with no services never loads it.
let http: Promise<Http> | null = null;
export function undici(): Promise<Http> {
  return (http ??= import('undici').then((u) => ({ request: u.request, agent: new u.Agent({ keepAliveTimeout: 30_000, connections: 8 }) })));
}

export class ServiceClient {
  readonly stats = { requests: 0, failures: 0 };

  constructor(private readonly opts: ServiceClientOptions) {}

  get service(): string {
    return this.opts.service;
  }

  async raw(method: Dispatcher.HttpMethod, path: string, call: CallOptions = {}): Promise<RawResponse> {
    const url = new URL(this.opts.baseUrl + path);
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...this.opts.headers, ...call.headers };
    let body: string | undefined;
    if (call.form) {
      body = new URLSearchParams(call.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] = 'application/json';
    }
    const timeout = this.opts.timeoutMs ?? 15_000;
    const once = async (): Promise<RawResponse> => {
      this.stats.requests++;
      try {
        const { request, agent } = await undici();
        const res = await request(url, { method, headers, body, dispatcher: agent, headersTimeout: timeout, bodyTimeout: timeout });
        const text = await res.body.text();
        if (res.statusCode >= 500) throw new UpstreamError(this.service, `${method} ${url.pathname} answered HTTP ${res.statusCode}`, res.statusCode, true);
        return { status: res.statusCode, headers: res.headers, text };
      } catch (err) {
        this.stats.failures++;
        if (err instanceof UpstreamError) throw err;
        const code = (err as { code?: string }).code;
        throw new UpstreamError(this.service, `${method} ${url.pathname} failed: ${code ?? (err as Error).message}`, null, true);
      }
    };
    const retry = call.retry ?? method === 'GET';
    if (!retry) return once();
    return pRetry(
      async () => {
        try {
          return await once();
        } catch (err) {
          if (err instanceof UpstreamError && !err.retryable) throw new AbortError(err);
          throw err;
        }
      },
      { retries: this.opts.retries ?? 2, minTimeout: this.opts.minRetryDelayMs ?? 500, factor: 3, randomize: true },
    );
  }

  /** A JSON call validated with `schema`; non-2xx (outside `accept`) is an UpstreamError. */
  async json<T>(method: Dispatcher.HttpMethod, path: string, schema: z.ZodType<T>, call: CallOptions = {}): Promise<T> {
    const res = await this.raw(method, path, call);
    const pathname = path.split('?')[0];
    if ((res.status < 200 || res.status >= 300) && !call.accept?.includes(res.status)) {
      const hint = res.status === 401 || res.status === 403 ? ' (check the API key)' : '';
      throw new UpstreamError(this.service, `${method} ${pathname} answered HTTP ${res.status}${hint}`, res.status);
    }
    let data: unknown;
    try {
      data = res.text === '' ? null : JSON.parse(res.text);
    } catch {
      throw new UpstreamError(this.service, `${method} ${pathname} returned invalid JSON`, res.status);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new UpstreamError(this.service, `${method} ${pathname} returned an unexpected shape:\n${describeIssues(parsed.error)}`, res.status);
    }
    return parsed.data;
  }
}
