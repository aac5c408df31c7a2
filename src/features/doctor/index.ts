/**
 * The doctor while the tracker runs: a run at start, every `doctor_interval_min` and on
 * command; each report retained on `<base>/bridge/doctor` and handed to the listeners.
 */
import type { PublicBase } from '../../autoconfig/urls.js';
import type { Options } from '../../config/schema.js';
import type { EventClock } from '../../doctor/events.js';
import { DoctorService } from '../../doctor/service.js';
import type { DoctorCheck, DoctorReport } from '../../doctor/types.js';
import type { Capabilities } from '../../integrations/capabilities.js';
import type { Registry } from '../../integrations/registry.js';
import type { Logger } from '../../log.js';
import type { MqttBus } from '../../mqtt/bus.js';
import type { Topics } from '../../contract/index.js';
import type { ForwardTarget } from '../../secrets.js';
import type { Quarantined } from '../../store/quarantine.js';
import type { Feature } from '../feature.js';

const RETAINED = { retain: true, qos: 1 } as const;

export interface DoctorDeps {
  options: Options;
  bus: MqttBus;
  topics: Topics;
  log: Logger;
  clock: () => Date;
  target: () => { base: PublicBase; secret: string };
  events: () => EventClock;
  forward: () => ForwardTarget | null;
  registry: Registry;
  /** A running integration's capabilities (its live connections). */
  running: (id: string) => Capabilities | null;
  broker: () => DoctorCheck[];
  quarantined: () => readonly Quarantined[];
}

export class DoctorFeature implements Feature {
  readonly name = 'doctor';
  private service: DoctorService | null = null;
  private readonly listeners: Array<(r: DoctorReport) => void> = [];

  constructor(private readonly d: DoctorDeps) {}

  onReport(listener: (r: DoctorReport) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    const d = this.d;
    const { base, secret } = d.target();
    this.service = new DoctorService(
      {
        options: d.options,
        base,
        secret,
        events: d.events,
        forward: d.forward,
        registry: d.registry,
        running: d.running,
        broker: async () => d.broker(),
        quarantined: d.quarantined,
        clock: d.clock,
      },
      (report) => {
        d.bus.publishJson(d.topics.bridgeDoctor, report, RETAINED);
        for (const l of this.listeners) l(report);
      },
      d.log,
    );
    this.service.start(d.options.doctor_interval_min);
  }

  /** A run now (shared with one in flight). */
  run(): Promise<DoctorReport> {
    if (!this.service) return Promise.reject(new Error('the doctor is not running yet'));
    return this.service.run();
  }

  /** Stops the timer; runs in flight are not waited for and publish nothing. */
  stop(): void {
    this.service?.stop();
  }
}
