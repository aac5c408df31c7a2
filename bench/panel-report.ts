/**
 * The panel part of the report. The measurement itself lives in `bench/panel.ts`
 * (`runPanelBench`, written separately); run.ts passes its result here, or null when it is
 * not wired in / not run, and the report then says so instead of leaving the section out.
 */
import { NO_GOAL, type GoalRow } from './goals.js';
import { fmt, fmtInt, median, table, verdict } from './stats.js';

/** What `runPanelBench(opts: { requests; log })` resolves with. */
export interface PanelResult {
  requests: number;
  /** Per run: page load → the list of every request rendered and interactive, ms. */
  interactive_ms: number[];
  /** Retained replay of the whole set over MQTT-over-WebSocket (the panel's path), ms. */
  ws_replay_ms: number;
  /** The same replay to a plain mqtt.js subscriber over TCP on the same broker (the baseline), ms. */
  tcp_replay_ms: number;
  long_tasks: { downloads: number; trace_s: number; count: number; max_ms: number; total_ms: number };
}

export const PANEL_GOAL_MS = 1500;

const PANEL_METHOD =
  "- A tracker child process with 10,000 stored requests (built by `bench/population.ts`) and its embedded broker; Debian's Chromium (`/usr/bin/chromium`, headless) driven by playwright-core, a fresh profile per run. *Interactive* is measured in the page from navigation start: the first screen of cards is rendered, the summary shows every request, and a search typed at that moment has been answered on screen. Retained replay: every retained `media/#` message to a fresh MQTT-over-WebSocket client on the ingress port, against a plain mqtt.js subscriber over TCP on the same broker. Long tasks: a 10 s `PerformanceObserver` (`longtask`) trace while 50 downloads in a qBittorrent stand-in move every second and the real qBittorrent watcher (1 s polling) publishes them. `node dist-bench/bench/panel.js` runs this part alone and prints its JSON.";

export interface PanelReport {
  goals: GoalRow[];
  table: string;
  method: string;
}

export function panelReport(p: PanelResult | null): PanelReport {
  if (!p) {
    return {
      goals: [{ area: 'Panel', metric: '10k requests rendered in Chromium', value: 'n/a', baseline: 'n/a', ratio: 'n/a', goal: `≤ ${PANEL_GOAL_MS} ms`, status: 'not run' }],
      table: '_Not measured in this run: `bench/panel.ts` (`runPanelBench`) is not wired into `bench/run.ts`._',
      method: '- Not run.',
    };
  }
  const interactive = median(p.interactive_ms);
  const lt = p.long_tasks;
  const goals: GoalRow[] = [
    {
      area: 'Panel',
      metric: `${fmtInt(p.requests)} requests rendered and interactive in Chromium, median of ${p.interactive_ms.length}`,
      value: `${fmtInt(interactive)} ms`,
      baseline: NO_GOAL,
      ratio: NO_GOAL,
      goal: `≤ ${PANEL_GOAL_MS} ms`,
      status: verdict(interactive <= PANEL_GOAL_MS),
    },
    {
      area: 'Panel',
      metric: 'retained replay over MQTT-over-WebSocket',
      value: `${fmtInt(p.ws_replay_ms)} ms`,
      baseline: `${fmtInt(p.tcp_replay_ms)} ms (mqtt.js over TCP, same broker)`,
      ratio: fmt(p.ws_replay_ms / p.tcp_replay_ms, 2),
      goal: NO_GOAL,
      status: NO_GOAL,
    },
    {
      area: 'Panel',
      metric: `long tasks while ${fmtInt(lt.downloads)} downloads update (${fmt(lt.trace_s, 0)} s trace)`,
      value: `${fmtInt(lt.count)} (max ${fmt(lt.max_ms, 0)} ms, total ${fmt(lt.total_ms, 0)} ms)`,
      baseline: NO_GOAL,
      ratio: NO_GOAL,
      goal: NO_GOAL,
      status: NO_GOAL,
    },
  ];
  const runs = table(
    ['metric', 'value'],
    [
      ['requests', fmtInt(p.requests)],
      ['interactive ms per run', p.interactive_ms.map((x) => fmtInt(x)).join(', ')],
      ['retained replay, WebSocket / TCP ms', `${fmtInt(p.ws_replay_ms)} / ${fmtInt(p.tcp_replay_ms)}`],
      ['long tasks: count / max / total ms', `${fmtInt(lt.count)} / ${fmt(lt.max_ms, 0)} / ${fmt(lt.total_ms, 0)}`],
    ],
  );
  return { goals, table: runs, method: PANEL_METHOD };
}
