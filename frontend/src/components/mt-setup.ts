/**
 * The setup page (`#/setup`): the doctor's checks, auto-configuration of the services'
 * webhooks (`bridge/set/autoconfigure`, with its answer listed per service), and the webhook
 * URLs to paste by hand. A read-only viewer (panel.json `commands: false`) gets the doctor's report
 * and a note saying why there is nothing else: no buttons, and no webhook secret to show.
 */
import { consume } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { serviceLabel, type AutoconfigureAction, type AutoconfigureResult } from '../../../src/contract/index.js';
import { configContext } from '../context.js';
import { CommandController } from '../controllers/command-controller.js';
import { StoreController } from '../controllers/store-controller.js';
import { parseAutoconfigureResult } from '../data/doctor.js';
import { EMPTY_CONFIG, type PanelConfig } from '../data/panel-config.js';
import { icon } from './icons.js';
import { readOnlyNote, readOnlyStyles } from './read-only.js';
import { base, pageLayout } from './styles.js';
import './mt-doctor.js';
import './mt-webhooks.js';

const ACTION_LABELS: Record<AutoconfigureAction['action'], string> = {
  created: 'Created',
  updated: 'Updated',
  unchanged: 'Already set up',
  skipped: 'Skipped',
  failed: 'Failed',
};

@customElement('mt-setup')
export class MtSetup extends LitElement {
  static override styles = [
    base,
    pageLayout,
    readOnlyStyles,
    css`
      .page {
        max-width: 900px;
      }
      section {
        padding: 16px;
      }
      h2 {
        margin: 0 0 4px;
        font-size: 16px;
        font-weight: 500;
      }
      .lead {
        margin: 0 0 12px;
        font-size: 13px;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 8px 16px;
        font-size: 13px;
      }
      button {
        height: 36px;
        padding: 0 16px;
        border-radius: 18px;
        border: none;
        background: var(--primary-color, #03a9f4);
        color: var(--text-primary-color, #fff);
        font-size: 14px;
        font-weight: 500;
      }
      label {
        display: inline-flex;
        align-items: center;
        gap: 6px;
      }
      ul.stack {
        margin-top: 12px;
        font-size: 13px;
      }
      li {
        display: grid;
        grid-template-columns: minmax(110px, auto) auto minmax(0, 1fr);
        gap: 2px 10px;
        align-items: baseline;
      }
      li .detail {
        overflow-wrap: anywhere;
      }
      .outcome {
        font-weight: 500;
        white-space: nowrap;
      }
      [data-action='failed'] .outcome,
      .error {
        color: var(--error-color, #db4437);
      }
      [data-action='created'] .outcome,
      [data-action='updated'] .outcome {
        color: var(--success-color, #43a047);
      }
      .jellyfin {
        margin: 12px 0 0;
        font-size: 13px;
        white-space: pre-wrap;
        overflow-wrap: anywhere;
      }
      @media (max-width: 480px) {
        li {
          grid-template-columns: minmax(0, 1fr) auto;
        }
        li .detail {
          grid-column: 1 / 3;
        }
      }
    `,
  ];

  @property() backHref = '#/';
  @state() private forward = true;

  @consume({ context: configContext, subscribe: true })
  @state()
  private config: PanelConfig = EMPTY_CONFIG;

  private readonly command = new CommandController<'autoconfigure'>(this);
  /** Service names come with the bridge info. */
  private readonly data = new StoreController(this, (change) => change.bridge);

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('autoconfigure', this.onAutoconfigure);
    document.title = 'Setup · Media Tracker';
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('autoconfigure', this.onAutoconfigure);
    document.title = 'Media Tracker';
  }

  override render() {
    const { connected, busy } = this.command;
    return html`<div class="page" data-testid="setup">
      <a class="back" href=${this.backHref} data-testid="back">${icon('back')}All requests</a>
      <section class="card" aria-labelledby="checks" data-testid="doctor-section">
        <h2 id="checks">Checks</h2>
        <p class="lead muted">Can the tracker reach each service, and do the services send it their webhooks?</p>
        <mt-doctor .readOnly=${!this.config.commands}></mt-doctor>
      </section>
      ${this.config.commands ? this.renderCommands(connected, busy) : html`<section class="card">${readOnlyNote(this.config.viewer)}</section>`}
    </div>`;
  }

  /** Auto-configuration and the webhook URLs: for a viewer who may command. */
  private renderCommands(connected: boolean, busy: string | null) {
    return html`<section class="card" aria-labelledby="autoconfigure">
        <h2 id="autoconfigure">Auto-configuration</h2>
        <p class="lead muted">Creates or updates the Media Tracker webhook in Sonarr, Radarr and Jellyseerr, and tests it.</p>
        <div class="row">
          <button type="button" data-testid="autoconfigure-run" ?disabled=${!connected || busy !== null} @click=${() => this.autoconfigure()}>
            ${busy ? 'Configuring…' : 'Configure webhooks'}
          </button>
          <label>
            <input type="checkbox" data-testid="autoconfigure-forward" .checked=${this.forward} @change=${(e: Event) => (this.forward = (e.target as HTMLInputElement).checked)} />
            Keep Jellyseerr's current webhook working (forward to it)
          </label>
        </div>
        ${this.renderResult()}
      </section>
      <section class="card" aria-labelledby="webhooks">
        <h2 id="webhooks">Webhook URLs</h2>
        <p class="lead muted">To set up by hand: paste these in each service (Settings → Connect / Notifications → Webhook).</p>
        <mt-webhooks></mt-webhooks>
      </section>`;
  }

  private renderResult() {
    const r = this.command.response;
    if (!r) return html`<div role="status" aria-live="polite" data-testid="autoconfigure-result"></div>`;
    if (r.status !== 'ok') {
      return html`<p class="error" role="status" aria-live="polite" data-testid="autoconfigure-result" data-status="error">Auto-configuration failed: ${r.error ?? 'unknown error'}</p>`;
    }
    const result: AutoconfigureResult | null = parseAutoconfigureResult(r.result);
    const integrations = this.data.store?.bridgeInfo?.integrations;
    return html`<div role="status" aria-live="polite" data-testid="autoconfigure-result" data-status="ok">
      ${
        result?.actions.length
          ? html`<ul class="stack" aria-label="What auto-configuration did">
            ${result.actions.map(
              (a) => html`<li data-testid="autoconfigure-action" data-service=${a.service} data-action=${a.action}>
                <span>${serviceLabel(a.service, integrations)}${a.instance && a.instance !== a.service ? html` <span class="muted">(${a.instance})</span>` : nothing}</span>
                <span class="outcome">${ACTION_LABELS[a.action]}${a.test !== 'not run' ? html` <span class="muted">· test ${a.test}</span>` : nothing}</span>
                <span class="detail muted">${a.detail}</span>
              </li>`,
            )}
          </ul>`
          : html`<p class="muted">Nothing to configure.</p>`
      }
      ${result?.jellyfin ? html`<p class="jellyfin" data-testid="autoconfigure-jellyfin"><strong>Jellyfin:</strong> ${result.jellyfin}</p>` : nothing}
    </div>`;
  }

  private readonly onAutoconfigure = (e: CustomEvent<{ services?: string[] }>): void => {
    void this.autoconfigure(e.detail.services);
    // Show what happened: the result is in this section.
    this.renderRoot.querySelector('#autoconfigure')?.scrollIntoView({ block: 'nearest' });
  };

  private autoconfigure(services?: string[]): Promise<void> {
    return this.command.run('autoconfigure', (connection) => connection.bridgeCommand('autoconfigure', { ...(services ? { services } : {}), forward_existing: this.forward }));
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-setup': MtSetup;
  }
}
