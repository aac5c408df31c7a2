/** Jellyfin watcher: the app only needs `createJellyfinWatcher` (and `onHint` for `/hooks/jellyfin`). */
export {
  createJellyfinWatcher,
  JellyfinWatcher,
  type JellyfinWatcherApi,
  type JellyfinWatcherOptions,
  type HintOutcome,
  type LibraryRefreshOutcome,
} from './watcher.js';
export { JellyfinClient, authorizationHeader, type JellyfinClientOptions, type BaseItemDto } from './client.js';
export { LibraryIndex, toLibItem, isPlayable, episodeNumbers, isShokofin, type LibItem } from './library.js';
export { matchRequests, matchRequest, deletionEvents, AVAILABLE_REASON, DELETED_REASON, type MatchReport, type RequestMatch } from './match.js';
