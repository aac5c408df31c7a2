/**
 * One doctor run: every configured integration checked in parallel, reported in a fixed
 * order. A service that is not configured gets a single `skipped` line, so the report says
 * what is missing rather than staying silent about it.
 */
import type { Options } from '../config/schema.js';
import { errorMessage } from '../log.js';
import type { DoctorEnv } from './env.js';
import { checkJellyfin, checkShoko } from '../integrations/jellyfin/doctor.js';
import { checkArr, checkJellyseerr, checkQbittorrent } from '../integrations/arr/doctor.js';
import { checkStore } from './store.js';
import { INTEGRATIONS, makeCheck, type DoctorCheck, type DoctorReport, type Integration } from './types.js';

/** Integrations with something to check under these options (mqtt always). */
export function configuredIntegrations(o: Options): Integration[] {
  return INTEGRATIONS.filter((i) => {
    if (i === 'mqtt' || i === 'store') return true;
    if (i === 'sonarr' || i === 'radarr' || i === 'qbittorrent') return o[i].length > 0;
    return o[i].url !== '';
  });
}

export async function runDoctor(env: DoctorEnv): Promise<DoctorReport> {
  const o = env.options;
  const configured = new Set(configuredIntegrations(o));
  const groups: Array<Promise<DoctorCheck[]>> = INTEGRATIONS.map(async (integration) => {
    const s = { integration, instance: null };
    if (!configured.has(integration)) return [makeCheck(s, 'reachable', 'skipped', 'Not configured')];
    try {
      switch (integration) {
        case 'sonarr':
        case 'radarr':
          return (await Promise.all(o[integration].map((inst) => checkArr(integration, inst, o[integration].length === 1, env)))).flat();
        case 'qbittorrent':
          return (await Promise.all(o.qbittorrent.map((inst) => checkQbittorrent(inst, env)))).flat();
        case 'jellyseerr':
          return await checkJellyseerr(env);
        case 'jellyfin':
          return await checkJellyfin(env);
        case 'shoko':
          return await checkShoko(env);
        case 'mqtt':
          return await env.broker();
        case 'store':
          return checkStore(env);
      }
    } catch (err) {
      // A check that throws is a bug, not a verdict on the service: still report it.
      return [makeCheck(s, 'reachable', 'error', 'The check itself failed', errorMessage(err))];
    }
  });
  const checks = (await Promise.all(groups)).flat();
  return { checked_at: env.clock().toISOString(), ok: !checks.some((c) => c.status === 'error'), checks };
}
