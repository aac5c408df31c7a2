/** A poster image, or the title's initials when there is none or it does not load. */
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { base } from './styles.js';

@customElement('mt-poster')
export class MtPoster extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
        width: 64px;
        aspect-ratio: 2 / 3;
        flex: none;
        border-radius: 8px;
        overflow: hidden;
        background: var(--secondary-background-color, #e5e5e5);
      }
      img {
        display: block;
        width: 100%;
        height: 100%;
        object-fit: cover;
      }
      .fallback {
        display: flex;
        width: 100%;
        height: 100%;
        align-items: center;
        justify-content: center;
        font-size: var(--mt-poster-font-size, 20px);
        font-weight: 500;
        color: var(--secondary-text-color, #727272);
        background: linear-gradient(160deg, color-mix(in srgb, var(--primary-color, #03a9f4) 25%, transparent), transparent);
      }
    `,
  ];

  @property() src: string | null = null;
  @property() name = '';
  @state() private failed = false;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('src')) this.failed = false;
  }

  override render() {
    if (!this.src || this.failed) {
      const initials = this.name
        .split(/\s+/)
        .filter((w) => /^[\p{L}\p{N}]/u.test(w))
        .slice(0, 2)
        .map((w) => w[0]?.toUpperCase())
        .join('');
      return html`<div class="fallback" aria-hidden="true">${initials || '?'}</div>`;
    }
    return html`<img
      src=${this.src}
      alt=""
      loading="lazy"
      decoding="async"
      referrerpolicy="no-referrer"
      @error=${() => (this.failed = true)}
    />`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-poster': MtPoster;
  }
}
