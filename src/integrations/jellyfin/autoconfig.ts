/**
 * Jellyfin's webhook plugin, set up through Jellyfin's plugin configuration API (docs/upstreams.md
 * §5.3, §5.4): `GET /Plugins/{id}/Configuration` and `POST` of the whole configuration back, with
 * the admin API key. One Generic destination points at the tracker: found by its URL (ours, or one
 * with our path when the public address was guessed), else added; every other destination and
 * setting is written back as Jellyfin gave it. A second run changes nothing.
 *
 * The plugin offers no test notification, so a run is proven by reading the configuration again.
 * Without the plugin installed (it comes from Jellyfin's catalogue and needs a restart), the run
 * says what to install and the steps stay in the instructions. The secret goes into the
 * destination's Authorization header, never into a report.
 */
import { z } from 'zod';
import type { AutoconfigAction } from '../../autoconfig/types.js';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { hookUrl, urlMatches, type PublicBase } from '../../autoconfig/urls.js';
import { client } from '../../doctor/probe.js';
import { registerSecret } from '../../log.js';
import type { ServiceClient } from '../../net/service.js';
import type { AutoconfigureContext } from '../types.js';
import { jellyfinAuth, WEBHOOK_PLUGIN_ID } from './doctor.js';

/** The plugin's NotificationType enum (Destinations/NotificationType.cs), for configurations written with numbers. */
const NOTIFICATION_NUMBERS: Readonly<Record<number, string>> = { 1: 'ItemAdded', 24: 'ItemDeleted' };
const WANTED_TYPES = ['ItemAdded', 'ItemDeleted'] as const;
const DESTINATION_NAME = 'Media Tracker';

const HeaderSchema = z.looseObject({ Key: z.string().nullish(), Value: z.string().nullish() });
const DestinationSchema = z.looseObject({
  WebhookUri: z.string().nullish(),
  WebhookName: z.string().nullish(),
  NotificationTypes: z.array(z.union([z.string(), z.number()])).nullish(),
  Headers: z.array(HeaderSchema).nullish(),
});
const ConfigSchema = z.looseObject({ GenericOptions: z.array(DestinationSchema).nullish() });
const PluginListSchema = z.array(z.looseObject({ Id: z.string(), Name: z.string().nullish() }));

type Destination = z.output<typeof DestinationSchema>;

const typeName = (t: string | number): string => (typeof t === 'number' ? (NOTIFICATION_NUMBERS[t] ?? String(t)) : t);

/** Our destination as it should be, keeping what the user set besides (user filter, fields, other types and headers). */
export function wantedDestination(existing: Destination | undefined, url: string, secret: string): Destination {
  const types = [...new Set([...(existing?.NotificationTypes ?? []).map(typeName), ...WANTED_TYPES])];
  const ours = new Set(['authorization', 'content-type']);
  const headers = [
    ...(existing?.Headers ?? []).filter((h) => !ours.has((h.Key ?? '').toLowerCase())),
    { Key: 'Content-Type', Value: 'application/json' },
    { Key: 'Authorization', Value: `Bearer ${secret}` },
  ];
  return {
    Fields: [],
    UserFilter: [],
    Template: '',
    TrimWhitespace: false,
    SkipEmptyMessageBody: false,
    EnableSeasons: false,
    EnableAlbums: false,
    EnableSongs: false,
    EnableVideos: false,
    ...existing,
    WebhookName: existing?.WebhookName || DESTINATION_NAME,
    WebhookUri: url,
    EnableWebhook: true,
    NotificationTypes: types,
    EnableMovies: true,
    EnableEpisodes: true,
    EnableSeries: true,
    SendAllProperties: true,
    Headers: headers,
  };
}

/** The same destination, whatever the order of its types and headers. */
function sameDestination(a: Destination, b: Destination): boolean {
  const norm = (d: Destination) =>
    JSON.stringify(
      Object.entries({ ...d, NotificationTypes: (d.NotificationTypes ?? []).map(typeName).sort(), Headers: (d.Headers ?? []).map((h) => `${h.Key}:${h.Value}`).sort() }).sort(([x], [y]) =>
        x.localeCompare(y),
      ),
    );
  return norm(a) === norm(b);
}

function isOurs(d: Destination, url: string, base: PublicBase): boolean {
  return !!d.WebhookUri && urlMatches(d.WebhookUri, url, base);
}

async function pluginId(c: ServiceClient): Promise<string | null> {
  const plugins = PluginListSchema.parse(await callJson(c, 'GET', '/Plugins'));
  return plugins.find((p) => p.Id.replace(/-/g, '').toLowerCase() === WEBHOOK_PLUGIN_ID)?.Id ?? null;
}

export async function configureJellyfinWebhook(o: { url: string; api_key: string }, ctx: AutoconfigureContext): Promise<AutoconfigAction[]> {
  registerSecret(o.api_key);
  const act = (action: AutoconfigAction['action'], detail: string, test: AutoconfigAction['test'] = 'not run'): AutoconfigAction[] => [{ service: 'jellyfin', instance: null, action, detail, test }];
  const c = client('jellyfin', o.url, jellyfinAuth(o), ctx.timeoutMs);
  const url = hookUrl(ctx.base, 'jellyfin');
  try {
    const id = await pluginId(c);
    if (!id) return act('skipped', 'The Webhook plugin is not installed: install "Webhook" from Dashboard → Plugins → Catalog, restart Jellyfin, then run auto-configuration again.');
    const path = `/Plugins/${id}/Configuration`;
    const raw = await callJson(c, 'GET', path);
    const config = ConfigSchema.parse(raw);
    const destinations = config.GenericOptions ?? [];
    const index = destinations.findIndex((d) => isOurs(d, url, ctx.base));
    const existing = index >= 0 ? destinations[index] : undefined;
    const wanted = wantedDestination(existing, url, ctx.secret);
    if (existing && sameDestination(existing, wanted))
      return act('unchanged', `The Webhook plugin's "${wanted.WebhookName}" destination already sends Item Added and Item Deleted to ${url}.`, 'passed');
    const next = index >= 0 ? destinations.map((d, i) => (i === index ? wanted : d)) : [...destinations, wanted];
    // The whole configuration goes back: Jellyfin replaces it, so every other setting is written as read.
    await callJson(c, 'POST', path, { ...(raw as Record<string, unknown>), GenericOptions: next });
    const after = ConfigSchema.parse(await callJson(c, 'GET', path)).GenericOptions ?? [];
    const stored = after.filter((d) => isOurs(d, url, ctx.base));
    const proven = stored.length === 1 && sameDestination(stored[0]!, wanted);
    return act(
      existing ? 'updated' : 'created',
      `${existing ? 'Updated' : 'Added'} the Webhook plugin's Generic destination "${wanted.WebhookName}" → ${url} (Item Added, Item Deleted; all properties as JSON; the secret in its Authorization header). ${proven ? 'Read back from Jellyfin.' : 'Jellyfin did not keep it as written.'} The plugin has no test notification: the next item added shows as the last Jellyfin event in the doctor.`,
      proven ? 'passed' : 'failed',
    );
  } catch (err) {
    return act('failed', `Could not configure the Webhook plugin: ${failureMessage(err)}`);
  }
}

/** What to set by hand: only when the tracker cannot do it (no Jellyfin API key in the options). */
export function jellyfinInstructions(base: PublicBase, jellyfinConfigured: boolean): string | null {
  if (jellyfinConfigured) return null;
  return [
    'Jellyfin → Dashboard → Plugins → Webhook (install "Webhook" from the catalogue first) → Add Generic Destination:',
    `  Webhook URL: ${hookUrl(base, 'jellyfin')}`,
    '  Notification types: Item Added, Item Deleted',
    '  Item types: Movies, Episodes, Series',
    '  Send All Properties: on (no template needed)',
    '  Headers: Content-Type = application/json, and Authorization = Bearer <webhook secret>',
    "The webhook is only a hint that makes availability quicker: each one is checked against Jellyfin's API.",
    'With jellyfin.url and jellyfin.api_key (an admin key) in the options, auto-configuration sets this up itself; without them the tracker answers Jellyfin webhooks with 503.',
  ].join('\n');
}
