/** SABnzbd, the Usenet download client: one poll-driven watcher and one set of doctor checks per instance. */
import type { DoctorCheck } from '../../doctor/types.js';
import { uniqueNames } from '../options.js';
import { defineIntegration } from '../types.js';
import { checkSabnzbd } from './doctor.js';
import { sabnzbdSlice } from './options.js';
import { createSabnzbdWatchers } from './watcher.js';

export const sabnzbd = defineIntegration({
  id: 'sabnzbd',
  label: 'SABnzbd',
  roles: ['download-client'],
  options: {
    schema: sabnzbdSlice,
    secrets: (list) => list.map((s) => s.api_key),
    configured: (list) => list.length > 0,
    instances: (list) => list.map((s) => s.name),
    intervals: { sabnzbd_s: 5 },
    check: (list, issue) => uniqueNames(list, issue),
  },
  start(ctx) {
    const watchers = createSabnzbdWatchers({
      instances: ctx.slice,
      intervalS: ctx.intervals.sabnzbd_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('sabnzbd'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    return { watchers, capabilities: { downloadClient: { covers: (id) => watchers.some((w) => w.covers(id)) } } };
  },
  discovery: {
    arrImplementations: ['Sabnzbd'],
    watched: (list) => list.map((s) => ({ name: s.name, url: s.url })),
    entry: ({ name, url }) => ({ name, url, api_key: '<the SABnzbd API key>' }),
  },
  doctor: async (list, ctx): Promise<DoctorCheck[]> => (await Promise.all(list.map((inst) => checkSabnzbd(inst, ctx)))).flat(),
  panel: {
    webUi: (list) => list.map((s) => ({ instance: s.name, url: s.url })),
  },
});
