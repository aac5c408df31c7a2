/**
 * Option fields shared by the core options and the integrations' own slices
 * (src/integrations/<name>/options.ts). Imports nothing but zod, so an integration's options
 * never depend on the whole options schema.
 */
import { z } from 'zod';

export const port = z.number().int().min(0).max(65535);

/** Empty = the service is not configured; otherwise an http(s) URL (a path prefix is kept). */
export const serviceUrl = z
  .string()
  .trim()
  .refine((v) => v === '' || /^https?:\/\/[^\s/]+/.test(v), 'expected an http:// or https:// URL, or "" to disable')
  .transform((v) => v.replace(/\/+$/, ''))
  .default('');

/** The name of one instance of a multi-instance service: it appears in webhook routes. */
export const instanceName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, "_" and "-" (used in webhook routes, e.g. /hooks/sonarr/<name>)');

/** A required URL of one instance (a list entry is never "not configured"). */
export const requiredUrl = serviceUrl.pipe(z.string().min(1, 'required'));

/** `{url, api_key}`: a single-instance service, not configured while `url` is empty. */
export function singleService() {
  return z
    .object({ url: serviceUrl, api_key: z.string().default('') })
    .strict()
    .default({ url: '', api_key: '' });
}
