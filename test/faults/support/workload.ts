/**
 * A webhook workload with a known outcome: each request is a short script of real-shaped
 * webhooks (Jellyseerr approval, Radarr/Sonarr grab, import), sent in order, each with the
 * state it proves. A request's retained state may never be behind its last acknowledged step.
 */
import { fakeHash, jellyseerr, radarrDownload, radarrGrab, range, sonarrGrab, sonarrImportComplete, type MovieSpec, type ShowSpec } from '../../../src/demo/payloads.js';
import { PIPELINE_STATES, type PipelineState } from '../../../src/domain/states.js';

export interface Step {
  route: string;
  /** The exact bytes, so a re-send after a crash is the same upstream fact. */
  body: string;
  /** The state this step proves once stored. */
  proves: PipelineState;
}

export interface Script {
  id: string;
  title: string;
  steps: Step[];
}

export function movieSpec(n: number, label = 'fault'): MovieSpec {
  return { requestId: n, tmdbId: 100_000 + n, title: `${label} movie ${n}`, year: 2000 + (n % 25), radarrId: n, hash: fakeHash(`${label}-${n}`) };
}

export function showSpec(n: number, label = 'fault'): ShowSpec {
  return { requestId: n, tmdbId: 500_000 + n, tvdbId: 700_000 + n, title: `${label} show ${n}`, year: 2000 + (n % 25), sonarrId: n, seasons: [1] };
}

/** Request `n`: a movie (even) or a one-season show (odd), approval → grab → import. */
export function script(n: number, label = 'fault'): Script {
  const id = `jellyseerr-${n}`;
  if (n % 2 === 0) {
    const m = movieSpec(n, label);
    return {
      id,
      title: m.title,
      steps: [
        { route: '/hooks/jellyseerr', body: JSON.stringify(jellyseerr('MEDIA_AUTO_APPROVED', m)), proves: 'APPROVED' },
        { route: '/hooks/radarr', body: JSON.stringify(radarrGrab(m)), proves: 'GRABBING' },
        { route: '/hooks/radarr', body: JSON.stringify(radarrDownload(m)), proves: 'IMPORTING' },
      ],
    };
  }
  const s = showSpec(n, label);
  const eps = range(1, 1, 3);
  const hash = fakeHash(`${label}-tv-${n}`);
  return {
    id,
    title: s.title,
    steps: [
      { route: '/hooks/jellyseerr', body: JSON.stringify(jellyseerr('MEDIA_AUTO_APPROVED', s)), proves: 'APPROVED' },
      { route: '/hooks/sonarr', body: JSON.stringify(sonarrGrab(s, eps, hash)), proves: 'GRABBING' },
      { route: '/hooks/sonarr', body: JSON.stringify(sonarrImportComplete(s, eps, hash)), proves: 'IMPORTING' },
    ],
  };
}

export function rankOf(state: unknown): number {
  return PIPELINE_STATES.indexOf(state as PipelineState);
}

/** Per request: how many of its steps were acknowledged (2xx). */
export class Progress {
  readonly acked = new Map<string, number>();

  constructor(readonly scripts: Script[]) {}

  get totalSteps(): number {
    return this.scripts.reduce((n, s) => n + s.steps.length, 0);
  }

  get ackedSteps(): number {
    let n = 0;
    for (const v of this.acked.values()) n += v;
    return n;
  }

  /**
   * Requests whose retained state is behind their last acknowledged step: an acknowledged
   * webhook that was lost. `stateOf` reads the state a subscriber sees.
   */
  losses(stateOf: (id: string) => unknown): string[] {
    const lost: string[] = [];
    for (const s of this.scripts) {
      const done = this.acked.get(s.id) ?? 0;
      if (done === 0) continue;
      const want = s.steps[done - 1]!.proves;
      const got = stateOf(s.id);
      if (got === undefined || rankOf(got) < rankOf(want)) lost.push(`${s.id}: acknowledged ${want}, found ${String(got ?? 'nothing')}`);
    }
    return lost;
  }

  /** Requests stored further than acknowledged (the webhook in flight at the kill reached the disk). */
  ahead(stateOf: (id: string) => unknown): number {
    let n = 0;
    for (const s of this.scripts) {
      const done = this.acked.get(s.id) ?? 0;
      const got = stateOf(s.id);
      if (got === undefined) continue;
      if (done === 0 || rankOf(got) > rankOf(s.steps[done - 1]!.proves)) n++;
    }
    return n;
  }
}

/**
 * A sender that keeps webhooks coming, one at a time and in order, through restarts and
 * outages: a webhook that gets no answer (or a 503) is sent again until it is acknowledged.
 */
export class Stream {
  readonly errors: string[] = [];
  sent = 0;
  retries = 0;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    readonly progress: Progress,
    private readonly url: string,
    private readonly secret: string,
    private readonly pauseMs: number,
    private readonly post: (url: string, route: string, body: string, secret: string) => Promise<{ status: number; text: string }>,
  ) {}

  start(): void {
    this.running = (async () => {
      for (const s of this.progress.scripts) {
        for (let i = this.progress.acked.get(s.id) ?? 0; i < s.steps.length; i++) {
          const step = s.steps[i]!;
          for (;;) {
            if (this.stopping) return;
            this.sent++;
            const answer = await this.post(this.url, step.route, step.body, this.secret);
            if (answer.status >= 200 && answer.status < 300) break;
            if (answer.status !== 0 && answer.status !== 503) this.errors.push(`${s.id}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`);
            this.retries++;
            await new Promise((r) => setTimeout(r, 100));
          }
          this.progress.acked.set(s.id, i + 1);
          await new Promise((r) => setTimeout(r, this.pauseMs));
        }
      }
    })();
  }

  /** Acknowledged webhooks so far. */
  get acked(): number {
    return this.progress.ackedSteps;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }
}
