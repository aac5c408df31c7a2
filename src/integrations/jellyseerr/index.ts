/**
 * Jellyseerr, the request manager: its webhook (forwarded unchanged to a receiver whose slot
 * auto-configuration took over), the reconciler (back-fill, deletions, 4K servers, rosters),
 * its doctor checks and its webhook set-up.
 */
import type { MediaRequest } from '../../domain/model.js';
import { singleService } from '../../config/fields.js';
import { apiKeyWithUrl } from '../options.js';
import { defineIntegration } from '../types.js';
import { parsed } from '../webhook.js';
import { parseJellyseerr } from './adapter.js';
import { configureJellyseerr } from './autoconfig.js';
import { checkJellyseerr } from './doctor.js';
import { createJellyseerrForwarder } from './forward.js';
import { createJellyseerrReconciler } from './reconciler.js';

export const jellyseerr = defineIntegration({
  id: 'jellyseerr',
  label: 'Jellyseerr',
  roles: ['request-manager'],
  options: {
    schema: singleService(),
    secrets: (o) => [o.api_key],
    configured: (o) => o.url !== '',
    intervals: { jellyseerr_s: 300 },
    check: (o, issue) => apiKeyWithUrl('jellyseerr', o, issue),
  },
  webhook: {
    // It sends its "Authorization Header" verbatim.
    auth: 'bearer',
    create(ctx) {
      const forward = createJellyseerrForwarder(() => ctx.shared.settings?.jellyseerrForward ?? null, ctx.log.child('forward'));
      return (input) => {
        // Forwarded whatever we make of it: the previous receiver keeps getting everything it got before.
        void forward(input.raw, input.body);
        return parsed(
          parseJellyseerr(input.body, { anime: ctx.anime, ...(input.instance ? { instance: input.instance } : {}), arrKind: (service, instance) => ctx.shared.kinds.of(service, instance) }),
        );
      };
    },
  },
  start(ctx) {
    const reconciler = createJellyseerrReconciler({
      url: ctx.slice.url,
      apiKey: ctx.slice.api_key,
      intervalS: ctx.intervals.jellyseerr_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('jellyseerr'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
      backfillLimit: ctx.backfillLimit,
      ...(ctx.shared.settings ? { marker: ctx.shared.settings } : {}),
      kinds: ctx.shared.kinds,
      // A TV PVR lists the episodes itself: it gets two of its cycles to list a new series before Jellyseerr's counts stand in.
      sonarr: ctx.peers.configured('pvr', 'tv'),
      rosterGraceMs: 2 * (ctx.peers.pollS('pvr', 'tv') ?? 0) * 1000,
    });
    const requestManager = {
      decide: (r: MediaRequest, decision: 'approve' | 'decline') => (r.jellyseerr_request_id === null ? undefined : reconciler.client.decide(r.jellyseerr_request_id, decision)),
    };
    return { watchers: [reconciler], capabilities: { requestManager } };
  },
  doctor: (o, ctx) => checkJellyseerr(o, ctx),
  panel: {
    webUi: (o) => [{ instance: null, url: o.url }],
    links: { movie: '{ui}/movie/{tmdb_id}', tv: '{ui}/tv/{tmdb_id}' },
  },
  autoconfigure: {
    run: async (o, ctx) => [await configureJellyseerr({ options: o, forwardExisting: ctx.forwardExisting, settings: ctx.settings, ...(ctx.clock ? { clock: ctx.clock } : {}) }, ctx)],
  },
});
