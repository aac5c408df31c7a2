/**
 * JSON calls to a service's settings API that keep the body of a 4xx answer (the *arr
 * validation messages say why a connection was refused) and name a wrong key as such.
 */
import { jsonOrNull } from '../json.js';
import { errorMessage } from '../log.js';
import type { ServiceClient } from '../net/service.js';
import { z } from 'zod';

export class CallError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}

/** Servarr validation failures: `[{propertyName, errorMessage}]`; others: `{message}`. */
const ProblemSchema = z.union([z.array(z.looseObject({ errorMessage: z.string() })), z.looseObject({ message: z.string() })]);

export async function callJson(client: ServiceClient, method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
  const res = await client.raw(method, path, body === undefined ? {} : { body });
  const data = jsonOrNull(res.text);
  if (res.status === 401 || res.status === 403) throw new CallError(`${client.service}: ${method} ${path} answered HTTP ${res.status}: wrong API key`, res.status, data);
  if (res.status < 200 || res.status >= 300) throw new CallError(`${client.service}: ${method} ${path} answered HTTP ${res.status}`, res.status, data);
  return data;
}

/** The service's own words when it gave any, else the error's message. */
export function failureMessage(err: unknown): string {
  if (err instanceof CallError) {
    const parsed = ProblemSchema.safeParse(err.body);
    if (parsed.success) {
      const said = Array.isArray(parsed.data) ? parsed.data.map((v) => v.errorMessage).join('; ') : parsed.data.message;
      if (said) return `${err.message} (${said})`;
    }
  }
  return errorMessage(err);
}
