/** The contract between a webhook/poller adapter and the engine. */
import type { UnstampedEvent } from '../domain/events.js';

/** One problem with an input, named by its JSON path (`series.tvdbId`). */
export interface FieldError {
  path: string;
  message: string;
}

export type ParseResult =
  /** Valid input. `events` may be empty for known but irrelevant events (Test, Health...). */
  { ok: true; events: UnstampedEvent[]; note: string } | { ok: false; errors: FieldError[] };

export interface AnimeRules {
  /** Tag labels that mark a movie/series as anime (case-insensitive). */
  tags: string[];
  /** Substrings of the *arr folder path that mark anime, e.g. `/anime/`. */
  path_patterns: string[];
}

export interface AdapterContext {
  /** Instance name from the route (`/hooks/sonarr/<name>`); the payload's `instanceName` is used otherwise. */
  instance?: string;
  anime: AnimeRules;
  /** Whether a configured Sonarr/Radarr instance serves 4K requests (undefined: unknown). */
  arrKind?: (service: 'sonarr' | 'radarr', instance: string) => boolean | undefined;
}
