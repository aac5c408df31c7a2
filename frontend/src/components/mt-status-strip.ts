/**
 * Connection state, the tracker's bridge state and version, counters, and each watcher's
 * health with the age of its last success (`media/bridge/info`), plus the last webhook per
 * source.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import type { WatcherStatus } from '../../../src/contract/index.js';
import { ClockController } from '../controllers/clock-controller.js';
import { ConnectionController } from '../controllers/connection-controller.js';
import { StoreController } from '../controllers/store-controller.js';
import { CONNECTION_LABELS } from '../data/connection.js';
import { statusCounts } from '../data/doctor.js';
import { ago, count, duration } from '../data/format.js';
import { base } from './styles.js';

@customElement('mt-status-strip')
export class MtStatusStrip extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
        font-size: 12px;
      }
      .strip {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 14px;
        align-items: center;
      }
      .item {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        white-space: nowrap;
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        flex: none;
        background: var(--dot, var(--secondary-text-color, #727272));
      }
      [data-state='connected'] .dot,
      [data-state='online'] .dot,
      [data-healthy='true'] .dot {
        --dot: var(--success-color, #43a047);
      }
      [data-state='connecting'] .dot,
      [data-state='reconnecting'] .dot {
        --dot: var(--warning-color, #ffa600);
      }
      [data-state='offline'] .dot,
      [data-healthy='false'] .dot {
        --dot: var(--error-color, #db4437);
      }
      .watchers {
        display: inline-flex;
        flex-wrap: wrap;
        gap: 4px 10px;
      }
      .error,
      .webhooks {
        white-space: normal;
      }
      .error {
        color: var(--error-color, #db4437);
      }
      .setup {
        text-decoration: none;
      }
      .setup[data-problems]:not([data-problems='0']) {
        color: var(--error-color, #db4437);
        font-weight: 500;
      }
      .more {
        display: none;
        border: none;
        background: none;
        padding: 0;
        color: var(--primary-color, #03a9f4);
        font-size: 12px;
      }
      /* Narrow (phones, HA's narrow layout): watchers and webhooks behind a toggle. */
      @media (max-width: 600px) {
        .more {
          display: inline;
        }
        .strip:not(.expanded) .extra {
          display: none;
        }
      }
    `,
  ];

  @state() private expanded = false;

  private readonly link = new ConnectionController(this);
  private readonly data = new StoreController(this, (change) => change.bridge);
  private readonly clock = new ClockController(this, 5_000);

  override render() {
    const connection = this.link.connection;
    const store = this.data.store;
    const status = connection?.status ?? 'connecting';
    const bridge = store?.bridgeState ?? 'unknown';
    const info = store?.bridgeInfo ?? null;
    const now = this.clock.now;
    const counts = info?.counts;
    const webhooks = Object.entries(info?.last_event ?? {}).sort(([a], [b]) => a.localeCompare(b));
    const unhealthy = info?.watchers?.filter((w) => !w.healthy).length ?? 0;
    return html`<div class="strip ${this.expanded ? 'expanded' : ''}" id="strip" data-testid="status-strip" role="region" aria-label="Status">
      <span class="item" data-testid="status-connection" data-state=${status} title=${connection?.url ?? ''} role="status" aria-live="polite">
        <span class="dot"></span>${CONNECTION_LABELS[status]}
      </span>
      ${connection?.error ? html`<span class="item error" data-testid="status-error">${connection.error}</span>` : nothing}
      <span class="item" data-testid="status-bridge" data-state=${bridge}>
        <span class="dot"></span>Tracker ${bridge === 'unknown' ? '…' : bridge}${info?.version ? html` <span class="muted">v${info.version}</span>` : nothing}
      </span>
      ${this.renderSetupLink()}
      ${
        counts
          ? html`<span class="item muted extra" data-testid="status-counts">
            ${counts.active} active · ${counts.downloading} downloading · ${counts.stuck} stuck · ${counts.available_24h} available in 24 h
          </span>`
          : nothing
      }
      ${
        info
          ? html`<button type="button" class="more" aria-expanded=${String(this.expanded)} aria-controls="strip" @click=${() => (this.expanded = !this.expanded)}>
            ${this.expanded ? 'Less' : `Details${unhealthy ? ` (${count(unhealthy, 'watcher')} failing)` : ''}`}
          </button>`
          : nothing
      }
      ${info?.watchers?.length ? html`<span class="watchers extra" aria-label="Watchers">${info.watchers.map((w) => this.renderWatcher(w, now))}</span>` : nothing}
      ${
        info?.estimates?.compared
          ? html`<span class="item muted extra" data-testid="status-estimates" title="Median of the absolute errors of the last ${info.estimates.compared} finished requests' estimates"
            >Estimates off by ~${duration(info.estimates.median_abs_error_s ?? 0)}</span
          >`
          : nothing
      }
      ${
        webhooks.length
          ? html`<span class="item muted webhooks extra" data-testid="status-webhooks">
            Webhooks: ${webhooks.map(([source, at]) => `${source} ${ago(at, now)}`).join(' · ')}
          </span>`
          : nothing
      }
    </div>`;
  }

  /** Always shown: the way to the doctor, auto-configuration and the webhook URLs. */
  private renderSetupLink() {
    const report = this.data.store?.doctor ?? null;
    const { error, warning } = statusCounts(report);
    const label = !report ? 'Setup' : error ? `Setup: ${count(error, 'problem')}` : warning ? `Setup: ${count(warning, 'warning')}` : 'Setup: all checks ok';
    return html`<a class="item setup" href="#/setup" data-testid="status-setup" data-problems=${report ? String(error) : nothing}>${label}</a>`;
  }

  private renderWatcher(w: WatcherStatus, now: number) {
    const when = w.healthy ? (w.last_ok ? `ok ${ago(w.last_ok, now)}` : 'starting') : `failing${w.last_ok ? `, last ok ${ago(w.last_ok, now)}` : ''}`;
    const title = [w.name, w.healthy ? 'healthy' : 'unhealthy', w.last_error ? `last error: ${w.last_error}` : ''].filter(Boolean).join(' — ');
    return html`<span class="item" data-testid="status-watcher" data-name=${w.name} data-healthy=${String(w.healthy)} title=${title}>
      <span class="dot"></span>${w.name} <span class="muted">${when}</span>
    </span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-status-strip': MtStatusStrip;
  }
}
