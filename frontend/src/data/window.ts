/**
 * The arithmetic of a virtual grid of fixed-height rows: which items to render for a
 * scroll position, and where. Pure, so it is unit-tested without a browser.
 */

export interface GridMetrics {
  /** Viewport width and height in px. */
  width: number;
  height: number;
  rowHeight: number;
  minColumnWidth: number;
  gap: number;
}

export interface GridWindow {
  columns: number;
  columnWidth: number;
  rows: number;
  /** Height of the whole content. */
  totalHeight: number;
  /** Items [start, end) to render. */
  start: number;
  end: number;
}

export function columnsFor(width: number, minColumnWidth: number, gap: number): number {
  return Math.max(1, Math.floor((width + gap) / (minColumnWidth + gap)));
}

export function gridWindow(count: number, scrollTop: number, m: GridMetrics, overscanRows = 2): GridWindow {
  const columns = columnsFor(m.width, m.minColumnWidth, m.gap);
  const columnWidth = Math.max(0, (m.width - (columns - 1) * m.gap) / columns);
  const rows = Math.ceil(count / columns);
  const stride = m.rowHeight + m.gap;
  const totalHeight = rows === 0 ? 0 : rows * stride - m.gap;
  const firstRow = Math.max(0, Math.floor(scrollTop / stride) - overscanRows);
  const lastRow = Math.min(rows - 1, Math.floor((scrollTop + Math.max(m.height, 0)) / stride) + overscanRows);
  const start = Math.min(count, firstRow * columns);
  const end = lastRow < firstRow ? start : Math.min(count, (lastRow + 1) * columns);
  return { columns, columnWidth, rows, totalHeight, start, end };
}

/** Item position inside the content. */
export function itemOffset(index: number, w: Pick<GridWindow, 'columns' | 'columnWidth'>, m: Pick<GridMetrics, 'rowHeight' | 'gap'>): { x: number; y: number } {
  const row = Math.floor(index / w.columns);
  const col = index % w.columns;
  return { x: col * (w.columnWidth + m.gap), y: row * (m.rowHeight + m.gap) };
}

/** The scrollTop that brings row `index` into view (unchanged when it already is). */
export function scrollToReveal(index: number, scrollTop: number, columns: number, m: Pick<GridMetrics, 'rowHeight' | 'gap' | 'height'>): number {
  const stride = m.rowHeight + m.gap;
  const top = Math.floor(index / columns) * stride;
  const bottom = top + m.rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + m.height) return Math.max(0, bottom - m.height);
  return scrollTop;
}
