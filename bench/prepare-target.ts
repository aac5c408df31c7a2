/**
 * Fills a data dir for the benchmarks, in its own process (started by bases.ts):
 *
 *   node dist-bench/bench/prepare-target.js <dir> '<PopulationSpec JSON>'
 *
 * A durable tracker without services stores the population (prepop.ts) in <dir>, sweeps HA
 * retention and stops cleanly (final snapshot), as after a normal shutdown.
 *   child → { type: 'prepared', prepop, episodes }, then exits.
 */
import { Tracker } from '../src/app.js';
import { createLogger, setLogLevel } from '../src/log.js';
import { population, type PopulationOptions } from './population.js';
import { benchOptions, prepopulate } from './prepop.js';

export interface PopulationSpec extends PopulationOptions {
  stored: number;
}

async function main(): Promise<void> {
  const [dir, spec] = process.argv.slice(2);
  if (!dir || !spec) throw new Error("usage: prepare-target.js <dir> '<PopulationSpec JSON>'");
  const s = JSON.parse(spec) as PopulationSpec;
  setLogLevel('error');
  let shift = 0;
  const tracker = new Tracker({ options: benchOptions(dir), durable: true, host: '127.0.0.1', log: createLogger('bench'), clock: () => new Date(Date.now() - shift) });
  await tracker.start();
  const pop = population(s.stored, s);
  const prepop = await prepopulate(tracker, pop, (ms) => (shift = ms));
  tracker.publisher.sweepRetention();
  await tracker.stop();
  process.send!({ type: 'prepared', prepop, episodes: pop.episodes }, () => process.exit(0));
}

main().catch((err: unknown) => {
  process.stderr.write(`bench prepare failed: ${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
