/** Sonarr/Radarr reconciliation: the app only needs `createArrReconcilers`. */
export { createArrReconcilers, ArrReconciler, MAX_EPISODE_FETCHES, HISTORY_LOOKBACK_MS, type ArrReconcilerOptions } from './reconciler.js';
export { ArrClient, QUEUE_PAGE_SIZE, QUEUE_MAX_PAGES, type ApiMovie, type ApiSeries, type ApiEpisode, type QueueRecord, type HistoryRecord } from './api.js';
export { reconcileRadarr, reconcileSonarr, type ReconcileResult } from './snapshot.js';
export { queueEvents, historyEvents, groupQueue } from './downloads.js';
export { movieFileEvents, episodeFileEvents, goneEvent, ownership, type ArrInstance, type Target } from './map.js';
