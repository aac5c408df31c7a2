/**
 * The upstream fakes of the tests (test/fakes) as the watcher benchmarks use them: a started
 * Jellyfin, movies for its library, and requests per route from a fake's request log.
 */
import type { RequestLog } from '../test/fakes/common.js';
import { createJellyfinFake, type JfItem } from '../test/fakes/jellyfin.js';

export type Jellyfin = ReturnType<typeof createJellyfinFake>;

/** The Jellyfin fake, started, and how the tracker reaches it. */
export async function startJellyfin(): Promise<{ jf: Jellyfin; service: { url: string; api_key: string } }> {
  const jf = createJellyfinFake();
  const { url } = await jf.start();
  return { jf, service: { url, api_key: jf.state.apiKey } };
}

/** A movie with a file, known to Jellyfin by its TMDB and IMDb ids. */
export function addMovie(jf: Jellyfin, name: string, year: number, tmdbId: number): JfItem {
  return jf.addMovie({ name, year, tmdbId, imdbId: `tt${tmdbId}` });
}

/**
 * Requests per route since the log held `mark` entries (routes with none left out), keyed as
 * the report names them: route parameters in braces (`GET /Items/{id}`), as in docs/upstreams.md.
 */
export function requestsSince(log: RequestLog, mark: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of log.entries.slice(mark)) {
    const key = e.key.replace(/:(\w+)/g, '{$1}');
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}
