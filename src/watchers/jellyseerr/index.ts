/** Jellyseerr reconciliation (back-fill and deletion detection): the app only needs `createJellyseerrReconciler`. */
export { createJellyseerrReconciler, JellyseerrReconciler, CATCH_UP_MS, MAX_CHECKS, MAX_PAGES, MAX_TITLE_LOOKUPS, PAGE_SIZE, type JellyseerrReconcilerOptions, type BackfillMarker, MAX_ROSTER_LOOKUPS } from './reconciler.js';
export { JellyseerrClient, type ApiRequest } from './api.js';
export { backfillDecision, deletedEvent, requestEvent, requestStatus, requesterOf, isOpenInJellyseerr, JELLYSEERR_DELETED_REASON } from './map.js';
