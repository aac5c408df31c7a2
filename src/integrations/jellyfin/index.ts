/**
 * Jellyfin, the library: its watcher (availability, deletions), the webhook plugin's hints
 * (verified by the watcher against the API), library scans on request, the doctor's checks and
 * plugin reader, and what to set in the webhook plugin by hand.
 */
import { singleService } from '../../config/fields.js';
import { apiKeyWithUrl } from '../options.js';
import { defineIntegration } from '../types.js';
import { parseJellyfin } from './adapter.js';
import { configureJellyfinWebhook, jellyfinInstructions } from './autoconfig.js';
import { checkJellyfin, jellyfinPlugins } from './doctor.js';
import { createJellyfinWatcher } from './watcher.js';

export const jellyfin = defineIntegration({
  id: 'jellyfin',
  label: 'Jellyfin',
  roles: ['library'],
  options: {
    schema: singleService(),
    secrets: (o) => [o.api_key],
    configured: (o) => o.url !== '',
    intervals: { jellyfin_s: 60 },
    check: (o, issue) => apiKeyWithUrl('jellyfin', o, issue),
  },
  start(ctx) {
    const watcher = createJellyfinWatcher({
      url: ctx.slice.url,
      apiKey: ctx.slice.api_key,
      intervalS: ctx.intervals.jellyfin_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('jellyfin'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    return {
      watchers: [watcher],
      own: watcher,
      capabilities: {
        library: {
          // Library/Refresh answers when the scan has finished (or failed): the answer says so.
          async refresh(reason) {
            const out = await watcher.refreshLibrary(reason);
            if (!out.done) return out.note;
            await out.done;
            return `${out.note}; Jellyfin finished the scan`;
          },
          // Shokofin regenerates its VFS on a library scan: ask for one (rate-limited, never two at once)
          // when anime sits matched in Shoko but absent from Jellyfin. Never on a timer (docs/lessons.md D7).
          onFlag(r) {
            if (r.state === 'ANIME_MATCHING') void watcher.refreshLibrary(`${r.title}: matched in Shoko but not in Jellyfin`);
          },
        },
      },
    };
  },
  // After start(): its watcher (`own`) is what verifies the hints.
  webhook: {
    dropsInstance: true,
    where: 'webhook plugin',
    create: (ctx) => (input) => {
      const p = parseJellyfin(input.body);
      if (!p.ok) return { kind: 'invalid', errors: p.errors };
      if (!p.hint) return { kind: 'ignored', note: p.note };
      const watcher = ctx.own();
      if (!watcher) return { kind: 'unavailable', error: 'Jellyfin webhooks need the jellyfin watcher, which is not running' };
      const hint = p.hint;
      return { kind: 'handled', run: () => watcher.onHint(hint) };
    },
  },
  doctor: (o, ctx) => checkJellyfin(o, ctx),
  inspect: (o, timeoutMs) => ({ libraryPlugins: jellyfinPlugins(o, timeoutMs) }),
  autoconfigure: { run: configureJellyfinWebhook, instructions: jellyfinInstructions },
  panel: {
    webUi: (o) => [{ instance: null, url: o.url }],
    // The item's page, for a movie or an episode's series alike.
    links: { movie: '{ui}/web/#/details?id={jellyfin_id}', tv: '{ui}/web/#/details?id={jellyfin_id}' },
  },
});
