/**
 * Security headers of the ingress listener. The panel must stay frameable by Home Assistant:
 * its ingress iframe is on Home Assistant's own origin (`/api/hassio_ingress/<token>/`),
 * which is the panel's origin there too, so `frame-ancestors 'self'` allows it.
 *
 * Scripts: the built files, plus the inline bootstrap in index.html by its hash (read from
 * the built file, so a rebuilt panel never drifts from its policy). Styles need
 * 'unsafe-inline': index.html's theme block and Lit's `style="…"` bindings (Lit's component
 * styles are constructed stylesheets, which CSP does not restrict). Images may come from any
 * http(s) server: posters are the upstream services' URLs. Workers from blobs: mqtt.js's timers.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestHandler } from 'express';

/** sha256 sources of every inline `<script>` of the built index.html (none when it is not built). */
export function inlineScriptHashes(panelDir: string): string[] {
  let html: string;
  try {
    html = readFileSync(join(panelDir, 'index.html'), 'utf8');
  } catch {
    return [];
  }
  const hashes: string[] = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]!)) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2]!, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

export function contentSecurityPolicy(scriptHashes: readonly string[], frameAncestors: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src ${["'self'", ...scriptHashes].join(' ')}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: http: https:",
    "connect-src 'self'",
    // mqtt.js runs its keepalive timer in a worker built from a blob (timers in a hidden tab are throttled).
    "worker-src 'self' blob:",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'none'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`,
  ].join('; ');
}

export function securityHeaders(panelDir: string, frameAncestors: readonly string[]): RequestHandler {
  const csp = contentSecurityPolicy(inlineScriptHashes(panelDir), frameAncestors);
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // The ingress URL holds Home Assistant's ingress token: deep links must not carry it away.
    res.setHeader('Referrer-Policy', 'same-origin');
    next();
  };
}
