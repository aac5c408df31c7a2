/** NZBGet, the Usenet download client: one poll-driven watcher and one set of doctor checks per instance. */
import type { DoctorCheck } from '../../doctor/types.js';
import { uniqueNames } from '../options.js';
import { defineIntegration } from '../types.js';
import { checkNzbget } from './doctor.js';
import { nzbgetSlice } from './options.js';
import { createNzbgetWatchers } from './watcher.js';

export const nzbget = defineIntegration({
  id: 'nzbget',
  label: 'NZBGet',
  roles: ['download-client'],
  options: {
    schema: nzbgetSlice,
    secrets: (list) => list.map((n) => n.password),
    configured: (list) => list.length > 0,
    instances: (list) => list.map((n) => n.name),
    intervals: { nzbget_s: 5 },
    check: (list, issue) => uniqueNames(list, issue),
  },
  start(ctx) {
    const watchers = createNzbgetWatchers({
      instances: ctx.slice,
      intervalS: ctx.intervals.nzbget_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('nzbget'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    return { watchers, capabilities: { downloadClient: { covers: (id) => watchers.some((w) => w.covers(id)) } } };
  },
  discovery: {
    arrImplementations: ['Nzbget'],
    watched: (list) => list.map((n) => ({ name: n.name, url: n.url })),
    entry: ({ name, url, username }) => ({ name, url, username: username ?? 'nzbget', password: '<the NZBGet ControlPassword>' }),
  },
  doctor: async (list, ctx): Promise<DoctorCheck[]> => (await Promise.all(list.map((inst) => checkNzbget(inst, ctx)))).flat(),
  panel: {
    webUi: (list) => list.map((n) => ({ instance: n.name, url: n.url })),
  },
});
