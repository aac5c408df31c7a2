/**
 * The doctor's report (`<base>/bridge/doctor`): one group per integration with its checks
 * (status, summary, detail), "Run checks" (`bridge/set/doctor`) and, on a check the tracker
 * can fix, "Fix automatically" (fires `autoconfigure` with that service; the setup page runs it).
 * Read-only (a viewer whose commands are not carried out), the report without either button.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { serviceLabel, type CheckStatus, type DoctorCheck } from '../../../src/contract/index.js';
import { ClockController } from '../controllers/clock-controller.js';
import { CommandController } from '../controllers/command-controller.js';
import { StoreController } from '../controllers/store-controller.js';
import { byIntegration, statusCounts } from '../data/doctor.js';
import { ago, count } from '../data/format.js';
import { fireEvent } from './events.js';
import { base, outlinedButton } from './styles.js';

const STATUS_LABELS: Record<CheckStatus, string> = { ok: 'OK', warning: 'Warning', error: 'Problem', skipped: 'Skipped' };

@customElement('mt-doctor')
export class MtDoctor extends LitElement {
  static override styles = [
    base,
    outlinedButton,
    css`
      :host {
        display: block;
        font-size: 13px;
      }
      .bar {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 12px;
        margin-bottom: 12px;
      }
      .groups {
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      h4 {
        display: flex;
        align-items: center;
        gap: 8px;
        margin: 0 0 6px;
        font-size: 14px;
        font-weight: 500;
      }
      li {
        display: grid;
        grid-template-columns: auto minmax(0, 1fr) auto;
        gap: 2px 8px;
        align-items: start;
      }
      .detail {
        grid-column: 2 / 4;
        overflow-wrap: anywhere;
        font-size: 12px;
      }
      .summary {
        overflow-wrap: anywhere;
      }
      .status {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        font-size: 11px;
        font-weight: 500;
        padding: 1px 8px;
        border-radius: 10px;
        white-space: nowrap;
        background: color-mix(in srgb, var(--status-color) 18%, transparent);
      }
      .status::before {
        content: '';
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--status-color);
      }
      [data-status='ok'] {
        --status-color: var(--success-color, #43a047);
      }
      [data-status='warning'] {
        --status-color: var(--warning-color, #ffa600);
      }
      [data-status='error'] {
        --status-color: var(--error-color, #db4437);
      }
      [data-status='skipped'] {
        --status-color: var(--secondary-text-color, #727272);
      }
      button.outlined {
        --mt-button-height: 32px;
        font-size: 13px;
      }
      button.fix {
        --mt-button-height: 28px;
        font-size: 12px;
      }
      .response[data-status='error'] {
        color: var(--error-color, #db4437);
      }
      @media (max-width: 600px) {
        li {
          grid-template-columns: auto minmax(0, 1fr);
        }
        li button.fix {
          grid-column: 2;
          grid-row: 3;
          justify-self: start;
          margin-top: 4px;
        }
        .detail {
          grid-column: 2;
        }
      }
    `,
  ];

  /** No command buttons: the viewer may not send commands. */
  @property({ type: Boolean }) readOnly = false;

  private readonly data = new StoreController(this, (change) => change.bridge);
  private readonly command = new CommandController<'doctor'>(this);
  private readonly clock = new ClockController(this, 10_000);

  override render() {
    const report = this.data.store?.doctor ?? null;
    const integrations = this.data.store?.bridgeInfo?.integrations ?? [];
    const { connected, busy, response } = this.command;
    const counts = statusCounts(report);
    return html`<div class="bar">
        ${
          this.readOnly
            ? nothing
            : html`<button type="button" class="outlined" data-testid="doctor-run" ?disabled=${!connected || busy !== null} @click=${this.run}>${busy ? 'Checking…' : 'Run checks'}</button>`
        }
        <span class="muted" data-testid="doctor-summary">
          ${
            report
              ? html`${count(counts.error, 'problem')}, ${count(counts.warning, 'warning')}, ${counts.ok} ok
              ${report.checked_at ? html`· checked ${ago(report.checked_at, this.clock.now)}` : nothing}`
              : 'No report from the tracker yet.'
          }
        </span>
        <span class="response" role="status" aria-live="polite" data-testid="doctor-response" data-status=${response?.status ?? ''}>
          ${response?.status === 'error' ? `Checks failed: ${response.error ?? 'unknown error'}` : response ? 'Checks done.' : ''}
        </span>
      </div>
      ${
        report
          ? html`<div class="groups">
            ${byIntegration(report, integrations).map(
              (g) => html`<div role="group" aria-labelledby=${`doctor-${g.integration}`} data-testid="doctor-integration" data-integration=${g.integration} data-status=${g.status}>
                <h4 id=${`doctor-${g.integration}`}>
                  ${serviceLabel(g.integration, integrations)}<span class="status" data-status=${g.status}>${STATUS_LABELS[g.status]}</span>
                </h4>
                <ul class="stack">
                  ${g.checks.map((c) => this.renderCheck(c, connected))}
                </ul>
              </div>`,
            )}
          </div>`
          : nothing
      }`;
  }

  private renderCheck(c: DoctorCheck, connected: boolean) {
    // The service auto-configuration can fix this check on, if any (the tracker marks such checks).
    const fix = c.fix === 'autoconfigure' && c.status !== 'ok' && !this.readOnly ? c.integration : null;
    return html`<li data-testid="doctor-check" data-id=${c.id} data-status=${c.status}>
      <span class="status" data-status=${c.status}>${STATUS_LABELS[c.status]}</span>
      <span class="summary">${c.instance && c.instance !== c.integration ? html`<span class="muted">${c.instance}:</span> ` : nothing}${c.summary}</span>
      ${
        fix
          ? html`<button
            type="button"
            class="outlined fix"
            data-testid="doctor-fix"
            data-integration=${fix}
            ?disabled=${!connected}
            aria-label=${`Fix automatically: ${c.summary}`}
            @click=${() => fireEvent(this, 'autoconfigure', { services: [fix] })}
          >
            Fix automatically
          </button>`
          : nothing
      }
      ${c.detail ? html`<span class="detail muted">${c.detail}</span>` : nothing}
    </li>`;
  }

  private run(): Promise<void> {
    return this.command.run('doctor', (connection) => connection.bridgeCommand('doctor'));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-doctor': MtDoctor;
  }
}
