/**
 * Which Sonarr/Radarr instances serve 4K requests, as Jellyseerr's own server settings say
 * (`GET /api/v1/settings/radarr|sonarr`, `is4k`). Asked only while some configured instance has
 * no `is_4k` option, and at most every SERVERS_REFRESH_MS (they change when the admin edits them). A failure here (an older Overseerr, a key without admin rights) never fails
 * the reconciliation: the kinds stay as they were.
 */
import type { PvrKinds } from '../pvr-kinds.js';
import { errorMessage, type Logger } from '../../log.js';
import type { JellyseerrClient } from './api.js';

export const SERVERS_REFRESH_MS = 3600_000;

/** Reads the settings and updates `kinds`; returns whether it asked (the caller remembers when). */
export async function learnKinds(client: JellyseerrClient, kinds: PvrKinds, log: Logger): Promise<boolean> {
  if (!kinds.wantsDetection) return false;
  for (const service of ['radarr', 'sonarr'] as const) {
    try {
      const changed = kinds.learn(service, await client.servers(service));
      const label = (n: string): string => {
        const kind = kinds.of(service, n);
        return kind === undefined ? 'not known' : kind ? '4K' : 'standard';
      };
      if (changed.length) log.info(`Jellyseerr's ${service} settings: ${changed.map((n) => `${n} is ${label(n)}`).join(', ')}`);
    } catch (err) {
      log.debug(`Jellyseerr's ${service} settings not read: ${errorMessage(err)}`);
    }
  }
  return true;
}
