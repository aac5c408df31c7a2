/** Sonarr/Radarr reconciliation: the app only needs `createArrReconcilers`. */
export { createArrReconcilers, ArrReconciler, MAX_EPISODE_FETCHES, HISTORY_LOOKBACK_MS, type ArrReconcilerOptions } from './reconciler.js';
export { ArrClient, QUEUE_PAGE_SIZE, QUEUE_MAX_PAGES, type ApiMovie, type ApiSeries, type ApiEpisode, type QueueRecord, type HistoryRecord } from './api.js';
export {
  reconcileRadarr,
  reconcileSonarr,
  queueEvents,
  historyEvents,
  movieFileEvents,
  episodeFileEvents,
  goneEvent,
  groupQueue,
  ownership,
  type ArrInstance,
  type Target,
  type ReconcileResult,
} from './map.js';
