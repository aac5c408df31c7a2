/** Deluge, the download client: one poll-driven watcher and one set of doctor checks per Web UI. */
import type { DoctorCheck } from '../../doctor/types.js';
import { uniqueNames } from '../options.js';
import { defineIntegration } from '../types.js';
import { checkDeluge } from './doctor.js';
import { delugeSlice } from './options.js';
import { createDelugeWatchers } from './watcher.js';

export const deluge = defineIntegration({
  id: 'deluge',
  label: 'Deluge',
  roles: ['download-client'],
  options: {
    schema: delugeSlice,
    secrets: (list) => list.map((d) => d.password),
    configured: (list) => list.length > 0,
    instances: (list) => list.map((d) => d.name),
    intervals: { deluge_s: 5 },
    check: (list, issue) => uniqueNames(list, issue),
  },
  start(ctx) {
    const watchers = createDelugeWatchers({
      instances: ctx.slice,
      intervalS: ctx.intervals.deluge_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('deluge'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    return { watchers, capabilities: { downloadClient: { covers: (id) => watchers.some((w) => w.covers(id)) } } };
  },
  discovery: {
    arrImplementations: ['Deluge'],
    watched: (list) => list.map((d) => ({ name: d.name, url: d.url })),
    entry: ({ name, url }) => ({ name, url, password: '<the Deluge Web UI password>' }),
  },
  doctor: async (list, ctx): Promise<DoctorCheck[]> => (await Promise.all(list.map((inst) => checkDeluge(inst, ctx)))).flat(),
  panel: {
    webUi: (list) => list.map((d) => ({ instance: d.name, url: d.url })),
  },
});
