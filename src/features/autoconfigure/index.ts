/**
 * Auto-configuration of the services' webhooks: on start when asked (`autoconfigure_on_start`),
 * on the bridge command, and when the doctor sees Jellyseerr's webhook slot taken back.
 * One run at a time: a second request waits for the run in flight and gets its result.
 */
import { autoconfigure, autoconfigureCommandSchema, type AutoconfigResult, type Receipts } from '../../autoconfig/index.js';
import type { PublicBase } from '../../autoconfig/urls.js';
import type { Options } from '../../config/schema.js';
import type { DoctorReport } from '../../doctor/types.js';
import type { Registry } from '../../integrations/registry.js';
import type { Logger } from '../../log.js';
import type { LocalSettings } from '../../secrets.js';
import type { Feature } from '../feature.js';

const RETAKE_EVERY_MS = 600_000;

export interface AutoconfigureDeps {
  options: Options;
  registry: Registry;
  settings: LocalSettings;
  log: Logger;
  clock: () => Date;
  /** Where the services reach the webhook listener, and its secret; null while starting. */
  target: () => { base: PublicBase; secret: string } | null;
  receipts: Receipts;
  /** Called after each run: the doctor's webhook checks change with what was configured. */
  onRun: () => void;
}

export class AutoconfigureFeature implements Feature {
  readonly name = 'autoconfigure';
  private run: Promise<AutoconfigResult> | null = null;
  private lastRetake = Number.NEGATIVE_INFINITY;

  constructor(private readonly d: AutoconfigureDeps) {}

  start(): void {
    const o = this.d.options;
    if (o.autoconfigure_on_start) void this.configure({ forwardExisting: o.forward_existing }).catch(() => undefined);
  }

  stop(): void {
    // A run in flight is not waited for: a service timing out would hold the stop up.
  }

  /** The bridge command: validates its payload, then runs. */
  async command(payload: object): Promise<AutoconfigResult> {
    const command = autoconfigureCommandSchema(this.d.registry).safeParse(payload);
    if (!command.success) {
      throw new Error(`invalid autoconfigure payload: ${command.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    }
    return this.configure({
      forwardExisting: command.data.forward_existing ?? this.d.options.forward_existing,
      ...(command.data.services ? { services: command.data.services } : {}),
    });
  }

  configure(req: { forwardExisting: boolean; services?: readonly string[] }): Promise<AutoconfigResult> {
    if (this.run) return this.run;
    const target = this.d.target();
    if (!target) return Promise.reject(new Error('the tracker is still starting; try again in a moment'));
    const log = this.d.log;
    this.run = (async () => {
      try {
        const result = await autoconfigure(this.d.options, this.d.settings, req, { ...target, receipts: this.d.receipts }, this.d.clock, this.d.registry);
        for (const a of result.actions) log[a.action === 'failed' ? 'warning' : 'info'](`${a.service}${a.instance ? `/${a.instance}` : ''}: ${a.action} (test ${a.test}) ${a.detail}`);
        this.d.onRun();
        return result;
      } finally {
        this.run = null;
      }
    })();
    return this.run;
  }

  /**
   * Home Assistant's Overseerr integration takes Jellyseerr's webhook slot back whenever it
   * loads. When the doctor sees the slot lost while a forwarding target is stored (consent
   * was given for it), take it again; at most every ten minutes, so this cannot loop.
   */
  onDoctorReport(report: DoctorReport): void {
    const lost = report.checks.some((c) => c.id === 'jellyseerr/webhook' && c.status === 'error');
    const now = this.d.clock().getTime();
    if (!lost || !this.d.settings.jellyseerrForward || now - this.lastRetake < RETAKE_EVERY_MS) return;
    this.lastRetake = now;
    void this.configure({ services: ['jellyseerr'], forwardExisting: false }).catch(() => undefined);
  }
}
