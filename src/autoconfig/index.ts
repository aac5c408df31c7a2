/**
 * One auto-configuration run over the configured services (all, or the ones asked for): every
 * integration that can set its webhook up, each instance in parallel, each verified by the
 * service's own test, plus what to set by hand where a service has no API for it, and the
 * options entries for download clients the tracker could follow itself (offered, never written).
 */
import { z } from 'zod';
import type { Options } from '../config/schema.js';
import { autoconfigServices, directClients, REGISTRY, registryLabels, sliceOf, type Registry } from '../integrations/registry.js';
import type { OptionsSuggestion } from '../integrations/types.js';
import type { LocalSettings } from '../secrets.js';
import { suggestionActions } from './suggest.js';
import type { AutoconfigAction, AutoconfigContext, AutoconfigResult } from './types.js';

export interface AutoconfigRequest {
  /** Only these integrations (default: every configured one). */
  services?: readonly string[];
  forwardExisting: boolean;
}

/** `media/bridge/set/autoconfigure` payload (empty, `PRESS`, or this object). */
export function autoconfigureCommandSchema(registry: Registry = REGISTRY) {
  const services = autoconfigServices(registry);
  return z
    .object({
      transaction: z.unknown().optional(),
      services: z
        .array(z.enum(services as [string, ...string[]]))
        .min(1)
        .optional(),
      forward_existing: z.boolean().optional(),
    })
    .strict();
}

export async function autoconfigure(
  options: Options,
  settings: LocalSettings,
  req: AutoconfigRequest,
  ctx: AutoconfigContext,
  clock?: () => Date,
  registry: Registry = REGISTRY,
): Promise<AutoconfigResult> {
  const wanted = (id: string) => !req.services || req.services.includes(id);
  const runs: Array<Promise<AutoconfigAction[]>> = [];
  const suggestions: Array<Promise<OptionsSuggestion[]>> = [];
  const skipped: AutoconfigAction[] = [];
  const direct = directClients(options, registry);
  const full = { ...ctx, forwardExisting: req.forwardExisting, settings, directClients: direct, ...(clock ? { clock } : {}) };
  for (const d of registry) {
    if (!wanted(d.id)) continue;
    const slice = sliceOf(options, d);
    const configured = d.options.configured(slice);
    if (configured && d.autoconfigure?.suggest) suggestions.push(d.autoconfigure.suggest(slice, full));
    if (!d.autoconfigure?.run) continue;
    if (configured) runs.push(d.autoconfigure.run(slice, full));
    else skipped.push({ service: d.id, instance: null, action: 'skipped', detail: `${d.id} is not configured in the options.`, test: 'not run' });
  }
  const [done, offered] = await Promise.all([Promise.all(runs), Promise.all(suggestions)]);
  const names = (service: string) => direct.find((c) => c.id === service)?.instances.flatMap((i) => (i.name ? [i.name] : [])) ?? [];
  const actions = [...done.flat(), ...skipped, ...suggestionActions(offered.flat(), registryLabels(registry), names)];
  const manual = registry.flatMap((d) => d.autoconfigure?.instructions?.(ctx.base, d.options.configured(sliceOf(options, d))) ?? []);
  return { actions, jellyfin: manual.join('\n\n') };
}

export type { AutoconfigResult, Receipts } from './types.js';
