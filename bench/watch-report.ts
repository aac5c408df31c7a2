/** The watcher part of the report, from the results of watch.ts. */
import { NO_GOAL, type GoalRow } from './goals.js';
import { fmt, percentile, table, verdict } from './stats.js';
import { EPISODES_PER_SEASON, LIBRARY_MOVIES, LIBRARY_SERIES_UNTRACKED, MAX_TRACKED, tracked, UNTRACKED_TORRENTS } from './watch-population.js';
import { COUNT_CYCLES, JF_DEFAULT_S, JF_GOAL_MS, JF_WARMUP_CYCLES, QB_DEFAULT_S, type LatencyResult, type WatchResults } from './watch.js';
import { CLIENT_GOAL_MS, CLIENT_INTERVAL_S } from './watch-clients.js';

function pct(xs: number[], p: number): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );
}

function sum(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}

function routeList(r: Record<string, number>, cycles = 1): string {
  const parts = Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ×${cycles === 1 ? v : fmt(v / cycles, v % cycles === 0 ? 0 : 2)}`);
  return parts.length ? parts.join(', ') : 'none';
}

/** "1" when every cycle made the same number of requests, else "min–max (mean m)". */
function perCycle(xs: number[]): string {
  if (xs.length === 0) return 'n/a';
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return min === max ? String(min) : `${min}–${max} (mean ${fmt(mean, 2)})`;
}

export interface WatchReport {
  goals: GoalRow[];
  latencyTable: string | null;
  countTable: string | null;
  detailTable: string;
  notes: string[];
  warnings: string[];
  method: string;
}

export function watchReport(r: WatchResults): WatchReport {
  const warnings: string[] = [];
  const notes: string[] = [];
  const latencyRows: string[][] = [];
  const details: string[][] = [];
  const goals: GoalRow[] = [];
  const lat = (label: string, x: LatencyResult, goal: number, goalText: string, baseline: { ms: number; text: string } | null) => {
    const p95 = pct(x.ms, 95);
    const max = Math.max(...x.ms);
    latencyRows.push([label, String(x.ms.length), fmt(pct(x.ms, 50), 0), fmt(p95, 0), fmt(max, 0), goalText, verdict(max <= goal), verdict(p95 <= goal)]);
    for (const p of x.problems) warnings.push(`${label}: ${p}`);
    goals.push({
      area: 'Watchers',
      metric: `${label}, slowest of ${x.ms.length}`,
      value: `${fmt(max, 0)} ms (p95 ${fmt(p95, 0)})`,
      baseline: baseline ? baseline.text : NO_GOAL,
      ratio: baseline ? fmt(max / baseline.ms, 2) : NO_GOAL,
      goal: goalText,
      status: verdict(max <= goal),
    });
  };
  for (const { path, res } of r.clients) {
    const who = path.label;
    lat(`${who} change → retained \`media/<id>/state\` (${CLIENT_INTERVAL_S} s polling)`, res, CLIENT_GOAL_MS, `≤ ${CLIENT_GOAL_MS} ms (poll interval + 50 ms)`, {
      ms: CLIENT_INTERVAL_S * 1000,
      text: `${CLIENT_INTERVAL_S * 1000} ms (the poll interval)`,
    });
    const a = (res.afterPollMs ?? []).filter(Number.isFinite);
    const ph = (res.phaseMs ?? []).filter(Number.isFinite);
    details.push([`${who} latency: poll answered → state received (the tracker alone)`, `p50 ${fmt(pct(a, 50), 1)} / p95 ${fmt(pct(a, 95), 1)} / max ${fmt(Math.max(...a), 1)} ms`]);
    details.push([`${who} latency: phases of the changes, after the previous poll`, `${fmt(Math.min(...ph), 0)}–${fmt(Math.max(...ph), 0)} ms`]);
    details.push([`${who} latency: retained state seen by a new subscriber`, res.retainedOk ? 'the last progress' : 'WRONG']);
    notes.push(
      `${who}: the change waits for the next ${path.read} poll (${fmt(pct(ph, 50), 0)} ms median phase, so up to one interval), ` +
        `then the tracker needs ${fmt(pct(a, 50), 1)} ms (median; max ${fmt(Math.max(...a), 1)} ms) to read the answer, journal the event (fsync) and publish. ` +
        `The poll loop waits one interval after each cycle ends, so the period is the interval plus one cycle.`,
    );
  }
  if (r.jf) {
    const h = r.jf.httpMs ?? [];
    lat('Jellyfin ItemAdded webhook → AVAILABLE on MQTT (verified against the API)', r.jf, JF_GOAL_MS, `≤ ${JF_GOAL_MS} ms`, null);
    details.push(['Jellyfin latency: webhook sent → HTTP response', `p50 ${fmt(pct(h, 50), 1)} / p95 ${fmt(pct(h, 95), 1)} / max ${fmt(Math.max(...h), 1)} ms`]);
    details.push(['Jellyfin latency: Jellyfin API requests per webhook', perCycle(r.jf.apiPerHook ?? [])]);
    details.push(['Jellyfin latency: retained state seen by a new subscriber', r.jf.retainedOk ? 'AVAILABLE' : 'WRONG']);
  }
  let countTable: string | null = null;
  if (r.counts?.length) {
    const lo = r.counts[0]!;
    const hi = r.counts[r.counts.length - 1]!;
    /** Cycle by cycle (same simulated time at both sizes), the same number of requests. */
    const same = (a: number[], b: number[]) => a.length > 0 && a.length === b.length && a.every((x, i) => x === b[i]);
    const rows: string[][] = [];
    for (const [svc, label, every] of [
      ['qbittorrent', 'qBittorrent', QB_DEFAULT_S],
      ['jellyfin', 'Jellyfin', JF_DEFAULT_S],
    ] as const) {
      const ok = verdict(same(lo.cycles[svc], hi.cycles[svc]));
      rows.push([`${label}: requests per poll cycle (${COUNT_CYCLES[svc]} cycles, ${every} s apart)`, perCycle(lo.cycles[svc]), perCycle(hi.cycles[svc]), 'same count, cycle by cycle', ok]);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
      goals.push({
        area: 'Watchers',
        metric: `${label}: upstream requests per poll cycle, ${hi.tracked} tracked`,
        value: perCycle(hi.cycles[svc]),
        baseline: `${perCycle(lo.cycles[svc])} (${lo.tracked} tracked)`,
        ratio: fmt(mean(hi.cycles[svc]) / mean(lo.cycles[svc]), 2),
        goal: 'same count, cycle by cycle',
        status: ok,
      });
    }
    const mix = (n: number) => {
      const t = tracked(n);
      const movies = `${t.movies.length} movie${t.movies.length === 1 ? '' : 's'}`;
      return `${n} tracked (${movies}${t.shows.length ? `, ${t.shows.length} series` : ''})`;
    };
    countTable = table(['metric', mix(lo.tracked), mix(hi.tracked), 'goal', 'status'], rows);
    for (const c of r.counts) {
      details.push([`requests per cycle, ${c.tracked} tracked: stored requests / tracked torrents found`, `${c.stored} / ${c.trackedTorrents ?? 'n/a'}`]);
      details.push([`requests per cycle, ${c.tracked} tracked: first qBittorrent cycle (start-up)`, `${sum(c.first.qbittorrent)}: ${routeList(c.first.qbittorrent)}`]);
      details.push([`requests per cycle, ${c.tracked} tracked: first Jellyfin cycle (start-up)`, `${sum(c.first.jellyfin)}: ${routeList(c.first.jellyfin)}`]);
      details.push([
        `requests per cycle, ${c.tracked} tracked: next ${c.warmup.jellyfin.length} Jellyfin cycles (start-up, not counted)`,
        `${perCycle(c.warmup.jellyfin)} per cycle; ${routeList(c.warmup.routes)}`,
      ]);
      details.push([`requests per cycle, ${c.tracked} tracked: qBittorrent, per cycle`, routeList(c.routes.qbittorrent, c.cycles.qbittorrent.length)]);
      details.push([`requests per cycle, ${c.tracked} tracked: Jellyfin, per cycle`, routeList(c.routes.jellyfin, c.cycles.jellyfin.length)]);
      details.push([`requests per cycle, ${c.tracked} tracked: cycle wall time p50 (qBittorrent / Jellyfin)`, `${fmt(pct(c.cycleMs.qbittorrent, 50), 1)} / ${fmt(pct(c.cycleMs.jellyfin, 50), 1)} ms`]);
      for (const p of c.problems) warnings.push(`requests per cycle, ${c.tracked} tracked: ${p}`);
    }
    const waiting = tracked(hi.tracked).shows.length;
    const loads = hi.warmup.routes['GET /Shows/{id}/Episodes'] ?? 0;
    const sweeps = (hi.routes.jellyfin['GET /Items'] ?? 0) - hi.cycles.jellyfin.length;
    notes.push(
      `Jellyfin at ${hi.tracked} tracked requests: the episode list of each of the ${waiting} tracked series is read once, ` +
        `3 per cycle, during start-up (${loads} reads in the ${hi.warmup.jellyfin.length} cycles before counting; new series later cost one read each). ` +
        `After that, what the "recently added" query cannot show (a file added to an existing item, an import whose DateCreated ` +
        `is the file's old date) comes from one library-wide \`MinDateLastSaved\` query every 15 minutes (${sweeps} extra \`GET /Items\` in the ` +
        `${hi.cycles.jellyfin.length} counted cycles, at both sizes): the count per cycle no longer depends on the tracked series.`,
    );
  }
  const latencyTable = latencyRows.length ? table(['metric', 'samples', 'p50 ms', 'p95 ms', 'max ms', 'goal', 'status (max)', 'status (p95)'], latencyRows) : null;
  const detailTable = table(['watcher detail', 'value'], details);
  const method = [
    `- Each scenario is a fresh tracker process (durable storage in a temp dir, embedded broker, ports 0). The upstream`,
    `  services are the tests' fakes, served from the orchestrator process over loopback, logging every request per route:`,
    `  qBittorrent (\`test/fakes/qbittorrent.ts\`: WebUI API v2 login + \`sync/maindata\` with rid/delta semantics), Transmission`,
    `  (\`test/helpers/transmission.ts\`: the 409 session handshake, \`torrent-get\` with recently-active), SABnzbd (\`test/fakes/sabnzbd.ts\`),`,
    `  Radarr (\`test/fakes/radarr.ts\`: the paged \`/api/v3/queue\`) and`,
    `  Jellyfin (\`test/fakes/jellyfin.ts\`: \`/System/Info\`, \`/Items\`, \`/Items/{id}\`, \`/Shows/{id}/Episodes\`… with`,
    `  \`MediaBrowser\` auth and field gating). An mqtt.js subscriber (QoS 0) on the embedded broker sees what Home Assistant sees;`,
    `  change and arrival are timed on the orchestrator's clock.`,
    `- Download latency, per path (\`bench/watch-clients.ts\`): the client's interval (\`qbittorrent_s\`, \`transmission_s\`,`,
    `  \`sabnzbd_s\`; for the queue path \`downloads_s\`, Radarr's queue naming an NZBGet download no watcher follows) at`,
    `  ${CLIENT_INTERVAL_S} s; a movie request grabbed with a known download id (Jellyseerr + Radarr Grab webhooks); before each of`,
    `  the ${r.samples} samples a random wait after the previous state message (seeded, stratified over the interval), then the`,
    `  download's progress is raised by 1 % in the upstream; latency = that change → the state message with the new progress.`,
    `- Jellyfin latency: \`jellyfin_s: 3600\` (only the webhook path); per sample a fresh movie request brought to IMPORTING`,
    `  (Jellyseerr + Radarr Grab + Download webhooks), the movie added to Jellyfin (${LIBRARY_MOVIES} other movies in the`,
    `  library), then the plugin's "Send All Properties" JSON posted to \`/hooks/jellyfin\` as \`text/plain\`;`,
    `  latency = post → the AVAILABLE state message (the watcher fetches \`/Items/{id}\` before the event).`,
    `- Requests per poll cycle: the same upstream content for both runs (qBittorrent: ${MAX_TRACKED + UNTRACKED_TORRENTS} torrents;`,
    `  Jellyfin: ${LIBRARY_MOVIES} movies, ${tracked(MAX_TRACKED).shows.length + LIBRARY_SERIES_UNTRACKED} series with ${EPISODES_PER_SEASON} episodes each); the`,
    `  tracked requests (90 % grabbed movies, 10 % series waiting for season 2) are stored, then the tracker restarts with`,
    `  both watchers. After its start-up cycle, ${COUNT_CYCLES.qbittorrent} qBittorrent cycles and ${JF_WARMUP_CYCLES} + ${COUNT_CYCLES.jellyfin} Jellyfin`,
    `  cycles (the first ${JF_WARMUP_CYCLES} not counted: start-up) are run back to back, the watchers' clock advanced by the default`,
    `  interval before each (qBittorrent ${QB_DEFAULT_S} s, Jellyfin ${JF_DEFAULT_S} s: ${((JF_WARMUP_CYCLES + COUNT_CYCLES.jellyfin) * JF_DEFAULT_S) / 60} simulated minutes), so`,
    `  time-based queries happen as under real polling. Between cycles a tenth of the torrents move and one new movie appears`,
    `  in Jellyfin. Requests are counted at the upstreams; the goal is met when every counted cycle made the same number of`,
    `  requests at both sizes (same cycle, same simulated time).`,
  ].join('\n');
  return { goals, latencyTable, countTable, detailTable, notes, warnings, method };
}
