/**
 * The "Media Tracker" webhook connection in Sonarr/Radarr (`/api/v3/notification`,
 * docs/upstreams.md §1.8 and §2.5): find it, say what differs from what the tracker needs,
 * create or update it, and prove it with the service's own Test. Also the options entries for
 * the download clients an instance uses that the tracker could follow itself but does not.
 *
 * The secret travels as the HTTP Basic password: every Sonarr 4 / Radarr 5 sends it (custom
 * headers need 4.0.10 / 5.16), and the API masks it as `********` when read back. So a
 * masked password counts as set, and the Test that follows is what proves it is right.
 */
import { z } from 'zod';
import { redact } from '../../log.js';
import { ServiceClient } from '../../net/service.js';
import { CallError, callJson, failureMessage } from '../../autoconfig/http.js';
import type { AutoconfigAction, AutoconfigContext } from '../../autoconfig/types.js';
import { displayUrl, hookPath, hookUrl, pathOf, receiptKey, urlMatches, type PublicBase } from '../../autoconfig/urls.js';
import type { AutoconfigureContext, DirectClient, OptionsSuggestion } from '../types.js';
import { clientAddress, clientUrl, coverage, readDownloadClients, type ArrDownloadClient } from './downloadclients.js';

export type ArrKind = 'sonarr' | 'radarr';

export const CONNECTION_NAME = 'Media Tracker';
const USERNAME = 'media-tracker';
/** What Sonarr/Radarr answer instead of a stored password (Servarr `SchemaBuilder`). */
export const MASKED = '********';

/** Health checks failing (warnings included) and passing again: the bridge's source health (features/health). */
const HEALTH_TRIGGERS = ['onHealthIssue', 'includeHealthWarnings', 'onHealthRestored'] as const;

/** The triggers the adapters turn into events or health notices (integrations/sonarr/adapter.ts, radarr/adapter.ts). */
export const TRIGGERS: Record<ArrKind, readonly string[]> = {
  sonarr: ['onGrab', 'onDownload', 'onUpgrade', 'onImportComplete', 'onSeriesAdd', 'onSeriesDelete', 'onEpisodeFileDelete', 'onManualInteractionRequired', ...HEALTH_TRIGGERS],
  radarr: ['onGrab', 'onDownload', 'onUpgrade', 'onMovieAdded', 'onMovieDelete', 'onMovieFileDelete', 'onManualInteractionRequired', ...HEALTH_TRIGGERS],
};

/** Every `on*` flag of the resource, so a new connection starts with only ours switched on. */
const ALL_FLAGS: Record<ArrKind, readonly string[]> = {
  sonarr: [...TRIGGERS.sonarr, 'onRename', 'onEpisodeFileDeleteForUpgrade', 'onApplicationUpdate'],
  radarr: [...TRIGGERS.radarr, 'onRename', 'onMovieFileDeleteForUpgrade', 'onApplicationUpdate'],
};

const FieldSchema = z.looseObject({ name: z.string(), value: z.unknown().optional() });
export const NotificationSchema = z.looseObject({
  id: z.number().int(),
  name: z.string().nullish(),
  implementation: z.string().nullish(),
  fields: z.array(FieldSchema).nullish(),
});
export type ArrNotification = z.infer<typeof NotificationSchema>;
const NotificationListSchema = z.array(NotificationSchema);

export const SystemStatusSchema = z.looseObject({ version: z.string(), appName: z.string().nullish(), instanceName: z.string().nullish() });

export function fieldValue(n: ArrNotification, name: string): unknown {
  return n.fields?.find((f) => f.name.toLowerCase() === name.toLowerCase())?.value;
}

export function arrClient(kind: ArrKind, instance: { name: string; url: string; api_key: string }, timeoutMs = 15_000): ServiceClient {
  return new ServiceClient({ service: `${kind}/${instance.name}`, baseUrl: instance.url, headers: { 'x-api-key': instance.api_key }, timeoutMs, retries: 0 });
}

/** Our connection: named "Media Tracker", or a Webhook whose URL ends in our route for this instance. */
export function findConnection(list: ArrNotification[], kind: ArrKind, instance: string, single: boolean): ArrNotification | undefined {
  const paths = new Set([hookPath(kind, instance), ...(single ? [hookPath(kind)] : [])]);
  const webhooks = list.filter((n) => n.implementation === 'Webhook');
  return (
    webhooks.find((n) => n.name === CONNECTION_NAME && paths.has(pathOf(String(fieldValue(n, 'url') ?? '')) ?? '')) ??
    webhooks.find((n) => paths.has(pathOf(String(fieldValue(n, 'url') ?? '')) ?? '')) ??
    webhooks.find((n) => n.name === CONNECTION_NAME)
  );
}

/** What keeps a connection from doing its job, in words (empty: nothing). */
export function connectionProblems(n: ArrNotification, kind: ArrKind, wantedUrl: string, base: PublicBase): string[] {
  const problems: string[] = [];
  const url = String(fieldValue(n, 'url') ?? '');
  if (!urlMatches(url, wantedUrl, base)) problems.push(`URL is ${displayUrl(url) || 'empty'}, not ${displayUrl(wantedUrl)}`);
  const off = TRIGGERS[kind].filter((flag) => flag in n && n[flag] !== true);
  if (off.length) problems.push(`triggers off: ${off.join(', ')}`);
  const headers = fieldValue(n, 'headers');
  const authHeader = Array.isArray(headers) && headers.some((h) => /^authorization$/i.test(String((h as { key?: unknown }).key ?? '')));
  if (!fieldValue(n, 'password') && !authHeader && !/[?&]token=/.test(url)) problems.push('no secret (password, Authorization header or ?token=)');
  return problems;
}

function desiredResource(kind: ArrKind, url: string, secret: string): Record<string, unknown> {
  return {
    name: CONNECTION_NAME,
    implementation: 'Webhook',
    implementationName: 'Webhook',
    configContract: 'WebhookSettings',
    tags: [],
    ...Object.fromEntries(ALL_FLAGS[kind].map((f) => [f, TRIGGERS[kind].includes(f)])),
    fields: [
      { name: 'url', value: url },
      { name: 'method', value: 1 },
      { name: 'username', value: USERNAME },
      { name: 'password', value: secret },
      { name: 'headers', value: [] },
    ],
  };
}

/** The existing resource with our URL, triggers and (when asked) our password; everything else as the user left it. */
function mergedResource(n: ArrNotification, kind: ArrKind, url: string | null, secret: string | null): Record<string, unknown> {
  const fields = (n.fields ?? []).map((f) => {
    if (url !== null && f.name === 'url') return { ...f, value: url };
    if (secret !== null && f.name === 'password') return { ...f, value: secret };
    if (secret !== null && f.name === 'username' && !f.value) return { ...f, value: USERNAME };
    return f;
  });
  return { ...n, ...Object.fromEntries(TRIGGERS[kind].map((f) => [f, true])), fields };
}

/** Creates or updates one instance's connection, then runs the service's Test and checks that it arrived. */
export async function configureArr(kind: ArrKind, label: string, instance: { name: string; url: string; api_key: string }, single: boolean, ctx: AutoconfigContext): Promise<AutoconfigAction> {
  const client = arrClient(kind, instance, ctx.timeoutMs);
  const wanted = hookUrl(ctx.base, kind, instance.name);
  const result = (action: AutoconfigAction['action'], detail: string, test: AutoconfigAction['test'] = 'not run'): AutoconfigAction => ({
    service: kind,
    instance: instance.name,
    action,
    detail: redact(detail),
    test,
  });
  let action: AutoconfigAction['action'];
  let detail: string;
  let saved: ArrNotification;
  let secretSent = false;
  try {
    const list = NotificationListSchema.parse(await callJson(client, 'GET', '/api/v3/notification'));
    const existing = findConnection(list, kind, instance.name, single);
    if (!existing) {
      // Without forceSave the service tests the URL first, so a tracker it cannot reach is refused, not saved.
      saved = NotificationSchema.parse(await callJson(client, 'POST', '/api/v3/notification', desiredResource(kind, wanted, ctx.secret)));
      secretSent = true;
      action = 'created';
      detail = `Connection "${CONNECTION_NAME}" created in ${label}, pointing at ${displayUrl(wanted)} with triggers ${TRIGGERS[kind].join(', ')}.`;
    } else {
      const problems = connectionProblems(existing, kind, wanted, ctx.base);
      if (problems.length === 0) {
        saved = existing;
        action = 'unchanged';
        detail = `Connection "${existing.name ?? CONNECTION_NAME}" in ${label} already points at ${displayUrl(String(fieldValue(existing, 'url')))} with every trigger the tracker uses.`;
      } else {
        const fixUrl = problems.some((p) => p.startsWith('URL'));
        const needSecret = problems.some((p) => p.startsWith('no secret'));
        saved = NotificationSchema.parse(await callJson(client, 'PUT', `/api/v3/notification/${existing.id}`, mergedResource(existing, kind, fixUrl ? wanted : null, needSecret ? ctx.secret : null)));
        secretSent = needSecret;
        action = 'updated';
        detail = `Connection "${existing.name ?? CONNECTION_NAME}" in ${label} updated (${problems.join('; ')}).`;
      }
    }
  } catch (err) {
    const refusedTest = err instanceof CallError && err.status === 400;
    const hint = refusedTest ? ` ${label} must reach ${displayUrl(wanted)}; set public_url to an address it can reach.` : '';
    return result('failed', `${failureMessage(err)}${hint}`);
  }

  let test = await runTest(client, saved, ctx);
  if (test.ok === false && !secretSent) {
    // The stored password is masked, and a URL kept for its path may have an old host or port:
    // after a failed Test, write both as wanted and try once more.
    const url = String(fieldValue(saved, 'url') ?? '');
    const fixUrl = url.replace(/\/+$/, '') !== wanted;
    try {
      saved = NotificationSchema.parse(await callJson(client, 'PUT', `/api/v3/notification/${saved.id}`, mergedResource(saved, kind, fixUrl ? wanted : null, ctx.secret)));
      action = 'updated';
      detail = `${detail.replace(/\.$/, '')}; it did not pass the Test, so ${fixUrl ? `the password and the URL (${displayUrl(wanted)}) were` : 'the password was'} set again.`;
      test = await runTest(client, saved, ctx);
    } catch (err) {
      return result('failed', `${detail} Setting the password failed: ${failureMessage(err)}`, 'failed');
    }
  }
  if (!test.ok) return result(action === 'unchanged' ? 'failed' : action, `${detail} ${test.detail}`, 'failed');
  return result(action, `${detail} ${test.detail}`, 'passed');
}

/** `POST /api/v3/notification/test`: the service sends its Test event; the tracker must count it. */
async function runTest(client: ServiceClient, n: ArrNotification, ctx: AutoconfigContext): Promise<{ ok: boolean; detail: string }> {
  const url = String(fieldValue(n, 'url') ?? '');
  const key = receiptKey(url);
  const before = key ? ctx.receipts.count(key) : 0;
  try {
    await callJson(client, 'POST', '/api/v3/notification/test', n);
  } catch (err) {
    return { ok: false, detail: `Test failed: ${failureMessage(err)}` };
  }
  if (key && ctx.receipts.count(key) > before) return { ok: true, detail: 'Test webhook received.' };
  return { ok: false, detail: `The service reported its Test as sent, but no test webhook reached the tracker at ${displayUrl(url)}.` };
}

/** An instance name for the options from the client's name in the PVR (`SABnzbd` → `sabnzbd`). */
function instanceNameOf(name: string, via: DirectClient): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|-+$/g, '');
  return slug || via.id;
}

/**
 * For each enabled client the instance uses that a download-client integration could follow but
 * no configured instance does: its options entry (secrets as placeholders). A PVR that cannot be
 * read offers nothing here; its doctor check says why.
 */
export async function suggestDirectClients(kind: ArrKind, label: string, instance: { name: string; url: string; api_key: string }, ctx: AutoconfigureContext): Promise<OptionsSuggestion[]> {
  let clients: ArrDownloadClient[];
  try {
    ({ clients } = await readDownloadClients(arrClient(kind, instance, ctx.timeoutMs), instance.name));
  } catch {
    return [];
  }
  const usedBy = instance.name === kind ? label : `${label} (${instance.name})`;
  return clients.flatMap((c): OptionsSuggestion[] => {
    const cov = coverage(c, ctx.directClients);
    const url = clientUrl(c);
    if (!c.enabled || cov.kind !== 'queue' || !cov.via || !url) return [];
    const name = instanceNameOf(c.name, cov.via);
    const local = /^(localhost|127\.|::1$|0\.0\.0\.0$)/i.test(c.host ?? '');
    const note = local
      ? `${c.host} is ${usedBy}'s own machine: if the tracker runs elsewhere (the Home Assistant add-on), put an address the tracker reaches in url.`
      : `The address is the one ${usedBy} uses; change it if the tracker reaches ${c.label} another way.`;
    return [{ service: cov.via.id, entry: { ...cov.via.entry({ name, url, username: c.username }), url }, usedBy, found: `${c.label} at ${clientAddress(c)}`, note }];
  });
}
