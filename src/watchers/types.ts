/** What a watcher needs from the tracker; the engine owns these ports (src/engine/ports.ts). */
export type { EventSink, TrackedView } from '../engine/ports.js';
