/** A request's or an episode's state, as a coloured pill. */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { STATE_LABELS, isState } from '../../../src/contract/index.js';
import { base, stateColor } from './styles.js';

@customElement('mt-state-badge')
export class MtStateBadge extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: inline-flex;
        max-width: 100%;
      }
      span {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        max-width: 100%;
        padding: 2px 10px 2px 8px;
        border-radius: 12px;
        font-size: 12px;
        font-weight: 500;
        line-height: 18px;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
        color: var(--primary-text-color, #212121);
        background: color-mix(in srgb, var(--state-color) 22%, transparent);
      }
      span::before {
        content: '';
        flex: none;
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--state-color);
      }
    `,
  ];

  @property() state = '';
  /** Shown instead of the standard label (e.g. the server's `state_label`). */
  @property() label = '';

  override render() {
    const label = this.label || (isState(this.state) ? STATE_LABELS[this.state] : this.state);
    return html`<span data-testid="state-badge" data-state=${this.state} style="--state-color: ${stateColor(this.state)}">${label}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-state-badge': MtStateBadge;
  }
}
