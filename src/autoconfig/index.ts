/**
 * One auto-configuration run over the configured services (all, or the ones asked for):
 * every Sonarr/Radarr instance and Jellyseerr in parallel, each verified by its own Test,
 * plus what to set in Jellyfin by hand.
 */
import type { Options } from '../config/schema.js';
import type { LocalSettings } from '../secrets.js';
import { configureArr } from '../integrations/arr/autoconfig.js';
import { jellyfinInstructions } from '../integrations/jellyfin/autoconfig.js';
import { configureJellyseerr } from '../integrations/jellyseerr/autoconfig.js';
import type { AutoconfigAction, AutoconfigContext, AutoconfigResult, AutoconfigService } from './types.js';

export interface AutoconfigRequest {
  /** Only these services (default: every configured one). */
  services?: readonly AutoconfigService[];
  forwardExisting: boolean;
}

export async function autoconfigure(options: Options, settings: LocalSettings, req: AutoconfigRequest, ctx: AutoconfigContext, clock?: () => Date): Promise<AutoconfigResult> {
  const wanted = (s: AutoconfigService) => !req.services || req.services.includes(s);
  const runs: Array<Promise<AutoconfigAction>> = [];
  for (const kind of ['sonarr', 'radarr'] as const) {
    if (!wanted(kind)) continue;
    const list = options[kind];
    for (const inst of list) runs.push(configureArr(kind, inst, list.length === 1, ctx));
  }
  if (wanted('jellyseerr') && options.jellyseerr.url) {
    runs.push(configureJellyseerr({ options: options.jellyseerr, forwardExisting: req.forwardExisting, settings, ...(clock ? { clock } : {}) }, ctx));
  }
  const actions = await Promise.all(runs);
  for (const s of ['sonarr', 'radarr', 'jellyseerr'] as const) {
    const configured = s === 'jellyseerr' ? options.jellyseerr.url !== '' : options[s].length > 0;
    if (wanted(s) && !configured) actions.push({ service: s, instance: null, action: 'skipped', detail: `${s} is not configured in the options.`, test: 'not run' });
  }
  return { actions, jellyfin: jellyfinInstructions(ctx.base, options.jellyfin.url !== '') };
}

export { AUTOCONFIG_SERVICES, type AutoconfigResult, type AutoconfigService, type Receipts } from './types.js';
