/** Episode grid layout: seasons as rows, episodes as columns. */
import type { EpisodePayload } from '../../../src/contract/index.js';

export interface SeasonRow {
  season: number;
  episodes: EpisodePayload[];
  available: number;
}

export function seasonRows(episodes: readonly EpisodePayload[]): SeasonRow[] {
  const bySeason = new Map<number, EpisodePayload[]>();
  for (const e of episodes) {
    let list = bySeason.get(e.season);
    if (!list) bySeason.set(e.season, (list = []));
    list.push(e);
  }
  return [...bySeason.entries()]
    .sort(([a], [b]) => a - b)
    .map(([season, list]) => {
      const sorted = list.sort((a, b) => a.episode - b.episode);
      return { season, episodes: sorted, available: sorted.filter((e) => e.state === 'AVAILABLE').length };
    });
}

/** The states present, in pipeline order (others last), with counts (for the legend). */
export function stateCounts(episodes: ReadonlyArray<{ state: string }>, order: readonly string[]): Array<{ state: string; count: number }> {
  const counts = new Map<string, number>();
  for (const e of episodes) counts.set(e.state, (counts.get(e.state) ?? 0) + 1);
  const rank = (s: string) => {
    const i = order.indexOf(s);
    return i < 0 ? order.length : i;
  };
  return [...counts.entries()].sort(([a], [b]) => rank(a) - rank(b)).map(([state, count]) => ({ state, count }));
}
