/** qBittorrent, the download client: one poll-driven watcher and one set of doctor checks per instance. */
import type { DoctorCheck } from '../../doctor/types.js';
import { uniqueNames } from '../options.js';
import { defineIntegration } from '../types.js';
import { checkQbittorrent } from './doctor.js';
import { qbittorrentSlice } from './options.js';
import { createQbittorrentWatchers } from './watcher.js';

export const qbittorrent = defineIntegration({
  id: 'qbittorrent',
  label: 'qBittorrent',
  roles: ['download-client'],
  options: {
    schema: qbittorrentSlice,
    secrets: (list) => list.map((q) => q.password),
    configured: (list) => list.length > 0,
    instances: (list) => list.map((q) => q.name),
    intervals: { qbittorrent_s: 5 },
    check: (list, issue) => uniqueNames(list, issue),
  },
  start(ctx) {
    const watchers = createQbittorrentWatchers({
      instances: ctx.slice,
      intervalS: ctx.intervals.qbittorrent_s,
      sink: ctx.sink,
      view: ctx.view,
      log: ctx.log.child('qbittorrent'),
      ...(ctx.clock ? { clock: ctx.clock } : {}),
    });
    return { watchers, capabilities: { downloadClient: { covers: (id) => watchers.some((w) => w.covers(id)) } } };
  },
  discovery: {
    arrImplementations: ['QBittorrent'],
    watched: (list) => list.map((q) => ({ name: q.name, url: q.url })),
    entry: ({ name, url, username }) => ({ name, url, username: username ?? '<the qBittorrent Web UI username>', password: '<the qBittorrent Web UI password>' }),
  },
  doctor: async (list, ctx): Promise<DoctorCheck[]> => (await Promise.all(list.map((inst) => checkQbittorrent(inst, ctx)))).flat(),
});
