/**
 * Is a Jellyseerr webhook about a 4K request? The default template has no `is4k` variable
 * (docs/upstreams.md §3.2), so it is read from what the body does carry:
 * - the `event` text: Jellyseerr prefixes it with `4K ` for 4K requests ("New 4K Movie Request",
 *   "4K Movie Request Now Available"); its own texts name a "Movie/Series Request", so such a
 *   text without `4K` is a standard request, and any other text (a custom template) says nothing;
 * - else the two media statuses: the one that shows the request's step (pending/processing for
 *   a new or approved request, available for MEDIA_AVAILABLE) while the other does not.
 * Undefined when neither tells; the Jellyseerr reconciler later reads `is4k` from the API.
 */
import type { RequestEvent } from '../../domain/events.js';

export function is4kFromText(event: string | null): boolean | undefined {
  if (event === null) return undefined;
  if (/(^|[^a-z0-9])4k([^a-z0-9]|$)/i.test(event)) return true;
  return /\b(movie|series) request\b/i.test(event) ? false : undefined;
}

const UNDER_WAY = new Set(['PENDING', 'PROCESSING']);
const THERE = new Set(['AVAILABLE', 'PARTIALLY_AVAILABLE']);

export function is4kFromStatus(status: RequestEvent['status'], standard: string | null, fourK: string | null): boolean | undefined {
  if (standard === null || fourK === null) return undefined;
  const step = status === 'available' ? THERE : status === 'pending' || status === 'approved' || status === 'auto_approved' ? UNDER_WAY : null;
  if (!step) return undefined;
  const std = step.has(standard.trim().toUpperCase());
  const uhd = step.has(fourK.trim().toUpperCase());
  return std === uhd ? undefined : uhd;
}

export function requestIs4k(status: RequestEvent['status'], event: string | null, standard: string | null, fourK: string | null): boolean | undefined {
  return is4kFromText(event) ?? is4kFromStatus(status, standard, fourK);
}
