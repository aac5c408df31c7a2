/** Shoko, the anime matcher: its SignalR watcher (with REST catch-up) and its doctor checks. */
import { singleService } from '../../config/fields.js';
import { apiKeyWithUrl } from '../options.js';
import { defineIntegration } from '../types.js';
import { checkShoko } from './doctor.js';
import { createShokoWatcher } from './watcher.js';

export const shoko = defineIntegration({
  id: 'shoko',
  label: 'Shoko',
  roles: ['anime-matcher'],
  options: {
    schema: singleService(),
    secrets: (o) => [o.api_key],
    configured: (o) => o.url !== '',
    check: (o, issue) => apiKeyWithUrl('shoko', o, issue),
  },
  start(ctx) {
    const watcher = createShokoWatcher({ url: ctx.slice.url, apiKey: ctx.slice.api_key, sink: ctx.sink, view: ctx.view, log: ctx.log.child('shoko'), ...(ctx.clock ? { clock: ctx.clock } : {}) });
    return {
      watchers: [watcher],
      capabilities: {
        animeMatcher: {
          connection() {
            const st = watcher.status();
            return { connected: st.healthy, connecting: !st.healthy && st.last_ok === null && st.last_error === null, detail: st.last_error };
          },
        },
      },
    };
  },
  doctor: (o, ctx) => checkShoko(o, ctx),
});
