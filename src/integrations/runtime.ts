/**
 * What the tracker hands its integrations when it starts them: the services they share and what
 * they may know of each other (by role). Iterates the registry; names no service.
 */
import type { LocalSettings } from '../secrets.js';
import type { DownloadClient, DownloadClients } from './capabilities.js';
import { PvrKinds } from './pvr-kinds.js';
import { configuredIn, type Registry } from './registry.js';
import type { Media, Peers, Role, SharedServices } from './types.js';

export function createShared(settings: LocalSettings | null = null): SharedServices {
  return { kinds: new PvrKinds(), settings, downloadClients: downloadClients() };
}

/** The running download clients, asked as one (late-bound: a PVR may start before them). */
function downloadClients(): DownloadClients {
  const list: DownloadClient[] = [];
  return {
    covers: (id) => list.some((c) => c.covers(id)),
    add: (c) => void list.push(c),
  };
}

/** The configured integrations of each role, and their poll intervals. */
export function peersOf(options: { intervals: Readonly<Record<string, number>> }, registry: Registry): Peers {
  const configured = configuredIn(options, registry);
  const find = (role: Role, media?: Media) => configured.find((d) => d.roles.includes(role) && (!media || !d.media || d.media.includes(media)));
  return {
    configured: (role, media) => find(role, media) !== undefined,
    pollS(role, media) {
      const key = Object.keys(find(role, media)?.options.intervals ?? {})[0];
      return key === undefined ? undefined : options.intervals[key];
    },
  };
}
