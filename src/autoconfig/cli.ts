/**
 * `npm run autoconfigure [-- --forward-existing] [-- --services sonarr,radarr]`: asks the
 * running tracker to configure the webhooks (each service's Test must reach it, so it has
 * to be running) and prints what was done. Exit code 1 when an action failed.
 */
import { parseArgs } from 'node:util';
import { loadOptionsOrExit } from '../config/load.js';
import { bridgeCommand, TrackerNotRunning } from '../doctor/command.js';
import { errorMessage } from '../log.js';
import { formatResult, ResultSchema } from './format.js';
import { autoconfigServices } from '../integrations/registry.js';
import type { AutoconfigResult } from './types.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'forward-existing': { type: 'boolean', default: false }, services: { type: 'string' } } });
  const services = values.services
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = autoconfigServices();
  const bad = services?.filter((s) => !known.includes(s));
  if (bad?.length) {
    process.stderr.write(`unknown service(s): ${bad.join(', ')}; expected ${known.join(', ')}\n`);
    process.exit(2);
  }
  const { options } = loadOptionsOrExit();
  try {
    const answer = await bridgeCommand(options, 'autoconfigure', { ...(services ? { services } : {}), ...(values['forward-existing'] ? { forward_existing: true } : {}) }, 180_000);
    if (answer.status !== 'ok') throw new Error(answer.error ?? 'the tracker answered with an error');
    const result = ResultSchema.parse(answer.result) as AutoconfigResult;
    process.stdout.write(formatResult(result));
    process.exit(result.actions.some((a) => a.action === 'failed') ? 1 : 0);
  } catch (err) {
    const hint = err instanceof TrackerNotRunning ? '\nStart the tracker first (npm start): each service tests the webhook against it.' : '';
    process.stderr.write(`auto-configuration failed: ${errorMessage(err)}${hint}\n`);
    process.exit(1);
  }
}

void main();
