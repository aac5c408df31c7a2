/** What the doctor needs from its surroundings: the running tracker, or the command line. */
import type { PublicBase } from '../autoconfig/urls.js';
import type { Options } from '../config/schema.js';
import type { ForwardTarget } from '../secrets.js';
import type { EventClock } from './events.js';
import type { Quarantined } from '../store/quarantine.js';
import type { DoctorCheck } from './types.js';

export interface DoctorEnv {
  options: Options;
  base: PublicBase;
  secret: string;
  events(): EventClock;
  forward(): ForwardTarget | null;
  /** The tracker's own Shoko SignalR connection; null when no tracker runs here (then the hub is probed). */
  shoko: (() => { connected: boolean; connecting: boolean; detail: string | null }) | null;
  broker(): Promise<DoctorCheck[]>;
  /** What the running tracker left out of its store at start-up; absent when no tracker runs here. */
  quarantined?: () => readonly Quarantined[];
  clock(): Date;
  timeoutMs?: number;
}
