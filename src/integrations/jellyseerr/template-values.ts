/**
 * How Jellyseerr's webhook template renders values (every substituted value is a string:
 * `"request_id": "61"`, `"tvdbId": ""`), the media block every notification carries, and the
 * user names it sends (docs/upstreams.md §3.2). Shared by the request and issue parsers.
 */
import * as z from 'zod';
import { lenient, showValue } from '../../adapters/validation.js';

/** `"abc"`, `0`, `null`, `object`... for error messages (e-mail addresses redacted). */
function show(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) {
    return showValue(value);
  }
  return Array.isArray(value) ? 'array' : typeof value;
}

/** A required positive integer given as `"61"` or `61`. */
export const TemplatePositiveInt = z
  .union([z.string(), z.number()], {
    error: (iss) => (iss.input === undefined ? 'required (expected a positive integer)' : `expected a positive integer, got ${show(iss.input)}`),
  })
  .transform((value, ctx): number => {
    const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n > 0) return n;
    ctx.addIssue({ code: 'custom', input: value, message: `expected a positive integer, got ${show(value)}` });
    return z.NEVER;
  });

/** An optional external id: `"693134"`/`693134` → number; `""`, `"0"`, missing, null → null. */
export const TemplateOptionalId = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((value, ctx): number | null => {
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' && value.trim() === '') return null;
    const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
    if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return n === 0 ? null : n;
    ctx.addIssue({ code: 'custom', input: value, message: `expected a numeric id or "", got ${show(value)}` });
    return z.NEVER;
  });

/** An optional text value; numbers/booleans are rendered, missing/null/blank → null. */
export const TemplateText = z
  .union([z.string(), z.number(), z.boolean()])
  .nullish()
  .transform((value): string | null => {
    if (value === undefined || value === null) return null;
    const text = String(value);
    return text.trim() === '' ? null : text;
  });

export const JellyseerrMediaSchema = z.looseObject({
  media_type: z.enum(['movie', 'tv']),
  tmdbId: TemplateOptionalId,
  tvdbId: TemplateOptionalId,
  status: lenient(TemplateText),
  status4k: lenient(TemplateText),
});

const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** The requester's display name; an e-mail address is reduced to its local part. */
export function requesterName(username: string | null, email: string | null): string | null {
  if (username === null) return null;
  let name = username.trim();
  if (email !== null && name.toLowerCase() === email.trim().toLowerCase()) name = name.split('@')[0] ?? '';
  if (EMAIL.test(name)) name = name.split('@')[0] ?? '';
  return name === '' ? null : name;
}
