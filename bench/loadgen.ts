/**
 * Load generator, run as a child process of the orchestrator (run.ts), separate from the
 * tracker processes (so each tracker's event loop and heap are measured alone). Plain
 * `node:http` with a keep-alive agent per tracker: a fixed number of connections, each
 * sending the next webhook as soon as its previous response has been read (closed loop).
 * Bodies are serialised before the clock starts.
 *
 * The workload is generated here from the shared seed (population.ts), once; every
 * configuration receives the same webhooks, in the same order.
 *
 * IPC protocol:
 *   parent → { type: 'init', total }                    child → { type: 'ready' }
 *   parent → { type: 'run', phase, url, secret, concurrency, from, to }
 *   child  → { type: 'done', result: PhaseResult }
 *   parent → { type: 'exit' }
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { workload, type WorkItem } from './population.js';

export interface RunMessage {
  type: 'run';
  phase: string;
  url: string;
  secret: string;
  concurrency: number;
  from: number;
  to: number;
}

export interface PhaseResult {
  phase: string;
  sent: number;
  wallMs: number;
  /** Per request, in send order: ms from writing the request to reading the whole response. */
  latenciesMs: number[];
  kinds: string[];
  accepted: number;
  /** 2xx responses whose results were not all `accepted` (duplicate, unchanged, ignored). */
  notAccepted: number;
  httpErrors: number;
  samples: string[];
}

interface Prepared {
  item: WorkItem;
  path: string;
  buf: Buffer;
}

let prepared: Prepared[] = [];
/** One keep-alive agent per tracker, kept across phases so connections stay open. */
const agents = new Map<string, http.Agent>();

function send(agent: http.Agent, host: string, port: number, secret: string, p: Prepared): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host,
        port,
        method: 'POST',
        path: p.path,
        headers: { 'content-type': 'application/json', 'content-length': p.buf.length, authorization: `Bearer ${secret}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('request timed out after 60 s')));
    req.on('error', reject);
    req.end(p.buf);
  });
}

async function run(msg: RunMessage): Promise<PhaseResult> {
  const url = new URL(msg.url);
  const agent = agents.get(msg.url) ?? new http.Agent({ keepAlive: true, maxSockets: msg.concurrency, maxFreeSockets: msg.concurrency });
  agents.set(msg.url, agent);
  const n = msg.to - msg.from;
  const latenciesMs = new Array<number>(n).fill(0);
  const result: PhaseResult = {
    phase: msg.phase,
    sent: n,
    wallMs: 0,
    latenciesMs,
    kinds: prepared.slice(msg.from, msg.to).map((p) => p.item.kind),
    accepted: 0,
    notAccepted: 0,
    httpErrors: 0,
    samples: [],
  };
  const sample = (s: string): void => {
    if (result.samples.length < 5) result.samples.push(s.slice(0, 400));
  };
  let next = msg.from;
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= msg.to) return;
      const p = prepared[i]!;
      const t0 = performance.now();
      let res: { status: number; text: string };
      try {
        res = await send(agent, url.hostname, Number(url.port), msg.secret, p);
      } catch (err) {
        latenciesMs[i - msg.from] = performance.now() - t0;
        result.httpErrors++;
        sample(`#${i} ${p.item.kind}: ${(err as Error).message}`);
        continue;
      }
      latenciesMs[i - msg.from] = performance.now() - t0;
      if (res.status !== 200) {
        result.httpErrors++;
        sample(`#${i} ${p.item.kind}: HTTP ${res.status} ${res.text}`);
        continue;
      }
      try {
        const body = JSON.parse(res.text) as { results?: Array<{ status: string }> };
        if (body.results && body.results.length > 0 && body.results.every((r) => r.status === 'accepted')) result.accepted++;
        else {
          result.notAccepted++;
          sample(`#${i} ${p.item.kind}: ${res.text}`);
        }
      } catch {
        result.notAccepted++;
        sample(`#${i} ${p.item.kind}: unparsable response ${res.text}`);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Math.min(msg.concurrency, n) }, worker));
  result.wallMs = performance.now() - t0;
  return result;
}

process.on('message', (raw: unknown) => {
  const msg = raw as { type: string; total?: number };
  if (msg.type === 'init') {
    prepared = workload(msg.total!).map((item) => ({ item, path: `/hooks/${item.route}`, buf: Buffer.from(item.body, 'utf8') }));
    process.send!({ type: 'ready' });
  } else if (msg.type === 'run') {
    run(raw as RunMessage).then(
      (result) => process.send!({ type: 'done', result }),
      (err: unknown) => process.send!({ type: 'error', error: String((err as Error)?.stack ?? err) }),
    );
  } else if (msg.type === 'exit') {
    for (const a of agents.values()) a.destroy();
    process.disconnect();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
