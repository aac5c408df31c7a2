/** The contract between a webhook/poller adapter and the engine. */
import type { UnstampedEvent } from '../domain/events.js';

/** One problem with an input, named by its JSON path (`series.tvdbId`). */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * What a source says about itself, not about a request: a Sonarr/Radarr health check failing
 * (`Health`) or passing again (`HealthRestored`). It goes to the bridge's source health, not to
 * the engine.
 */
export interface SourceNotice {
  kind: 'health';
  /** The normalised instance name. */
  instance: string;
  restored: boolean;
  /** `ok` | `notice` | `warning` | `error`, as the *arr sends it (lower case). */
  level: string;
  /** The check's class name (`DownloadClientCheck`): what `HealthRestored` names again. */
  check: string;
  message: string;
  wiki_url: string | null;
}

export type ParseResult =
  /** Valid input. `events` may be empty for known but irrelevant events (Test, ApplicationUpdate...). */
  { ok: true; events: UnstampedEvent[]; note: string; notices?: SourceNotice[] } | { ok: false; errors: FieldError[] };

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
