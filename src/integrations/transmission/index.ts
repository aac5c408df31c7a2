/** Transmission, the download client: one poll-driven watcher and one set of doctor checks per instance. */
import type { DoctorCheck } from '../../doctor/types.js';
import { uniqueNames } from '../options.js';
import { defineIntegration } from '../types.js';
import { checkTransmission } from './doctor.js';
import { transmissionSlice } from './options.js';
import { createTransmissionWatchers } from './watcher.js';

export const transmission = defineIntegration({
  id: 'transmission',
  label: 'Transmission',
  roles: ['download-client'],
  options: {
    schema: transmissionSlice,
    secrets: (list) => list.map((t) => t.password),
    configured: (list) => list.length > 0,
    instances: (list) => list.map((t) => t.name),
    intervals: { transmission_s: 5 },
    check: (list, issue) => uniqueNames(list, issue),
  },
  start(ctx) {
    const watchers = createTransmissionWatchers({
      instances: ctx.slice,
      intervalS: ctx.intervals.transmission_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('transmission'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    return { watchers, capabilities: { downloadClient: { covers: (id) => watchers.some((w) => w.covers(id)) } } };
  },
  discovery: {
    arrImplementations: ['Transmission'],
    watched: (list) => list.map((t) => ({ name: t.name, url: t.url })),
    entry: ({ name, url, username }) => ({ name, url, username: username ?? '<the Transmission RPC username>', password: '<the Transmission RPC password>' }),
  },
  doctor: async (list, ctx): Promise<DoctorCheck[]> => (await Promise.all(list.map((inst) => checkTransmission(inst, ctx)))).flat(),
});
