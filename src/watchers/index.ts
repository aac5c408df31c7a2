/** Builds the watchers the options ask for; a service that is not configured has none. */
import type { Options } from '../config/schema.js';
import type { Logger } from '../log.js';
import type { Watcher } from './loop.js';
import { createQbittorrentWatchers } from './qbittorrent/index.js';
import { StuckMonitor } from './stuck.js';
import type { EventSink, TrackedView } from './types.js';

export interface WatcherDeps {
  options: Options;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
}

export function createWatchers(deps: WatcherDeps): Watcher[] {
  const { options, sink, view, log, clock } = deps;
  const watchers: Watcher[] = [];
  if (options.qbittorrent.length) {
    watchers.push(
      ...createQbittorrentWatchers({ instances: options.qbittorrent, intervalS: options.intervals.qbittorrent_s, sink, view, log: log.child('qbittorrent'), ...(clock ? { clock } : {}) }),
    );
  }
  watchers.push(new StuckMonitor(view, sink, options.stuck_after, { jellyfin: options.jellyfin.url !== '' }, log.child('stuck'), 60_000, clock));
  return watchers;
}
