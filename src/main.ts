/** Process entry: options → tracker → signals. Exit code 2 for invalid options. */
import { Tracker } from './app.js';
import { ConfigError, loadOptions } from './config/load.js';
import { createLogger, errorMessage, setLogLevel } from './log.js';

async function main(): Promise<void> {
  const log = createLogger();
  let source;
  try {
    source = loadOptions();
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    process.exit(err instanceof ConfigError ? err.exitCode : 1);
  }
  setLogLevel(source.options.log_level);
  log.info(`options: ${source.path ?? 'defaults (no /data/options.json, MEDIA_TRACKER_OPTIONS not set)'}`);
  const tracker = new Tracker({ options: source.options, log });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    tracker.stop().then(
      () => process.exit(0),
      (err) => {
        log.error(`stop failed: ${errorMessage(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await tracker.start();
  } catch (err) {
    log.error(`start-up failed: ${errorMessage(err)}`);
    await tracker.stop().catch(() => undefined);
    process.exit(err instanceof ConfigError ? err.exitCode : 1);
  }
  process.stdout.write(`${tracker.describe()}\n`);
}

void main();
