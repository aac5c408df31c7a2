/** What the doctor needs from its surroundings: the running tracker, or the command line. */
import type { PublicBase } from '../autoconfig/urls.js';
import type { Options } from '../config/schema.js';
import type { Capabilities } from '../integrations/capabilities.js';
import type { Registry } from '../integrations/registry.js';
import type { ForwardTarget } from '../secrets.js';
import type { EventClock } from './events.js';
import type { Quarantined } from '../store/quarantine.js';
import type { DoctorCheck } from './types.js';

export interface DoctorEnv {
  options: Options;
  /** The integrations to check (default: the built-in registry). */
  registry?: Registry;
  base: PublicBase;
  secret: string;
  events(): EventClock;
  forward(): ForwardTarget | null;
  /** A running integration's capabilities (its live connections); absent when no tracker runs here. */
  running?: (id: string) => Capabilities | null;
  broker(): Promise<DoctorCheck[]>;
  /** What the running tracker left out of its store at start-up; absent when no tracker runs here. */
  quarantined?: () => readonly Quarantined[];
  clock(): Date;
  timeoutMs?: number;
}
