/**
 * Opens the store and loads it into an engine; stored requests that cannot be read are left
 * out, logged and kept in data/quarantine.jsonl for the doctor instead of stopping the start.
 */
import { Engine } from './engine.js';
import { errorMessage, type Logger } from '../log.js';
import { QUARANTINE_FILE, saveQuarantine, type Quarantined } from '../store/quarantine.js';
import { Store } from '../store/store.js';

export interface OpenEngineOptions {
  dataDir: string;
  durable: boolean;
  /** A library server is configured: AVAILABLE waits for its proof. */
  verifyAvailability: boolean;
  /** A source id's label in timeline reasons ("Grabbed by Sonarr"). */
  labelOf: (source: string) => string;
  log: Logger;
  clock?: () => Date;
}

export async function openEngine(o: OpenEngineOptions): Promise<{ engine: Engine; quarantined: Quarantined[] }> {
  const storeLog = o.log.child('store');
  const open = async () => {
    const { store, loaded } = await Store.open({ dir: o.dataDir, durable: o.durable, log: (level, msg) => storeLog[level](msg) });
    return { store, requests: loaded.requests, replay: loaded.replay, warnings: loaded.warnings, snapshotSeq: loaded.snapshotSeq };
  };
  const first = await open();
  for (const w of first.warnings) storeLog.warning(w);
  const engine = new Engine(first.store, open, { verifyAvailability: o.verifyAvailability, labelOf: o.labelOf }, o.log.child('engine'), o.clock);
  const left = engine.load(first.requests, first.replay, first.snapshotSeq);
  for (const q of left) storeLog.error(`left out ${q.origin === 'journal' ? `journal record ${q.seq}` : 'snapshot request'} (${q.id}): ${q.reason}; kept in ${QUARANTINE_FILE}, not published`);
  let quarantined: Quarantined[] = left;
  try {
    quarantined = await saveQuarantine(o.dataDir, left);
  } catch (err) {
    // Not being able to keep a copy is no reason to stay down either.
    storeLog.error(`could not write ${QUARANTINE_FILE}: ${errorMessage(err)}`);
  }
  o.log.info(`loaded ${engine.index.size} requests (${first.replay.length} journal records replayed)`);
  return { engine, quarantined };
}
