/**
 * Process entry: options → (as an add-on) the Supervisor's MQTT hand-over → tracker → signals.
 * Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 for invalid options, 1 otherwise.
 */
import { Tracker } from './app.js';
import { ConfigError, loadOptionsOrExit } from './config/load.js';
import type { Options } from './config/schema.js';
import { createLogger, errorMessage, setLogLevel } from './log.js';
import { AddonIntegration } from './supervisor/addon.js';
import { STOP_DEADLINE_MS } from './supervisor/stop-budget.js';

async function main(): Promise<void> {
  const log = createLogger();
  const source = loadOptionsOrExit();
  setLogLevel(source.options.log_level);
  log.info(`options: ${source.path ?? 'defaults (no /data/options.json, MEDIA_TRACKER_OPTIONS not set)'}`);
  const addon = AddonIntegration.fromEnv(log.child('supervisor'));

  // A holder, not a `let`: it is assigned inside closures.
  const run: { tracker: Tracker | null } = { tracker: null };
  let stopping = false;
  let started: Promise<void> = Promise.resolve();
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    setTimeout(() => {
      log.error(`stop did not finish within ${STOP_DEADLINE_MS / 1000} s; exiting`);
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    // A stop during start-up waits for it to settle, so nothing is left half-open.
    const finish = async () => {
      await started.catch(() => undefined);
      await addon?.withdraw();
      await run.tracker?.stop();
    };
    finish().then(
      () => process.exit(0),
      (err) => {
        log.error(`stop failed: ${errorMessage(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  const start = async () => {
    let options: Options = source.options;
    if (addon) options = await addon.prepare(options);
    if (stopping) return;
    const tracker = (run.tracker = new Tracker({ options, log }));
    await tracker.start();
    if (addon) await addon.announce(tracker.endpoints.mqttPort);
  };
  started = start();
  try {
    await started;
  } catch (err) {
    if (stopping) return;
    log.error(`start-up failed: ${errorMessage(err)}`);
    await run.tracker?.stop().catch(() => undefined);
    process.exit(err instanceof ConfigError ? err.exitCode : 1);
  }
  if (stopping || !run.tracker) return;
  process.stdout.write(`${run.tracker.describe()}\n${addon ? `${addon.describe()}\n` : ''}`);
}

void main();
