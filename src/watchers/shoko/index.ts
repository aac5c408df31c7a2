/** Shoko watcher: the app only needs `createShokoWatcher`. */
export { createShokoWatcher, ShokoSignalRWatcher, DEFAULT_RECONNECT_DELAYS_MS, type ShokoWatcher, type ShokoWatcherOptions } from './watcher.js';
export { ShokoClient, type ImportFolder, type ShokoFile, type ShokoFileLocation } from './client.js';
export { parseShokoEvent, lowerKeys, hubMethod, SHOKO_EVENTS, type ShokoEventName, type ShokoMessage, type CrossRef, type FileRef } from './payloads.js';
export { joinImportPath, normalizePath, tail, sameTail, parseEpisodeNumbers, seriesHints, titleKey, isBlankPath } from './paths.js';
export { buildCatalog, resolveFile, animeMovieByTmdb, type Catalog, type Resolution, type TrackedFile } from './resolve.js';
export { fileEvent, movieAddedEvent, matchedReason, describeCrossRefs, crossRefSignature, REASONS, type AnimeMatch } from './map.js';
