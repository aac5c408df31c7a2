/**
 * The running tracker's doctor: a run at start, every `doctor_interval_min`, and on command;
 * concurrent requests share the run in flight. Each report goes to `onReport` (retained on
 * `media/bridge/doctor`).
 */
import { errorMessage, type Logger } from '../log.js';
import type { DoctorEnv } from './env.js';
import { runDoctor } from './run.js';
import type { DoctorReport } from './types.js';

export class DoctorService {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<DoctorReport> | null = null;
  private stopped = false;
  latest: DoctorReport | null = null;

  constructor(
    private readonly env: DoctorEnv,
    private readonly onReport: (r: DoctorReport) => void,
    private readonly log: Logger,
  ) {}

  start(intervalMin: number): void {
    void this.run().catch(() => undefined);
    if (intervalMin > 0) {
      this.timer = setInterval(() => void this.run().catch(() => undefined), intervalMin * 60_000);
      this.timer.unref();
    }
  }

  run(): Promise<DoctorReport> {
    if (this.inFlight) return this.inFlight;
    this.inFlight = (async () => {
      try {
        const report = await runDoctor(this.env);
        const previous = this.latest;
        this.latest = report;
        // A run that ends after stop() publishes nothing: the broker may be gone.
        if (this.stopped) return report;
        this.onReport(report);
        const errors = report.checks.filter((c) => c.status === 'error');
        const before =
          previous?.checks
            .filter((c) => c.status === 'error')
            .map((c) => c.id)
            .join() ?? '';
        // Log when the set of errors changes, not at every run.
        if (errors.map((c) => c.id).join() !== before) {
          if (errors.length) this.log.warning(`doctor: ${errors.map((c) => `${c.id}: ${c.summary}`).join('; ')}`);
          else this.log.info('doctor: every check passes');
        }
        return report;
      } catch (err) {
        this.log.error(`doctor run failed: ${errorMessage(err)}`);
        throw err;
      } finally {
        this.inFlight = null;
      }
    })();
    return this.inFlight;
  }

  /** Stops the timer; a run in flight (services may take seconds to time out) is not waited for. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
