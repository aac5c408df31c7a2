/** Builds the watchers the options ask for; a service that is not configured has none. */
import type { ArrKinds } from '../integrations/arr/kinds.js';
import type { Options } from '../config/schema.js';
import type { MediaRequest } from '../domain/model.js';
import type { Logger } from '../log.js';
import type { Watcher } from './loop.js';
import type { JellyfinHintHandler } from '../http/webhooks.js';
import { createArrReconcilers } from '../integrations/arr/reconciler.js';
import { createJellyfinWatcher } from '../integrations/jellyfin/watcher.js';
import { createJellyseerrReconciler, type BackfillMarker } from '../integrations/jellyseerr/reconciler.js';
import { createQbittorrentWatchers } from '../integrations/qbittorrent/watcher.js';
import { createShokoWatcher } from '../integrations/shoko/watcher.js';
import { StuckMonitor } from './stuck.js';
import type { EventSink, TrackedView } from './types.js';

export interface WatcherDeps {
  options: Options;
  sink: EventSink;
  view: TrackedView;
  log: Logger;
  clock?: () => Date;
  /** Which Sonarr/Radarr instances serve 4K requests (the Jellyseerr reconciler completes it). */
  kinds?: ArrKinds;
  /** Where the Jellyseerr back-fill's progress is kept (settings.json). */
  marker?: BackfillMarker;
}

export interface WatcherSet {
  list: Watcher[];
  /** Sends the *arr search for a request (the user's retry); undefined when its *arr is not configured. */
  searchFor(r: MediaRequest): Promise<string> | undefined;
  /** Asks Jellyfin for a library scan (rate-limited); undefined when Jellyfin is not configured. */
  refreshJellyfin(r: MediaRequest): Promise<string> | undefined;
  /** Jellyfin's webhook hints go to its watcher, which verifies them against the API. */
  onJellyfin?: JellyfinHintHandler;
}

export function createWatchers(deps: WatcherDeps): WatcherSet {
  const { options, sink, view, log, clock, kinds, marker } = deps;
  const watchers: Watcher[] = [];
  const set: WatcherSet = { list: watchers, searchFor: () => undefined, refreshJellyfin: () => undefined };
  const time = clock ? { clock } : {};
  if (options.qbittorrent.length) {
    watchers.push(
      ...createQbittorrentWatchers({ instances: options.qbittorrent, intervalS: options.intervals.qbittorrent_s, sink, view, log: log.child('qbittorrent'), ...time }),
    );
  }
  let jellyfin: ReturnType<typeof createJellyfinWatcher> | null = null;
  if (options.jellyfin.url) {
    jellyfin = createJellyfinWatcher({
      url: options.jellyfin.url,
      apiKey: options.jellyfin.api_key,
      intervalS: options.intervals.jellyfin_s,
      sink,
      view,
      log: log.child('jellyfin'),
      ...time,
    });
    const jf = jellyfin;
    watchers.push(jf);
    set.onJellyfin = (hint) => jf.onHint(hint);
    // The same scan the stuck monitor asks for (Shokofin rebuilds its VFS on it), with the same rate limit.
    // The answer is Jellyfin's: Library/Refresh answers when the scan has finished (or failed).
    set.refreshJellyfin = async (r) => {
      const out = await jf.refreshLibrary(`${r.title}: asked for by a user`);
      if (!out.done) return out.note;
      await out.done;
      return `${out.note}; Jellyfin finished the scan`;
    };
  }
  if (options.sonarr.length || options.radarr.length) {
    const arrs = createArrReconcilers({ sonarr: options.sonarr, radarr: options.radarr, intervalS: options.intervals.arr_s, sink, view, log: log.child('reconcile'), ...time, ...(kinds ? { kinds } : {}) });
    watchers.push(...arrs);
    set.searchFor = (r) => {
      if (!r.arr) return undefined;
      const { service, instance, id } = r.arr;
      const own = arrs.filter((a) => a.client.opts.service === service);
      // One instance of the service takes every request linked to it, whatever the webhook route said.
      const rc = own.find((a) => a.client.opts.name === instance) ?? (own.length === 1 ? own[0] : undefined);
      if (!rc) return undefined;
      if (service === 'radarr') return rc.client.search({ movieId: id });
      const episodeIds = Object.values(r.episodes)
        .filter((e) => (e.state === 'FAILED' || e.state === 'SEARCHING') && e.sonarr_episode_id)
        .map((e) => e.sonarr_episode_id!);
      return rc.client.search({ seriesId: id, episodeIds });
    };
  }
  if (options.jellyseerr.url) {
    watchers.push(
      createJellyseerrReconciler({
        url: options.jellyseerr.url,
        apiKey: options.jellyseerr.api_key,
        intervalS: options.intervals.jellyseerr_s,
        sink,
        view,
        log: log.child('jellyseerr'),
        ...time,
        backfillLimit: options.backfill_limit,
        ...(marker ? { marker } : {}),
        ...(kinds ? { kinds } : {}),
        sonarr: options.sonarr.length > 0,
        // Sonarr gets two of its cycles to list a new series before Jellyseerr's counts stand in.
        rosterGraceMs: 2 * options.intervals.arr_s * 1000,
      }),
    );
  }
  if (options.shoko.url) {
    watchers.push(createShokoWatcher({ url: options.shoko.url, apiKey: options.shoko.api_key, sink, view, log: log.child('shoko'), ...time }));
  }
  const monitor = new StuckMonitor(view, sink, options.stuck_after, { jellyfin: options.jellyfin.url !== '' }, log.child('stuck'), 60_000, clock);
  if (jellyfin) {
    const jf = jellyfin;
    // Shokofin regenerates its VFS on a library scan: ask for one (rate-limited, never two at once)
    // when anime sits matched in Shoko but absent from Jellyfin. Never on a timer (seed lesson D7).
    monitor.onFlag = (r) => {
      if (r.state === 'ANIME_MATCHING') void jf.refreshLibrary(`${r.title}: matched in Shoko but not in Jellyfin`);
    };
  }
  watchers.push(monitor);
  return set;
}
