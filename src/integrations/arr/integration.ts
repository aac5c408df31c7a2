/**
 * Sonarr and Radarr as integrations: the same options (a list of instances), webhook handling,
 * reconcilers, doctor checks, webhook set-up and web UIs, told apart by their kind. Their folders
 * give the label, the media, the webhook parser and the link to a request in their web UI.
 */
import type { AdapterContext, ParseResult } from '../../adapters/types.js';
import type { LinkTemplates } from '../../contract/panel.js';
import type { MediaRequest } from '../../domain/model.js';
import { uniqueNames } from '../options.js';
import { defineIntegration, type Integration, type Media } from '../types.js';
import { parsed } from '../webhook.js';
import { configureArr, suggestDirectClients } from './autoconfig.js';
import { checkArrInstances } from './doctor.js';
import type { ArrService } from './map.js';
import { arrSlice } from './options.js';
import { createArrReconcilers, type ArrReconciler } from './reconciler.js';

export interface ArrSpec<Id extends ArrService> {
  id: Id;
  label: string;
  media: Media;
  parse(body: unknown, ctx: AdapterContext): ParseResult;
  /** Its page for a request in the instance's web UI; only requests linked to that instance get it. */
  links: LinkTemplates;
}

/** Episodes still missing and not on their way: what a search is for (a grab or a download in flight is left alone). */
const MISSING = new Set(['REQUESTED', 'APPROVED', 'SEARCHING', 'FAILED']);

/** The user's retry or search: a movie search, or a search for the request's missing episodes. */
function search(reconcilers: readonly ArrReconciler[], service: ArrService, r: MediaRequest): Promise<string> | undefined {
  if (!r.arr || r.arr.service !== service) return undefined;
  const { instance, id } = r.arr;
  // One instance of the service takes every request linked to it, whatever the webhook route said.
  const rc = reconcilers.find((a) => a.client.opts.name === instance) ?? (reconcilers.length === 1 ? reconcilers[0] : undefined);
  if (!rc) return undefined;
  if (service === 'radarr') return rc.client.search({ movieId: id });
  const known = Object.values(r.episodes).filter((e) => e.sonarr_episode_id);
  const episodeIds = known.filter((e) => MISSING.has(e.state)).map((e) => e.sonarr_episode_id!);
  // Without Sonarr's episode ids only a series search can be asked for; with them, never more than what is missing.
  if (known.length > 0 && episodeIds.length === 0) return Promise.resolve('Sonarr: nothing is missing that is not already on its way; no search sent');
  return rc.client.search({ seriesId: id, episodeIds });
}

export function arrIntegration<const Id extends ArrService>(spec: ArrSpec<Id>): Integration<Id, typeof arrSlice, 'arr_s' | 'downloads_s'> {
  const { id, label } = spec;
  return defineIntegration({
    id,
    label,
    roles: ['pvr'],
    media: [spec.media],
    options: {
      schema: arrSlice,
      secrets: (list) => list.map((i) => i.api_key),
      configured: (list) => list.length > 0,
      instances: (list) => list.map((i) => i.name),
      // Sonarr and Radarr share their intervals: the whole reconciliation, and the queue alone
      // while a download no download-client watcher follows is in flight.
      intervals: { arr_s: 60, downloads_s: 5 },
      check: (list, issue) => uniqueNames(list, issue),
    },
    webhook: {
      named: true,
      create: (ctx) => (input) =>
        parsed(
          spec.parse(input.body, {
            anime: ctx.anime,
            ...(input.instance ? { instance: input.instance } : {}),
            arrKind: (service, instance) => ctx.shared.kinds.of(service, instance),
          }),
        ),
    },
    start(ctx) {
      ctx.shared.kinds.register(id, ctx.slice);
      const reconcilers = createArrReconcilers(id, label, ctx.slice, {
        intervalS: ctx.intervals.arr_s,
        downloadsS: ctx.intervals.downloads_s,
        covers: (id) => ctx.shared.downloadClients.covers(id),
        sink: ctx.sink,
        view: ctx.view,
        log: ctx.log.child('reconcile'),
        ...(ctx.clock ? { clock: ctx.clock } : {}),
        kinds: ctx.shared.kinds,
      });
      return { watchers: reconcilers, capabilities: { pvr: { search: (r) => search(reconcilers, id, r) } } };
    },
    doctor: (list, ctx) => checkArrInstances(id, list, ctx),
    autoconfigure: {
      run: (list, ctx) => Promise.all(list.map((inst) => configureArr(id, label, inst, list.length === 1, ctx))),
      suggest: async (list, ctx) => (await Promise.all(list.map((inst) => suggestDirectClients(id, label, inst, ctx)))).flat(),
    },
    panel: {
      webUi: (list) => list.map((i) => ({ instance: i.name, url: i.url })),
      links: { ...spec.links, scope: 'linked' },
    },
  });
}
