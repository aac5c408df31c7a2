/**
 * Every integration the tracker knows, in the order the options, the doctor's report and the
 * Home Assistant entities list them. Adding a service is a folder and a line here.
 */
import type { z } from 'zod';
import type { DirectClient, Integration, Role } from './types.js';
import { deluge } from './deluge/index.js';
import { jellyfin } from './jellyfin/index.js';
import { jellyseerr } from './jellyseerr/index.js';
import { nzbget } from './nzbget/index.js';
import { qbittorrent } from './qbittorrent/index.js';
import { radarr } from './radarr/index.js';
import { sabnzbd } from './sabnzbd/index.js';
import { shoko } from './shoko/index.js';
import { sonarr } from './sonarr/index.js';
import { transmission } from './transmission/index.js';

export const REGISTRY = [jellyseerr, sonarr, radarr, qbittorrent, transmission, deluge, sabnzbd, nzbget, jellyfin, shoko] as const;

/** Any list of descriptors: the built-in one, or one a test extends. */
export type Registry = readonly Integration[];

/** The options slices by id, kept precise (`Options['sonarr'][0].url` is a string). */
export type SliceShape<R extends Registry> = { [D in R[number] as D['id']]: D['options']['schema'] };

/** Every `intervals.<key>` the registry's integrations declare. */
export type IntervalKeys<R extends Registry> = R[number] extends infer D ? (D extends { options: { intervals?: infer X } } ? keyof NonNullable<X> & string : never) : never;

/** A descriptor's slice of parsed options (an object keyed by ids). */
export function sliceOf<S extends z.ZodType>(options: object, d: Integration<string, S>): z.output<S> {
  return (options as Record<string, unknown>)[d.id] as z.output<S>;
}

/** The integrations the options set up, in registry order. */
export function configuredIn(options: object, registry: Registry = REGISTRY): Integration[] {
  return registry.filter((d) => d.options.configured(sliceOf(options, d)));
}

/** The download clients a PVR's list can name, with the instances the options set up (none: not configured). */
export function directClients(options: object, registry: Registry = REGISTRY): DirectClient[] {
  return registry.flatMap((d) => {
    const spec = d.discovery;
    if (!spec) return [];
    const slice = sliceOf(options, d);
    return [{ id: d.id, label: d.label, arrImplementations: spec.arrImplementations, instances: d.options.configured(slice) ? spec.watched(slice) : [], entry: (found) => spec.entry(found) }];
  });
}

export interface IntegrationInfo {
  id: string;
  label: string;
  roles: Role[];
}

/** Ids, labels and roles, for the bridge info the panel reads and for timeline labels. */
export function integrationInfo(registry: Registry = REGISTRY): IntegrationInfo[] {
  return registry.map((d) => ({ id: d.id, label: d.label, roles: [...d.roles] }));
}

/** id → label of every integration. */
export function registryLabels(registry: Registry = REGISTRY): Record<string, string> {
  return Object.fromEntries(registry.map((d) => [d.id, d.label]));
}

/** The integrations whose webhook auto-configuration can set up (the `services` of the command). */
export function autoconfigServices(registry: Registry = REGISTRY): string[] {
  return registry.filter((d) => d.autoconfigure?.run).map((d) => d.id);
}

/** How a request's PVR is named in texts: the linked service's label, else the first PVR of the request's media. */
export function pvrLabeller(registry: Registry = REGISTRY): (media: 'movie' | 'tv', service: string | null) => string {
  return (media, service) => {
    const linked = service === null ? undefined : registry.find((d) => d.id === service);
    const pvr = linked ?? registry.find((d) => d.roles.includes('pvr') && (!d.media || d.media.includes(media)));
    return pvr?.label ?? 'the PVR';
  };
}
