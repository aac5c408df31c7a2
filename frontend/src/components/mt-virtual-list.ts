/**
 * A windowed grid: only the rows in view (plus a few) are in the DOM, so 10,000 requests
 * scroll as smoothly as 10. Rows have a fixed height; the number of columns follows the
 * width. Arrow keys, Page Up/Down, Home and End move the focus between items, scrolling
 * items that are not rendered yet into view first.
 *
 * Written here rather than taken from @lit-labs/virtualizer: fixed-height cards need
 * ~150 lines, and the labs package is still pre-1.0 with a larger API than we use.
 */
import { LitElement, css, html, type PropertyValues, type TemplateResult } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { gridWindow, itemOffset, scrollToReveal, type GridMetrics } from '../data/window.js';
import { base } from './styles.js';

@customElement('mt-virtual-list')
export class MtVirtualList<T = unknown> extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
        position: relative;
        min-height: 0;
      }
      .scroller {
        position: absolute;
        inset: 0;
        overflow-y: auto;
        overscroll-behavior: contain;
        padding: var(--mt-list-padding, 12px);
      }
      .content {
        position: relative;
      }
      .item {
        position: absolute;
        top: 0;
        left: 0;
        contain: layout style;
      }
    `,
  ];

  @property({ attribute: false }) items: readonly T[] = [];
  @property({ attribute: false }) renderItem: (item: T, index: number) => TemplateResult = () => html``;
  @property({ attribute: false }) keyOf: (item: T, index: number) => unknown = (_item, index) => index;
  @property({ type: Number }) rowHeight = 100;
  @property({ type: Number }) minColumnWidth = 320;
  @property({ type: Number }) gap = 12;
  @property() label = '';

  @state() private offset = 0;
  @state() private viewWidth = 0;
  @state() private viewHeight = 0;
  @query('.scroller') private scroller!: HTMLElement;

  private resizeObserver: ResizeObserver | null = null;
  /** Kept across `display: none` (the list is hidden while a detail view is open). */
  private savedScrollTop = 0;
  private padding = 12;

  override connectedCallback(): void {
    super.connectedCallback();
    this.resizeObserver = new ResizeObserver(() => this.measure());
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  protected override firstUpdated(): void {
    this.resizeObserver?.observe(this.scroller);
    this.measure();
  }

  protected override updated(changed: PropertyValues<this>): void {
    // A shorter list may have clamped the scroll position.
    if (changed.has('items') && this.scroller.clientHeight > 0 && this.scroller.scrollTop !== this.offset) this.offset = this.scroller.scrollTop;
  }

  /** Scrolls to the top (new filter or sort). */
  resetScroll(): void {
    if (this.scroller) this.scroller.scrollTop = 0;
    this.savedScrollTop = 0;
    this.offset = 0;
  }

  override render() {
    const w = gridWindow(this.items.length, Math.max(0, this.offset - this.padding), this.metrics());
    const visible = this.items.slice(w.start, w.end);
    return html`<div class="scroller" role="list" aria-label=${this.label} @scroll=${this.onScroll} @keydown=${this.onKeyDown}>
      <div class="content" style="height: ${w.totalHeight}px">
        ${repeat(
          visible,
          (item, i) => this.keyOf(item, w.start + i),
          (item, i) => {
            const index = w.start + i;
            const { x, y } = itemOffset(index, w, this.metrics());
            return html`<div
              class="item"
              role="listitem"
              aria-setsize=${this.items.length}
              aria-posinset=${index + 1}
              data-index=${index}
              style="transform: translate(${x}px, ${y}px); width: ${w.columnWidth}px; height: ${this.rowHeight}px"
            >
              ${this.renderItem(item, index)}
            </div>`;
          },
        )}
      </div>
    </div>`;
  }

  private metrics(): GridMetrics {
    return { width: this.viewWidth, height: this.viewHeight, rowHeight: this.rowHeight, minColumnWidth: this.minColumnWidth, gap: this.gap };
  }

  private measure(): void {
    const el = this.scroller;
    if (!el) return;
    const style = getComputedStyle(el);
    this.padding = parseFloat(style.paddingTop) || 0;
    const width = el.clientWidth - (parseFloat(style.paddingLeft) || 0) - (parseFloat(style.paddingRight) || 0);
    if (el.clientHeight === 0) return; // hidden: keep the last geometry
    this.viewWidth = Math.max(0, width);
    this.viewHeight = el.clientHeight;
    if (this.savedScrollTop && el.scrollTop !== this.savedScrollTop) el.scrollTop = this.savedScrollTop;
    this.offset = el.scrollTop;
  }

  private onScroll(): void {
    const top = this.scroller.scrollTop;
    if (this.scroller.clientHeight > 0) this.savedScrollTop = top;
    // Re-render only when the rendered rows change.
    const m = this.metrics();
    const before = gridWindow(this.items.length, Math.max(0, this.offset - this.padding), m);
    const after = gridWindow(this.items.length, Math.max(0, top - this.padding), m);
    if (before.start !== after.start || before.end !== after.end) this.offset = top;
  }

  private async onKeyDown(e: KeyboardEvent): Promise<void> {
    const from = this.indexOf(e);
    if (from === null) return;
    const w = gridWindow(this.items.length, this.offset, this.metrics());
    const perPage = Math.max(1, Math.floor(this.viewHeight / (this.rowHeight + this.gap))) * w.columns;
    const last = this.items.length - 1;
    const target = (
      {
        ArrowDown: from + w.columns,
        ArrowUp: from - w.columns,
        ArrowRight: w.columns > 1 ? from + 1 : null,
        ArrowLeft: w.columns > 1 ? from - 1 : null,
        PageDown: from + perPage,
        PageUp: from - perPage,
        Home: 0,
        End: last,
      } as Record<string, number | null>
    )[e.key];
    if (target === undefined || target === null) return;
    e.preventDefault();
    await this.focusIndex(Math.max(0, Math.min(last, target)));
  }

  /** Scrolls item `index` into view and focuses it. */
  async focusIndex(index: number): Promise<void> {
    const el = this.scroller;
    const w = gridWindow(this.items.length, this.offset, this.metrics());
    // Item positions are relative to the content, which starts below the scroller's padding.
    const contentTop = scrollToReveal(index, el.scrollTop - this.padding, w.columns, this.metrics());
    const top = index < w.columns ? 0 : contentTop + this.padding;
    if (Math.abs(top - el.scrollTop) > 1) {
      el.scrollTop = top;
      this.offset = el.scrollTop;
      await this.updateComplete;
    }
    const item = this.renderRoot.querySelector<HTMLElement>(`.item[data-index="${index}"]`);
    (item?.firstElementChild as HTMLElement | null)?.focus();
  }

  private indexOf(e: Event): number | null {
    for (const node of e.composedPath()) {
      if (node instanceof HTMLElement && node.classList.contains('item')) return Number(node.dataset.index);
      if (node === this.scroller) break;
    }
    return null;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'mt-virtual-list': MtVirtualList;
  }
}
