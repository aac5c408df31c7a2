/**
 * Checks for Shoko: reachable, key, version, the tracker's SignalR connection, and Shokofin's
 * library mapping as the configured library (Jellyfin) stores it. The import folders are read
 * where the watcher reads them (client.ts: v6 renamed the route).
 */
import { z } from 'zod';
import type { LibraryPlugins } from '../capabilities.js';
import { failureMessage } from '../../autoconfig/http.js';
import { client, probe } from '../../doctor/probe.js';
import { makeCheck, type DoctorCheck, type Subject } from '../../doctor/types.js';
import { errorMessage } from '../../log.js';
import type { DoctorContext } from '../types.js';
import { FOLDER_PATHS, parseFolders, type ImportFolder } from './client.js';

/** Shokofin's plugin id as Jellyfin serializes Guids ("N" format). */
export const SHOKOFIN_PLUGIN_ID = '5216ccbfd24a4eb38a7e7da4230b7052';

type ShokoSlice = { url: string; api_key: string };

export async function checkShoko(o: ShokoSlice, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(null);
  const p = await probe({
    subject: s,
    url: o.url,
    auth: { apikey: o.api_key },
    publicPath: '/api/v3/Init/Version',
    keyPath: FOLDER_PATHS,
    version: (d) => z.looseObject({ Server: z.looseObject({ Version: z.string() }) }).safeParse(d).data?.Server.Version ?? null,
    minVersion: { version: '4.2.2', why: 'Older Shoko servers have other SignalR events.' },
    later: ['signalr', 'library_mapping'],
    timeoutMs: ctx.timeoutMs,
  });
  if (!p.ok) return p.checks;
  const folders = parseFolders(p.keyed) ?? [];
  return [...p.checks, await signalrCheck(s, o, ctx), await libraryMapping(s, folders, ctx)];
}

async function signalrCheck(s: Subject, o: ShokoSlice, ctx: DoctorContext): Promise<DoctorCheck> {
  const live = ctx.running?.animeMatcher?.connection();
  if (live) {
    if (live.connected) return makeCheck(s, 'signalr', 'ok', "Connected to Shoko's SignalR hub (feed shoko)");
    if (live.connecting) return makeCheck(s, 'signalr', 'warning', "Connecting to Shoko's SignalR hub", 'The tracker has just started.');
    return makeCheck(s, 'signalr', 'error', "Not connected to Shoko's SignalR hub", `${live.detail ?? 'Connecting.'} Without it, anime matching is only seen at the periodic catch-up.`);
  }
  // No tracker here (the command line): say whether the hub would accept a connection.
  try {
    const hub = client('shoko', o.url, { apikey: o.api_key }, ctx.timeoutMs);
    const res = await hub.raw('POST', '/signalr/aggregate/negotiate', { query: { feeds: 'shoko', negotiateVersion: 1 }, retry: false });
    if (res.status === 200) return makeCheck(s, 'signalr', 'ok', "Shoko's SignalR hub accepts connections", 'The tracker is not running here, so its own connection was not checked.');
    return makeCheck(s, 'signalr', 'error', `Shoko's SignalR hub answered HTTP ${res.status}`, 'POST /signalr/aggregate/negotiate?feeds=shoko');
  } catch (err) {
    return makeCheck(s, 'signalr', 'error', "Shoko's SignalR hub does not answer", errorMessage(err));
  }
}

const ShokofinSchema = z.looseObject({
  signalr_autoconnectenabled: z.boolean().nullish(),
  signalr_fileevents: z.boolean().nullish(),
  mediafolders: z.array(z.looseObject({ mediafolderpath: z.string().nullish(), importfolderid: z.number().int().nullish(), isfileeventsenabled: z.boolean().nullish() })).nullish(),
});

/**
 * Shokofin mapping hints (docs/lessons.md D4, D5): SignalR off, a Jellyfin folder mapped to no
 * Shoko import folder, a Shoko import folder no Jellyfin library shows.
 */
async function libraryMapping(s: Subject, folders: readonly ImportFolder[], ctx: DoctorContext): Promise<DoctorCheck> {
  if (!ctx.libraryPlugins) return makeCheck(s, 'library_mapping', 'skipped', "Not checked: needs jellyfin.url to read Shokofin's settings");
  let plugin: Awaited<ReturnType<LibraryPlugins['plugin']>>;
  try {
    plugin = await ctx.libraryPlugins.plugin(SHOKOFIN_PLUGIN_ID);
  } catch (err) {
    return makeCheck(s, 'library_mapping', 'warning', "Could not read Shokofin's settings from Jellyfin", failureMessage(err));
  }
  if (!plugin)
    return makeCheck(
      s,
      'library_mapping',
      'warning',
      'Shokofin is not installed in Jellyfin',
      'Without it Jellyfin does not present Shoko-managed anime the way the tracker expects; anime requests wait in "Anime matching".',
    );
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
    if (!mapped.has(f.id)) hints.push(`Shoko import folder "${f.name ?? f.id}" (${f.path}) is in no Jellyfin library mapped by Shokofin, so its anime never reaches Jellyfin`);
  }
  if (hints.length === 0) {
    return makeCheck(
      s,
      'library_mapping',
      'ok',
      `Shokofin ${plugin.version ?? ''} maps every Shoko import folder to a Jellyfin library`.replace('  ', ' '),
      `${media.length} Jellyfin folder(s), ${folders.length} import folder(s).`,
    );
  }
  return makeCheck(s, 'library_mapping', 'warning', `Shokofin's library mapping: ${hints.length} hint(s)`, `${hints.join('; ')}.`);
}
