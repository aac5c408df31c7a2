/** qBittorrent watcher: the app only needs `createQbittorrentWatchers`. */
export { createQbittorrentWatchers, QbittorrentWatcher, type QbittorrentWatcherOptions, type QbInstance } from './watcher.js';
export { QbClient, type QbClientOptions, type MainData } from './client.js';
export { emptyCache, mergeMaindata, type SyncCache, type Torrent, type MergeResult } from './cache.js';
export { progressFields, stuckReason, isComplete, SEEDING_STATES, INFINITE_ETA, REMOVED_REASON } from './map.js';
