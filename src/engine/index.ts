export { Engine, EVENT_SCHEMA_VERSION, StorageUnavailableError } from './engine.js';
export type { Change, CommitListener, EventSink, IngestItem, TrackedView } from './ports.js';
