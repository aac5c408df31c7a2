/**
 * The webhook URLs to paste into the services that send webhooks (as panel.json lists their
 * routes), with the secret masked on screen and a copy button that copies the real value.
 */
import { consume } from '@lit/context';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { serviceLabel } from '../../../src/contract/index.js';
import { configContext } from '../context.js';
import { StoreController } from '../controllers/store-controller.js';
import { EMPTY_CONFIG, webhookUrls, type PanelConfig } from '../data/panel-config.js';
import { copyText } from './copy.js';
import { base, outlinedButton } from './styles.js';

@customElement('mt-webhooks')
export class MtWebhooks extends LitElement {
  static override styles = [
    base,
    outlinedButton,
    css`
      :host {
        display: block;
        font-size: 13px;
      }
      ul.stack {
        --mt-stack-gap: 10px;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 4px 8px;
      }
      .name {
        font-weight: 500;
        min-width: 120px;
      }
      code {
        flex: 1 1 240px;
        min-width: 0;
        overflow-wrap: anywhere;
        font-size: 12px;
        padding: 4px 6px;
        border-radius: 6px;
        background: var(--secondary-background-color, #e5e5e5);
      }
      button.outlined {
        --mt-button-height: 28px;
        font-size: 12px;
      }
      .note {
        margin: 10px 0 0;
        font-size: 12px;
      }
    `,
  ];

  @consume({ context: configContext, subscribe: true })
  @state()
  private config: PanelConfig = EMPTY_CONFIG;

  /** Service names come with the bridge info. */
  private readonly data = new StoreController(this, (change) => change.bridge);

  /** Whether the last copy worked, for the confirmation; null before the first. */
  @state() private copied: boolean | null = null;

  override render() {
    const integrations = this.data.store?.bridgeInfo?.integrations;
    const urls = webhookUrls(this.config, location.href, integrations);
    if (!urls.length) return html`<p class="muted" data-testid="webhooks-missing">The tracker did not say where its webhooks listen (an older tracker?).</p>`;
    return html`<ul class="stack">
        ${urls.map((u) => {
          const name = `${serviceLabel(u.service, integrations)}${u.where ? ` (${u.where})` : ''}${u.instance ? ` (${u.instance})` : ''}`;
          return html`<li data-testid="webhook" data-service=${u.service} data-instance=${u.instance ?? ''}>
            <div class="row">
              <span class="name">${name}</span>
              <code data-testid="webhook-url">${u.shown}</code>
              <button type="button" class="outlined" data-testid="webhook-copy" aria-label=${`Copy the ${name} webhook URL`} @click=${() => this.copy(u.url)}>Copy</button>
            </div>
            ${
              u.header
                ? html`<div class="row">
                  <span class="name muted">Authorization Header</span>
                  <code data-testid="webhook-header">${u.header.shown}</code>
                  <button type="button" class="outlined" data-testid="webhook-copy-header" aria-label=${`Copy the ${name} Authorization header`} @click=${() => this.copy(u.header!.value)}>
                    Copy
                  </button>
                </div>`
                : nothing
            }
          </li>`;
        })}
      </ul>
      <p class="note muted" role="status" aria-live="polite" data-testid="webhook-copied">
        ${this.copied === null ? '' : this.copied ? 'Copied, secret included.' : 'The browser refused to copy.'}
      </p>
      <p class="note muted">On ${new URL(location.href).hostname}, the webhook port as the add-on maps it; use the address the services reach it on.</p>`;
  }

  private async copy(text: string): Promise<void> {
    this.copied = await copyText(text);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-webhooks': MtWebhooks;
  }
}
