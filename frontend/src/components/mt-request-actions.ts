/**
 * Approve and decline (while the request waits for approval), retry, refresh Jellyfin and forget: each publishes `<base>/<id>/set/<action>` with a transaction id and
 * shows the tracker's answer from `<base>/<id>/response`. Forget asks for a second click.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CommandResponse, RequestAction } from '../../../src/contract/index.js';
import { CommandController } from '../controllers/command-controller.js';
import { icon } from './icons.js';
import { base, outlinedButton } from './styles.js';

const CONFIRM_MS = 5_000;

@customElement('mt-request-actions')
export class MtRequestActions extends LitElement {
  static override styles = [
    base,
    outlinedButton,
    css`
      :host {
        display: block;
      }
      .buttons {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      button.danger {
        border-color: var(--error-color, #db4437);
        color: var(--error-color, #db4437);
      }
      button.danger.confirm {
        background: var(--error-color, #db4437);
        color: #fff;
      }
      button svg {
        width: 18px;
        height: 18px;
        fill: currentColor;
      }
      .response {
        margin: 8px 0 0;
        font-size: 13px;
        word-break: break-word;
      }
      .response[data-status='ok'] {
        color: var(--success-color, #43a047);
      }
      .response[data-status='error'] {
        color: var(--error-color, #db4437);
      }
    `,
  ];

  @property() requestId = '';
  /** Approve and Decline are offered (the request waits for approval and a request manager is configured). */
  @property({ type: Boolean }) decidable = false;
  @state() private confirming = false;

  private readonly command = new CommandController<RequestAction>(this);
  private confirmTimer: ReturnType<typeof setTimeout> | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    this.confirming = false;
  }

  override render() {
    const { busy, response } = this.command;
    const disabled = !this.command.connected || busy !== null;
    return html`<div class="buttons" role="group" aria-label="Actions">
        ${
          this.decidable
            ? html`<button type="button" class="outlined" data-testid="action-approve" ?disabled=${disabled} title="Approve the request in Jellyseerr" @click=${() => this.run('approve')}>
                  ${busy === 'approve' ? 'Approving…' : 'Approve'}
                </button>
                <button type="button" class="outlined danger" data-testid="action-decline" ?disabled=${disabled} title="Decline the request in Jellyseerr" @click=${() => this.run('decline')}>
                  ${busy === 'decline' ? 'Declining…' : 'Decline'}
                </button>`
            : nothing
        }
        <button
          type="button"
          class="outlined"
          data-testid="action-retry"
          ?disabled=${disabled}
          title="Search again: the request goes back to Searching"
          @click=${() => this.run('retry')}
        >
          ${icon('retry')}${busy === 'retry' ? 'Retrying…' : 'Retry'}
        </button>
        <button
          type="button"
          class="outlined"
          data-testid="action-refresh"
          ?disabled=${disabled}
          title="Ask Jellyfin to scan its libraries (at most one scan every 10 minutes)"
          @click=${() => this.run('refresh')}
        >
          ${icon('refresh')}${busy === 'refresh' ? 'Refreshing…' : 'Refresh Jellyfin'}
        </button>
        <button
          type="button"
          class="outlined danger ${this.confirming ? 'confirm' : ''}"
          data-testid="action-forget"
          ?disabled=${disabled}
          title="Stop tracking this request and remove it from Home Assistant"
          @click=${this.onForget}
        >
          ${icon('delete')}${busy === 'forget' ? 'Forgetting…' : this.confirming ? 'Click again to forget' : 'Forget'}
        </button>
      </div>
      <p class="response" role="status" aria-live="polite" data-testid="action-response" data-status=${response?.status ?? ''}>
        ${response ? this.describe(response) : nothing}
      </p>`;
  }

  private onForget(): void {
    if (!this.confirming) {
      this.confirming = true;
      this.confirmTimer = setTimeout(() => (this.confirming = false), CONFIRM_MS);
      return;
    }
    if (this.confirmTimer) clearTimeout(this.confirmTimer);
    this.confirming = false;
    void this.run('forget');
  }

  private run(action: RequestAction): Promise<void> {
    return this.command.run(action, (connection) => connection.command(this.requestId, action));
  }

  private describe(r: CommandResponse): string {
    const action = r.action || 'command';
    if (r.status !== 'ok') return `${action} failed: ${r.error ?? 'unknown error'}`;
    const detail = r.refresh ?? r.search ?? r.decision;
    return detail ? `${action}: ok — ${detail}` : `${action}: ok`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-request-actions': MtRequestActions;
  }
}
