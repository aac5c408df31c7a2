/**
 * Pre-population shared by the benchmark targets: webhook bodies from population.ts parsed by
 * the real adapters and fed to `engine.ingest()` in batches, with the clock set back so that
 * history is 10–90 days old (older than the HA retention) and the active set one day old.
 */
import { performance } from 'node:perf_hooks';
import { parseJellyseerr } from '../src/integrations/jellyseerr/adapter.js';
import { parseRadarr } from '../src/integrations/radarr/adapter.js';
import { parseSonarr } from '../src/integrations/sonarr/adapter.js';
import type { AdapterContext, ParseResult } from '../src/adapters/types.js';
import type { Tracker } from '../src/app.js';
import { parseOptions } from '../src/config/load.js';
import type { Options } from '../src/config/schema.js';
import type { RosterEpisode, UnstampedEvent } from '../src/domain/events.js';
import type { Store } from '../src/store/store.js';
import { activeHooks, historyHooks, type Hook, type Population, type Route, type ShowPlan } from './population.js';

export const BENCH_SECRET = 'bench-secret-0123456789abcdef';
const DAY_MS = 86_400_000;

/** A tracker on `dir` with no services: embedded broker and HTTP on ports 0, logs at error. */
export function benchOptions(dir: string, extra: Record<string, unknown> = {}): Options {
  return parseOptions({
    data_dir: dir,
    log_level: 'error',
    webhook_secret: BENCH_SECRET,
    webhook_port: 0,
    ingress_port: 0,
    mqtt: { mode: 'embedded', port: 0, ha_birth_delay_s: 0 },
    ...extra,
  });
}
const BATCH = 500;

const PARSERS: Record<Route, (body: unknown, ctx: AdapterContext) => ParseResult> = {
  jellyseerr: parseJellyseerr,
  radarr: parseRadarr,
  sonarr: parseSonarr,
};

export interface Prepop {
  events: number;
  accepted: number;
  notAccepted: number;
  ms: number;
  requests: number;
  snapshotsDuring: number;
}

export function storeOf(tracker: Tracker): Store | null {
  // The engine keeps its store private; the benchmark only reads stats, snapshots and times it.
  return (tracker.engine as unknown as { store?: Store }).store ?? null;
}

/** Parses hooks with the real adapters; a rejected payload is a bug in the bench. */
export function parseHooks(hooks: Iterable<Hook>, ctx: AdapterContext): UnstampedEvent[] {
  const out: UnstampedEvent[] = [];
  for (const h of hooks) {
    const parsed = PARSERS[h.route](h.body, ctx);
    if (!parsed.ok) throw new Error(`bench payload rejected by the ${h.route} adapter: ${JSON.stringify(parsed.errors)}`);
    out.push(...parsed.events);
  }
  return out;
}

/** Episodes listed for the airing season of an active series: announced, not aired yet. */
export const AIRING_LISTED = 10;

/** The roster event the Sonarr reconciler sends for a series: stored seasons with files, the airing season ahead. */
export function rosterOf(spec: ShowPlan, active: boolean): UnstampedEvent {
  const episodes: RosterEpisode[] = [];
  for (let season = 1; season <= spec.seasonsStored; season++) {
    for (let n = 1; n <= spec.episodesPerSeason; n++) episodes.push({ season, episode: n, air_date_utc: '2020-01-01T00:00:00Z', monitored: true, has_file: true });
  }
  if (active) {
    for (let n = 1; n <= AIRING_LISTED; n++) episodes.push({ season: spec.airingSeason, episode: n, air_date_utc: '2099-01-01T00:00:00Z', monitored: true, has_file: false });
  }
  return {
    kind: 'roster',
    key: `bench:roster:${spec.sonarrId}:${active ? 'active' : 'history'}`,
    source: 'sonarr',
    match: { request_id: `jellyseerr-${spec.requestId}`, media_type: 'tv', scope: 'any' },
    from: 'sonarr',
    seasons: [...new Set(episodes.map((e) => e.season))],
    episodes,
  };
}

export async function prepopulate(tracker: Tracker, pop: Population, setShift: (ms: number) => void): Promise<Prepop> {
  const ctx: AdapterContext = { anime: tracker.options.anime };
  const prepop: Prepop = { events: 0, accepted: 0, notAccepted: 0, ms: 0, requests: 0, snapshotsDuring: 0 };
  const t0 = performance.now();
  let batch: UnstampedEvent[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const items = await tracker.engine.ingest(batch);
    for (const it of items) {
      if (it.status === 'accepted') prepop.accepted++;
      else prepop.notAccepted++;
    }
    prepop.events += batch.length;
    batch = [];
  };
  const add = async (hooks: Hook[]) => {
    batch.push(...parseHooks(hooks, ctx));
    if (batch.length >= BATCH) await flush();
  };
  const historyGroups = pop.historyMovies.length + pop.historyShows.length;
  let g = 0;
  for (const hooks of historyHooks(pop)) {
    // History finished between 90 and 10 days ago (older than the HA retention, 7 days).
    setShift(Math.round((90 - (80 * g++) / Math.max(1, historyGroups)) * DAY_MS));
    await add(hooks);
  }
  await flush();
  // Sonarr's episode lists, as the reconciler reads them: every TV request has its roster.
  setShift(10 * DAY_MS);
  batch.push(...pop.historyShows.map((spec) => rosterOf(spec, false)));
  await flush();
  setShift(DAY_MS);
  for (const hooks of activeHooks(pop)) await add(hooks);
  await flush();
  batch.push(...pop.activeShows.map((spec) => rosterOf(spec, true)));
  await flush();
  setShift(0);
  prepop.ms = performance.now() - t0;
  prepop.requests = tracker.engine.index.size;
  prepop.snapshotsDuring = storeOf(tracker)?.stats.snapshots ?? 0;
  return prepop;
}
