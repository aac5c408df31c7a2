/**
 * The Jellyseerr webhook template the tracker installs, built from the list of fields the
 * adapter (adapter.ts) reads, and the check that an existing template
 * carries them. Template mechanics in docs/upstreams.md §3.2: `{{var}}` inside string values,
 * special keys `{{media}}`, `{{request}}` and `{{extra}}`.
 */
import { JELLYSEERR_REQUEST_STATUS, type JellyseerrRequestType } from './adapter.js';

interface TemplateField {
  /** Key path in the template; the special keys keep their braces. */
  path: readonly string[];
  /** The variable that must appear in that string value. */
  variable: string;
  /** Without it nothing can be tracked; the others only refine (title, poster, e-mail-named users). */
  essential: boolean;
}

export const TEMPLATE_FIELDS: readonly TemplateField[] = [
  { path: ['notification_type'], variable: 'notification_type', essential: true },
  { path: ['event'], variable: 'event', essential: false },
  { path: ['subject'], variable: 'subject', essential: true },
  { path: ['image'], variable: 'image', essential: false },
  { path: ['{{media}}', 'media_type'], variable: 'media_type', essential: true },
  { path: ['{{media}}', 'tmdbId'], variable: 'media_tmdbid', essential: true },
  { path: ['{{media}}', 'tvdbId'], variable: 'media_tvdbid', essential: true },
  { path: ['{{media}}', 'status'], variable: 'media_status', essential: false },
  { path: ['{{media}}', 'status4k'], variable: 'media_status4k', essential: false },
  { path: ['{{request}}', 'request_id'], variable: 'request_id', essential: true },
  { path: ['{{request}}', 'requestedBy_username'], variable: 'requestedBy_username', essential: true },
  // Only read to recognise a display name that is an e-mail address; never stored.
  { path: ['{{request}}', 'requestedBy_email'], variable: 'requestedBy_email', essential: false },
];

/** `"{{extra}}": []` carries the requested seasons of a TV request. */
const EXTRA_KEY = '{{extra}}';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

function buildTemplate(): string {
  const root: Record<string, Json> = {};
  for (const f of TEMPLATE_FIELDS) {
    let node = root;
    for (const key of f.path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, Json>;
    node[f.path.at(-1)!] = `{{${f.variable}}}`;
  }
  root[EXTRA_KEY] = [];
  return JSON.stringify(root, null, 2);
}

/** The template text (what Jellyseerr's settings page shows). */
export const TRACKER_TEMPLATE = buildTemplate();

/** Jellyseerr's notification-type bits (docs/upstreams.md §3.3). */
export const NOTIFICATION_BITS: Record<string, number> = {
  MEDIA_PENDING: 2,
  MEDIA_APPROVED: 4,
  MEDIA_AVAILABLE: 8,
  MEDIA_FAILED: 16,
  TEST_NOTIFICATION: 32,
  MEDIA_DECLINED: 64,
  MEDIA_AUTO_APPROVED: 128,
  ISSUE_CREATED: 256,
  ISSUE_COMMENT: 512,
  ISSUE_RESOLVED: 1024,
  ISSUE_REOPENED: 2048,
  MEDIA_AUTO_REQUESTED: 4096,
};

/** Every request-bearing type the webhook notifications actually include (auto-requests never reach it). */
export const TRACKER_TYPES = (Object.keys(JELLYSEERR_REQUEST_STATUS) as JellyseerrRequestType[]).filter((t) => t !== 'MEDIA_AUTO_REQUESTED').reduce((mask, t) => mask | (NOTIFICATION_BITS[t] ?? 0), 0);

/** The fields a template lacks (`essentialOnly`: only those without which nothing is tracked). */
export function missingTemplateFields(text: string, essentialOnly = false): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return ['(the template is not valid JSON)'];
  }
  const missing: string[] = [];
  for (const f of TEMPLATE_FIELDS) {
    if (essentialOnly && !f.essential) continue;
    let node: unknown = parsed;
    for (const key of f.path) node = node && typeof node === 'object' && !Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
    if (typeof node !== 'string' || !node.includes(`{{${f.variable}}}`)) missing.push(f.path.join('.').replace(/\{\{|\}\}/g, ''));
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as Record<string, unknown>)[EXTRA_KEY])) missing.push('extra');
  return missing;
}
