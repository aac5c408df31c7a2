/**
 * Checks for Jellyfin and its webhook plugin, and the plugin reader other integrations' checks
 * use (Shokofin keeps its library mapping in Jellyfin). Plugin configurations come from
 * `GET /Plugins` and `GET /Plugins/{id}/Configuration` (admin API key), PascalCase JSON that
 * is read case-insensitively.
 */
import { z } from 'zod';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { displayUrl } from '../../autoconfig/urls.js';
import { lastEventCheck } from '../../doctor/events.js';
import { client, probe } from '../../doctor/probe.js';
import { makeCheck, type DoctorCheck, type Subject } from '../../doctor/types.js';
import type { ServiceClient } from '../../net/service.js';
import { VERSION } from '../../version.js';
import type { LibraryPlugins } from '../capabilities.js';
import type { DoctorContext } from '../types.js';
import { authorizationHeader } from './client.js';

/** Plugin ids as Jellyfin serializes Guids ("N" format). */
export const WEBHOOK_PLUGIN_ID = '71552a5a5c5c4350a2aeebe451a30173';

const normGuid = (id: string) => id.replace(/-/g, '').toLowerCase();

/** Keys lower-cased at every level, so PascalCase and camelCase read the same. */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerKeys(v)]));
  return value;
}

const PluginListSchema = z.array(z.looseObject({ id: z.string(), name: z.string().nullish(), version: z.string().nullish() }));

type JellyfinSlice = { url: string; api_key: string };

export function jellyfinAuth(o: JellyfinSlice): Record<string, string> {
  return { authorization: authorizationHeader(o.api_key, 'Media Tracker', VERSION) };
}

/** A plugin's configuration (lower-cased keys), or null when it is not installed. */
async function pluginConfig(client: ServiceClient, id: string): Promise<{ version: string | null; config: unknown } | null> {
  const plugins = PluginListSchema.parse(lowerKeys(await callJson(client, 'GET', '/Plugins')));
  const plugin = plugins.find((p) => normGuid(p.id) === id);
  if (!plugin) return null;
  return { version: plugin.version ?? null, config: lowerKeys(await callJson(client, 'GET', `/Plugins/${plugin.id}/Configuration`)) };
}

/** Jellyfin's plugin settings, read with the admin key. */
export function jellyfinPlugins(o: JellyfinSlice, timeoutMs?: number): LibraryPlugins {
  return { plugin: (id) => pluginConfig(client('jellyfin', o.url, jellyfinAuth(o), timeoutMs), id) };
}

export async function checkJellyfin(o: JellyfinSlice, ctx: DoctorContext<'jellyfin_s'>): Promise<DoctorCheck[]> {
  const s = ctx.subject(null);
  const p = await probe({
    subject: s,
    url: o.url,
    auth: jellyfinAuth(o),
    publicPath: '/System/Info/Public',
    keyPath: '/System/Info',
    version: (d) => z.looseObject({ Version: z.string() }).safeParse(d).data?.Version ?? null,
    minVersion: { version: '10.9', why: 'Reading items without a user (GET /Items) needs Jellyfin 10.9 or newer.' },
    later: ['webhook'],
    timeoutMs: ctx.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(await jellyfinWebhook(s, o, ctx));
  checks.push(lastEventCheck(s, ['jellyfin'], ctx.events(), true));
  return checks;
}

const WebhookConfigSchema = z.looseObject({
  genericoptions: z.array(z.looseObject({ webhookuri: z.string().nullish(), enablewebhook: z.boolean().nullish(), notificationtypes: z.array(z.union([z.string(), z.number()])).nullish() })).nullish(),
});

/** Optional: the tracker polls Jellyfin anyway; the webhook only makes availability quicker. */
async function jellyfinWebhook(s: Subject, o: JellyfinSlice, ctx: DoctorContext<'jellyfin_s'>): Promise<DoctorCheck> {
  try {
    const plugin = await jellyfinPlugins(o, ctx.timeoutMs).plugin(WEBHOOK_PLUGIN_ID);
    if (!plugin)
      return makeCheck(
        s,
        'webhook',
        'skipped',
        'Webhook plugin not installed (optional)',
        `The tracker polls Jellyfin every ${ctx.intervals.jellyfin_s} s; the plugin only makes availability quicker.`,
      );
    const destinations = WebhookConfigSchema.parse(plugin.config).genericoptions ?? [];
    const ours = destinations.find((d) => (d.webhookuri ?? '').includes('/hooks/jellyfin') && d.enablewebhook !== false);
    if (!ours) return makeCheck(s, 'webhook', 'warning', 'No webhook destination points at the tracker (optional)', 'Auto-configuration adds it (an admin API key is needed).');
    // NotificationType.ItemAdded is 1 when the enum is written as a number (0 is None; Destinations/NotificationType.cs).
    const addsItems = (ours.notificationtypes ?? []).some((t) => t === 'ItemAdded' || t === 1);
    if (!addsItems) return makeCheck(s, 'webhook', 'warning', 'The webhook destination does not send "Item Added"', displayUrl(ours.webhookuri ?? ''));
    return makeCheck(s, 'webhook', 'ok', 'Jellyfin sends "Item Added" webhooks to the tracker', displayUrl(ours.webhookuri ?? ''));
  } catch (err) {
    return makeCheck(s, 'webhook', 'warning', "Could not read Jellyfin's plugins", failureMessage(err));
  }
}
