/**
 * Builds the watchers of the configured integrations (a service that is not configured has
 * none), and keeps what each integration offers the rest of the tracker.
 */
import type { Options } from '../config/schema.js';
import type { MediaRequest } from '../domain/model.js';
import type { Capabilities, Library, Pvr } from '../integrations/capabilities.js';
import { REGISTRY, sliceOf, type Registry } from '../integrations/registry.js';
import { createShared, peersOf } from '../integrations/runtime.js';
import type { SharedServices, Started } from '../integrations/types.js';
import type { Logger } from '../log.js';
import type { LocalSettings } from '../secrets.js';
import type { Watcher } from './loop.js';
import type { EventSink, TrackedView } from './types.js';

export interface WatcherDeps {
  options: Options;
  /** The integrations (default: the built-in registry). */
  registry?: Registry;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** settings.json: what integrations keep between runs (the Jellyseerr back-fill's progress, a forwarding target). */
  settings?: LocalSettings;
}

export interface WatcherSet {
  list: Watcher[];
  /** The services the integrations share (the 4K map the webhooks read too). */
  shared: SharedServices;
  /** The configured library servers (Jellyfin). */
  libraries: readonly Library[];
  /** Sends the PVR search for a request (the user's retry); undefined when no configured PVR has it. */
  searchFor(r: MediaRequest): Promise<string> | undefined;
  /** Approves or declines the request in its request manager (Jellyseerr); undefined when none holds it. */
  decide(r: MediaRequest, decision: 'approve' | 'decline'): Promise<string> | undefined;
  /** Asks the library for a scan (rate-limited); undefined when no library is configured. */
  refreshLibrary(r: MediaRequest): Promise<string> | undefined;
  /** A started integration's capabilities; null when it is not configured. */
  running(id: string): Capabilities | null;
  /** A started integration's own running part (its webhook's handler uses it); null when it is not configured. */
  own(id: string): unknown;
}

export function createWatchers(deps: WatcherDeps): WatcherSet {
  const { options, sink, view, log, clock } = deps;
  const registry: Registry = deps.registry ?? REGISTRY;
  const shared = createShared(deps.settings ?? null);
  const peers = peersOf(options, registry);
  const started = new Map<string, Started<unknown>>();
  const watchers: Watcher[] = [];
  for (const d of registry) {
    const slice = sliceOf(options, d);
    if (!d.options.configured(slice)) continue;
    const intervals = options.intervals as Readonly<Record<string, number>>;
    const s = d.start({ slice, intervals, anime: options.anime, backfillLimit: options.backfill_limit, sink, view, log, ...(clock ? { clock } : {}), shared, peers });
    started.set(d.id, s);
    watchers.push(...s.watchers);
    if (s.capabilities.downloadClient) shared.downloadClients.add(s.capabilities.downloadClient);
  }
  const caps = [...started.values()].map((s) => s.capabilities);
  const pvrs = caps.flatMap((c): Pvr[] => (c.pvr ? [c.pvr] : []));
  const libraries = caps.flatMap((c): Library[] => (c.library ? [c.library] : []));
  return {
    list: watchers,
    shared,
    libraries,
    searchFor: (r) => {
      for (const p of pvrs) {
        const sent = p.search(r);
        if (sent) return sent;
      }
      return undefined;
    },
    decide: (r, decision) => {
      for (const c of caps) {
        const sent = c.requestManager?.decide(r, decision);
        if (sent) return sent;
      }
      return undefined;
    },
    refreshLibrary: (r) => libraries[0]?.refresh(`${r.title}: asked for by a user`),
    running: (id) => started.get(id)?.capabilities ?? null,
    own: (id) => started.get(id)?.own ?? null,
  };
}
