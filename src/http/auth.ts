/**
 * Webhook authentication. Sonarr/Radarr before 4.0.10/5.16 can only send HTTP Basic or a
 * URL token, Jellyseerr sends its "Authorization Header" verbatim, so all three forms work.
 */
import type { IncomingMessage } from 'node:http';
import { safeEqual } from '../platform/secure-compare.js';

export function presentedSecrets(req: IncomingMessage): string[] {
  const found: string[] = [];
  const header = req.headers.authorization;
  if (header) {
    const [scheme, ...rest] = header.trim().split(/\s+/);
    const value = rest.join(' ');
    if (scheme?.toLowerCase() === 'bearer' && value) found.push(value);
    else if (scheme?.toLowerCase() === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) found.push(decoded.slice(colon + 1));
    }
  }
  // Parsing the URL costs more than the rest of the check; only do it when a token is there.
  if (req.url?.includes('token=')) {
    const token = new URL(req.url, 'http://x').searchParams.get('token');
    if (token) found.push(token);
  }
  return found;
}

export function isAuthorised(req: IncomingMessage, secret: string): boolean {
  // An empty secret would match an empty Basic password: it authorises nobody.
  if (!secret) return false;
  // Compare every candidate, always, so timing does not tell which form was close.
  let ok = false;
  for (const candidate of presentedSecrets(req)) ok = safeEqual(candidate, secret) || ok;
  return ok;
}
