/**
 * `npm run demo`: starts the tracker on its embedded defaults with a small Jellyfin library
 * (library.ts) and a small Shoko (shoko.ts), and replays the workflows through the real
 * webhook routes and Shoko's SignalR hub, so `npx mqtt sub -t 'media/#' -v` shows requests moving. Ends with each request's state and the events Home
 * Assistant got. Flags: --step-ms N (pause between calls, default 1500), --exit (stop after
 * the replay), --data DIR (default: a fresh temporary dir), --ephemeral-ports.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Tracker } from '../app.js';
import { parseOptions } from '../config/load.js';
import { createLogger, errorMessage, setLogLevel } from '../log.js';
import { EventLog } from './events.js';
import { DEMO_LIBRARY_KEY, DemoLibrary } from './library.js';
import { SCENARIOS, type ShokoStep } from './scenarios.js';
import { DEMO_SHOKO_KEY, DemoShoko } from './shoko.js';

/** Waits until `ok()` holds (checked every 10 ms), at most `ms`; says whether it did. */
async function until(ok: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'step-ms': { type: 'string', default: '1500' },
      exit: { type: 'boolean', default: false },
      data: { type: 'string' },
      'ephemeral-ports': { type: 'boolean', default: false },
    },
  });
  const stepMs = Number(values['step-ms']);
  setLogLevel('warning');
  const dataDir = values.data ?? (await mkdtemp(join(tmpdir(), 'media-tracker-demo-')));
  const ports = values['ephemeral-ports'] ? { webhook_port: 0, ingress_port: 0, mqtt: { port: 0 } } : {};
  const library = new DemoLibrary();
  const jellyfin = { url: await library.start(), api_key: DEMO_LIBRARY_KEY };
  const shoko = new DemoShoko();
  const shokoOptions = { url: await shoko.start(), api_key: DEMO_SHOKO_KEY };
  const options = parseOptions({ data_dir: dataDir, webhook_secret: 'demo-secret', jellyfin, shoko: shokoOptions, ...ports });
  const tracker = new Tracker({ options, log: createLogger('demo') });
  await tracker.start();
  // Shoko's events are not queued for a client that is not there yet: replay once the tracker listens.
  const matcher = tracker.watchers.find((w) => w.name === 'shoko');
  if (!matcher || !(await until(() => shoko.connected && matcher.status().healthy))) throw new Error("the tracker did not connect to the demo Shoko's hub");
  const received = () => Number(matcher.status().detail?.events_received ?? 0);
  /** Shoko's step: its hub sends the events; done once the tracker has received and ingested them all. */
  const matchInShoko = async (step: ShokoStep): Promise<boolean> => {
    const target = received() + shoko.match(step.shoko.matched);
    const arrived = await until(() => received() >= target);
    // What arrived is ingested now rather than after the watcher's coalescing window.
    await matcher.poke?.();
    return arrived;
  };
  const events = await EventLog.connect(tracker.endpoints.mqttUrl);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(tracker.describe());
  out(`\nData dir: ${dataDir}`);
  out(`Watch it: npx mqtt sub -h 127.0.0.1 -p ${tracker.endpoints.mqttPort} -t 'media/#' -v\n`);

  let failures = 0;
  // The workflows run side by side, one step of each in turn, like a real evening.
  const longest = Math.max(...SCENARIOS.map((s) => s.steps.length));
  for (let i = 0; i < longest; i++) {
    for (const scenario of SCENARIOS) {
      const step = scenario.steps[i];
      if (!step) continue;
      library.remove(step.library?.remove ?? []);
      library.add(step.library?.add ?? []);
      let outcome: string;
      let done: boolean;
      if ('shoko' in step) {
        done = await matchInShoko(step);
        outcome = done ? 'SignalR' : 'SignalR (not received)';
      } else {
        const res = await fetch(`${tracker.endpoints.webhookUrl}${step.route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer demo-secret' },
          body: JSON.stringify(step.body),
        });
        await res.body?.cancel();
        done = res.ok;
        outcome = String(res.status);
      }
      const state = tracker.engine.index.get(scenario.id)?.state ?? '-';
      const wrong = step.expect !== undefined && state !== step.expect;
      if (!done || wrong) failures++;
      out(`[${scenario.name}] ${step.says} → ${outcome} ${state}${wrong ? ` FAIL (expected ${step.expect})` : ''}`);
      if (stepMs > 0) await new Promise((r) => setTimeout(r, stepMs));
    }
  }
  out('');
  await events.settle();
  for (const scenario of SCENARIOS) {
    const state = tracker.engine.index.get(scenario.id)?.state ?? 'missing';
    const ok = state === scenario.expectedFinal;
    if (!ok) failures++;
    out(`${ok ? 'ok  ' : 'FAIL'} ${scenario.name}: ${scenario.id} is ${state} (expected ${scenario.expectedFinal})`);
  }
  // One request per workflow: nothing the *arr did became a request of its own.
  out(
    `Requests: ${[...tracker.engine.index.values()]
      .map((r) => r.id)
      .sort()
      .join(', ')}`,
  );
  out('');
  for (const scenario of SCENARIOS) {
    const seen = events.events(scenario.id);
    // The product's promise: one "ready" per request, whatever happens to it afterwards.
    const once = seen.filter((t) => t === 'available').length <= 1;
    if (!once) failures++;
    out(`${once ? 'events' : 'FAIL available announced twice:'} ${scenario.id}: ${seen.join(', ')}`);
  }
  if (values.exit) {
    await events.close();
    await tracker.stop();
    await Promise.all([library.stop(), shoko.stop()]);
    process.exit(failures ? 1 : 0);
  }
  out('\nThe tracker keeps running so you can look around; Ctrl-C stops it.');
  const stop = () => void Promise.all([events.close(), tracker.stop(), library.stop(), shoko.stop()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  createLogger('demo').error(errorMessage(err));
  process.exit(1);
});
