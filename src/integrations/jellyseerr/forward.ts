/**
 * Forwards Jellyseerr notifications to the receiver whose webhook slot auto-configuration
 * took over: the same body, byte for byte, with that receiver's own Authorization header,
 * and only the notification types it had subscribed to (plus the test, which Jellyseerr
 * always sends). Fire and forget, as Jellyseerr itself does: a failure is logged, not retried.
 */
import { errorMessage, type Logger } from '../../log.js';
import { undici } from '../../net/service.js';
import type { ForwardTarget } from '../../secrets.js';
import { NOTIFICATION_BITS } from './template.js';
import { displayUrl } from '../../autoconfig/urls.js';

export type JellyseerrForwarder = (raw: string, body: unknown) => Promise<void>;

export function createJellyseerrForwarder(target: () => ForwardTarget | null, log: Logger, timeoutMs = 10_000): JellyseerrForwarder {
  return async (raw, body) => {
    const t = target();
    if (!t) return;
    const type = body && typeof body === 'object' ? (body as Record<string, unknown>).notification_type : undefined;
    const bit = typeof type === 'string' ? NOTIFICATION_BITS[type] : undefined;
    if (type !== 'TEST_NOTIFICATION' && bit !== undefined && (t.types & bit) === 0) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (t.auth_header) headers.authorization = t.auth_header;
    try {
      const { request } = await undici();
      const res = await request(t.url, { method: 'POST', headers, body: raw, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
      await res.body.dump();
      if (res.statusCode >= 300) log.warning(`forwarding a Jellyseerr notification to ${displayUrl(t.url)}: HTTP ${res.statusCode}`);
    } catch (err) {
      log.warning(`forwarding a Jellyseerr notification to ${displayUrl(t.url)} failed: ${errorMessage(err)}`);
    }
  };
}
