/**
 * Checks for Jellyfin (and its webhook plugin) and Shoko (the tracker's SignalR connection,
 * and Shokofin's library mapping as Jellyfin stores it). Plugin configurations come from
 * `GET /Plugins` and `GET /Plugins/{id}/Configuration` (admin API key), PascalCase JSON that
 * is read case-insensitively.
 */
import { z } from 'zod';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { displayUrl } from '../../autoconfig/urls.js';
import { errorMessage } from '../../log.js';
import type { ServiceClient } from '../../net/service.js';
import { VERSION } from '../../version.js';
import { authorizationHeader } from './client.js';
import type { DoctorEnv } from '../../doctor/env.js';
import { lastEventCheck } from '../../doctor/events.js';
import { client, probe } from '../../doctor/probe.js';
import { makeCheck, type DoctorCheck, type Subject } from '../../doctor/types.js';

/** Plugin ids as Jellyfin serializes Guids ("N" format). */
export const WEBHOOK_PLUGIN_ID = '71552a5a5c5c4350a2aeebe451a30173';
export const SHOKOFIN_PLUGIN_ID = '5216ccbfd24a4eb38a7e7da4230b7052';

const normGuid = (id: string) => id.replace(/-/g, '').toLowerCase();

/** Keys lower-cased at every level, so PascalCase and camelCase read the same. */
export function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerKeys(v)]));
  return value;
}

const PluginListSchema = z.array(z.looseObject({ id: z.string(), name: z.string().nullish(), version: z.string().nullish() }));

function jellyfinAuth(env: DoctorEnv): Record<string, string> {
  return { authorization: authorizationHeader(env.options.jellyfin.api_key, 'Media Tracker', VERSION) };
}

function jellyfinClient(env: DoctorEnv): ServiceClient {
  return client('jellyfin', env.options.jellyfin.url, jellyfinAuth(env), env.timeoutMs);
}

/** A plugin's configuration (lower-cased keys), or null when it is not installed. */
async function pluginConfig(client: ServiceClient, id: string): Promise<{ version: string | null; config: unknown } | null> {
  const plugins = PluginListSchema.parse(lowerKeys(await callJson(client, 'GET', '/Plugins')));
  const plugin = plugins.find((p) => normGuid(p.id) === id);
  if (!plugin) return null;
  return { version: plugin.version ?? null, config: lowerKeys(await callJson(client, 'GET', `/Plugins/${plugin.id}/Configuration`)) };
}

export async function checkJellyfin(env: DoctorEnv): Promise<DoctorCheck[]> {
  const o = env.options.jellyfin;
  const s: Subject = { integration: 'jellyfin', instance: null };
  const p = await probe({
    subject: s,
    url: o.url,
    auth: jellyfinAuth(env),
    publicPath: '/System/Info/Public',
    keyPath: '/System/Info',
    version: (d) => z.looseObject({ Version: z.string() }).safeParse(d).data?.Version ?? null,
    minVersion: { version: '10.9', why: 'Reading items without a user (GET /Items) needs Jellyfin 10.9 or newer.' },
    later: ['webhook'],
    timeoutMs: env.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(await jellyfinWebhook(s, env));
  checks.push(lastEventCheck(s, ['jellyfin'], env.events(), true));
  return checks;
}

const WebhookConfigSchema = z.looseObject({
  genericoptions: z
    .array(z.looseObject({ webhookuri: z.string().nullish(), enablewebhook: z.boolean().nullish(), notificationtypes: z.array(z.union([z.string(), z.number()])).nullish() }))
    .nullish(),
});

/** Optional: the tracker polls Jellyfin anyway; the webhook only makes availability quicker. */
async function jellyfinWebhook(s: Subject, env: DoctorEnv): Promise<DoctorCheck> {
  try {
    const plugin = await pluginConfig(jellyfinClient(env), WEBHOOK_PLUGIN_ID);
    if (!plugin) return makeCheck(s, 'webhook', 'skipped', 'Webhook plugin not installed (optional)', `The tracker polls Jellyfin every ${env.options.intervals.jellyfin_s} s; the plugin only makes availability quicker.`);
    const destinations = WebhookConfigSchema.parse(plugin.config).genericoptions ?? [];
    const ours = destinations.find((d) => (d.webhookuri ?? '').includes('/hooks/jellyfin') && d.enablewebhook !== false);
    if (!ours) return makeCheck(s, 'webhook', 'warning', 'No webhook destination points at the tracker (optional)', 'Auto-configuration lists what to set in the Webhook plugin.');
    // NotificationType.ItemAdded is 0 when the enum is written as a number.
    const addsItems = (ours.notificationtypes ?? []).some((t) => t === 'ItemAdded' || t === 0);
    if (!addsItems) return makeCheck(s, 'webhook', 'warning', 'The webhook destination does not send "Item Added"', displayUrl(ours.webhookuri ?? ''));
    return makeCheck(s, 'webhook', 'ok', 'Jellyfin sends "Item Added" webhooks to the tracker', displayUrl(ours.webhookuri ?? ''));
  } catch (err) {
    return makeCheck(s, 'webhook', 'warning', "Could not read Jellyfin's plugins", failureMessage(err));
  }
}

const ImportFoldersSchema = z.array(z.looseObject({ ID: z.number().int(), Name: z.string().nullish(), Path: z.string().nullish() }));

export async function checkShoko(env: DoctorEnv): Promise<DoctorCheck[]> {
  const o = env.options.shoko;
  const s: Subject = { integration: 'shoko', instance: null };
  const p = await probe({
    subject: s,
    url: o.url,
    auth: { apikey: o.api_key },
    publicPath: '/api/v3/Init/Version',
    keyPath: '/api/v3/ImportFolder',
    version: (d) => z.looseObject({ Server: z.looseObject({ Version: z.string() }) }).safeParse(d).data?.Server.Version ?? null,
    minVersion: { version: '4.2.2', why: 'Older Shoko servers have other SignalR events.' },
    later: ['signalr', 'library_mapping'],
    timeoutMs: env.timeoutMs,
  });
  if (!p.ok) return p.checks;
  const folders = ImportFoldersSchema.safeParse(p.keyed).data ?? [];
  return [...p.checks, await signalrCheck(s, env), await libraryMapping(s, folders, env)];
}

async function signalrCheck(s: Subject, env: DoctorEnv): Promise<DoctorCheck> {
  if (env.shoko) {
    const live = env.shoko();
    if (live.connected) return makeCheck(s, 'signalr', 'ok', "Connected to Shoko's SignalR hub (feed shoko)");
    if (live.connecting) return makeCheck(s, 'signalr', 'warning', "Connecting to Shoko's SignalR hub", 'The tracker has just started.');
    return makeCheck(s, 'signalr', 'error', "Not connected to Shoko's SignalR hub", `${live.detail ?? 'Connecting.'} Without it, anime matching is only seen at the periodic catch-up.`);
  }
  // No tracker here (the command line): say whether the hub would accept a connection.
  try {
    const hub = client('shoko', env.options.shoko.url, { apikey: env.options.shoko.api_key }, env.timeoutMs);
    const res = await hub.raw('POST', '/signalr/aggregate/negotiate', { query: { feeds: 'shoko', negotiateVersion: 1 }, retry: false });
    if (res.status === 200) return makeCheck(s, 'signalr', 'ok', "Shoko's SignalR hub accepts connections", "The tracker is not running here, so its own connection was not checked.");
    return makeCheck(s, 'signalr', 'error', `Shoko's SignalR hub answered HTTP ${res.status}`, 'POST /signalr/aggregate/negotiate?feeds=shoko');
  } catch (err) {
    return makeCheck(s, 'signalr', 'error', "Shoko's SignalR hub does not answer", errorMessage(err));
  }
}

const ShokofinSchema = z.looseObject({
  signalr_autoconnectenabled: z.boolean().nullish(),
  signalr_fileevents: z.boolean().nullish(),
  mediafolders: z
    .array(z.looseObject({ mediafolderpath: z.string().nullish(), importfolderid: z.number().int().nullish(), isfileeventsenabled: z.boolean().nullish() }))
    .nullish(),
});

/**
 * Shokofin mapping hints (seed lessons D4, D5): SignalR off, a Jellyfin folder mapped to no
 * Shoko import folder, a Shoko import folder no Jellyfin library shows.
 */
async function libraryMapping(s: Subject, folders: Array<z.infer<typeof ImportFoldersSchema>[number]>, env: DoctorEnv): Promise<DoctorCheck> {
  if (!env.options.jellyfin.url) return makeCheck(s, 'library_mapping', 'skipped', "Not checked: needs jellyfin.url to read Shokofin's settings");
  let plugin;
  try {
    plugin = await pluginConfig(jellyfinClient(env), SHOKOFIN_PLUGIN_ID);
  } catch (err) {
    return makeCheck(s, 'library_mapping', 'warning', "Could not read Shokofin's settings from Jellyfin", failureMessage(err));
  }
  if (!plugin) return makeCheck(s, 'library_mapping', 'warning', 'Shokofin is not installed in Jellyfin', 'Without it Jellyfin does not present Shoko-managed anime the way the tracker expects; anime requests wait in "Anime matching".');
  const cfg = ShokofinSchema.safeParse(plugin.config).data ?? {};
  const hints: string[] = [];
  if (cfg.signalr_autoconnectenabled === false) hints.push("Shokofin's SignalR auto-connect is off, so Jellyfin only learns of new anime at library scans");
  if (cfg.signalr_fileevents === false) hints.push('Shokofin ignores SignalR file events');
  const media = cfg.mediafolders ?? [];
  for (const m of media) {
    if (!m.importfolderid) hints.push(`Jellyfin folder ${m.mediafolderpath ?? '(unnamed)'} is not mapped to a Shoko import folder`);
    else if (m.isfileeventsenabled === false) hints.push(`file events are off for Jellyfin folder ${m.mediafolderpath ?? '(unnamed)'}`);
  }
  const mapped = new Set(media.map((m) => m.importfolderid ?? 0));
  for (const f of folders) {
    if (!mapped.has(f.ID)) hints.push(`Shoko import folder "${f.Name ?? f.ID}" (${f.Path ?? '?'}) is in no Jellyfin library mapped by Shokofin, so its anime never reaches Jellyfin`);
  }
  if (hints.length === 0) {
    return makeCheck(s, 'library_mapping', 'ok', `Shokofin ${plugin.version ?? ''} maps every Shoko import folder to a Jellyfin library`.replace('  ', ' '), `${media.length} Jellyfin folder(s), ${folders.length} import folder(s).`);
  }
  return makeCheck(s, 'library_mapping', 'warning', `Shokofin's library mapping: ${hints.length} hint(s)`, `${hints.join('; ')}.`);
}
