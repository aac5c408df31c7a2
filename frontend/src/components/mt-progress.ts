/** A thin progress bar with its value for assistive technology. */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { percent } from '../data/format.js';
import { base } from './styles.js';

@customElement('mt-progress')
export class MtProgress extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      .track {
        height: 6px;
        border-radius: 3px;
        overflow: hidden;
        background: var(--secondary-background-color, #e5e5e5);
      }
      .bar {
        height: 100%;
        border-radius: 3px;
        background: var(--state-color, var(--primary-color, #03a9f4));
        transition: width 0.4s ease;
      }
    `,
  ];

  /** 0..1 */
  @property({ type: Number }) value = 0;
  @property() label = 'Progress';

  override render() {
    const v = Math.max(0, Math.min(1, this.value || 0));
    return html`<div
      class="track"
      role="progressbar"
      aria-label=${this.label}
      aria-valuemin="0"
      aria-valuemax="100"
      aria-valuenow=${Math.round(v * 100)}
      aria-valuetext=${percent(v)}
    >
      <div class="bar" style="width: ${(v * 100).toFixed(1)}%"></div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-progress': MtProgress;
  }
}
