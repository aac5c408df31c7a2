/** Cross-field rules shared by the integrations' option slices (their `check`). */
import type { IssueSink } from './types.js';

/** Instance names are route segments: two instances of one service must not share one. */
export function uniqueNames(list: ReadonlyArray<{ name: string }>, issue: IssueSink): void {
  const seen = new Set<string>();
  list.forEach((inst, i) => {
    if (seen.has(inst.name)) issue([i, 'name'], `duplicate instance name "${inst.name}"`);
    seen.add(inst.name);
  });
}

/** A single-instance service with a URL needs its key. */
export function apiKeyWithUrl(id: string, slice: { url: string; api_key: string }, issue: IssueSink): void {
  if (slice.url && !slice.api_key) issue(['api_key'], `required when ${id}.url is set`);
}
