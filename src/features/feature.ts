/**
 * A feature of the running tracker (the Zigbee2MQTT extension pattern): its constructor only
 * stores collaborators, work starts in `start()`. Starts and stops are isolated, so one
 * feature that fails is logged and the others still run.
 */
import { errorMessage, type Logger } from '../log.js';

export interface Feature {
  readonly name: string;
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** Starts each feature in order; returns those that started. */
export async function startFeatures(features: readonly Feature[], log: Logger): Promise<Feature[]> {
  const started: Feature[] = [];
  for (const f of features) {
    try {
      await f.start();
      started.push(f);
    } catch (err) {
      log.error(`feature ${f.name} failed to start: ${errorMessage(err)}; the others keep running`);
    }
  }
  return started;
}

/** Stops features in the reverse order of their start; one failing stop does not hold the others up. */
export async function stopFeatures(features: readonly Feature[], log: Logger): Promise<void> {
  for (const f of [...features].reverse()) {
    try {
      await f.stop();
    } catch (err) {
      log.warning(`stopping ${f.name}: ${errorMessage(err)}`);
    }
  }
}
