/** Parse results, and the checks on a webhook body before its schema: an object, a known discriminator. */
import type { FieldError, ParseResult } from '../types.js';
import { BODY_PATH, describeType, showValue } from './errors.js';

/** A failed `ParseResult`. */
export function fail(errors: FieldError[]): ParseResult {
  return { ok: false, errors };
}

/** A successful `ParseResult` with no events (known but irrelevant input). */
export function ignored(note: string): ParseResult {
  return { ok: true, events: [], note };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the discriminator of a webhook body. Returns the body as a record and the value of
 * `field`, or the errors: a non-object body, a missing/non-string discriminator, or an
 * unknown value (the message lists the accepted values).
 */
export function readDiscriminator<K extends string>(body: unknown, field: string, accepted: readonly K[]): { ok: true; body: Record<string, unknown>; value: K } | { ok: false; errors: FieldError[] } {
  if (!isRecord(body)) {
    return {
      ok: false,
      errors: [{ path: BODY_PATH, message: `expected a JSON object, got ${describeType(body)}` }],
    };
  }
  const raw = body[field];
  const list = accepted.join(', ');
  if (raw === undefined || raw === null || raw === '') {
    return { ok: false, errors: [{ path: field, message: `required (expected one of ${list})` }] };
  }
  if (typeof raw !== 'string') {
    return {
      ok: false,
      errors: [{ path: field, message: `expected a string (one of ${list}), got ${describeType(raw)}` }],
    };
  }
  if (!(accepted as readonly string[]).includes(raw)) {
    return {
      ok: false,
      errors: [{ path: field, message: `unknown value ${showValue(raw)}; accepted values: ${list}` }],
    };
  }
  return { ok: true, body, value: raw as K };
}
