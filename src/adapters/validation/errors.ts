/**
 * zod validation with readable errors: dotted paths, short messages in plain words, bad values
 * shown briefly with e-mail addresses redacted (error messages end up in logs).
 */
import type * as z from 'zod';
import type { FieldError } from '../types.js';

/** Path used for errors about the body itself (not an object, not JSON...). */
export const BODY_PATH = '(body)';

/** `['episodes', 0, 'seasonNumber']` → `episodes.0.seasonNumber`; `[]` → `(body)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return BODY_PATH;
  return path.map((p) => (typeof p === 'symbol' ? (p.description ?? '?') : String(p))).join('.');
}

/** Plain-words name of a JSON value's type: `string`, `number`, `null`, `array`, `object`... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  return typeof value;
}

const EXPECTED_WORDS: Record<string, string> = {
  int: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
  bigint: 'an integer',
};

function expectedWords(expected: string): string {
  return EXPECTED_WORDS[expected] ?? expected;
}

const EMAIL_LIKE = /[^\s"@]+@[^\s"@]+/g;

/** Replaces anything that looks like an e-mail address: error messages end up in logs. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL_LIKE, '<e-mail>');
}

/**
 * Short rendering of a bad value for error messages (never more than ~40 chars, e-mail
 * addresses redacted).
 */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = redactEmails(text);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/**
 * Per-parse zod error map: turns raw issues into short messages such as
 * `expected a number, got string`, `required (expected a string)` or
 * `expected one of "movie", "tv", got "film"`.
 */
export const errorMap: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = expectedWords(String(issue.expected));
      if (issue.input === undefined) return `required (expected ${expected})`;
      if (issue.expected === 'int' && typeof issue.input === 'number') {
        return `expected an integer, got ${showValue(issue.input)}`;
      }
      return `expected ${expected}, got ${describeType(issue.input)}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => showValue(v)).join(', ');
      if (issue.input === undefined) return `required (expected one of ${values})`;
      return `expected one of ${values}, got ${showValue(issue.input)}`;
    }
    case 'invalid_union': {
      // Unions of scalar types (`string | number`): list what each branch expected.
      const expected = [...new Set(issue.errors.flatMap((branch) => branch.filter((i) => i.code === 'invalid_type').map((i) => expectedWords(String(i.expected)))))];
      if (expected.length === 0) return undefined;
      const words = expected.length === 1 ? expected.join('') : `${expected.slice(0, -1).join(', ')} or ${expected.at(-1) ?? ''}`;
      if (issue.input === undefined) return `required (expected ${words})`;
      return `expected ${words}, got ${describeType(issue.input)}`;
    }
    case 'too_small':
      return `must be at least ${String(issue.minimum)}, got ${showValue(issue.input)}`;
    case 'too_big':
      return `must be at most ${String(issue.maximum)}, got ${showValue(issue.input)}`;
    default:
      return undefined;
  }
};

/** zod issues → `FieldError`s, one per issue, with dotted paths. */
export function zodErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export type Validated<T> = { ok: true; data: T } | { ok: false; errors: FieldError[] };

/** `schema.safeParse` with our error map and `FieldError` output. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): Validated<z.output<S>> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return { ok: true, data: result.data };
  return { ok: false, errors: zodErrors(result.error) };
}
