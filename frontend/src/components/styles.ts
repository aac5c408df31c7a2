/**
 * Shared styles. Colours come from Home Assistant's theme variables (mirrored onto this
 * document by theme.ts, with light/dark defaults in index.html), with fallbacks so a
 * component also renders on its own.
 */
import { css } from 'lit';
import { STATE_COLOURS, isState } from '../../../src/contract/index.js';

export const base = css`
  :host {
    font-family: var(--ha-font-family-body, Roboto, 'Noto Sans', system-ui, sans-serif);
    color: var(--primary-text-color, #212121);
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  [hidden] {
    display: none !important;
  }
  a {
    color: var(--primary-color, #03a9f4);
  }
  :focus-visible {
    outline: 2px solid var(--primary-color, #03a9f4);
    outline-offset: 2px;
  }
  .muted {
    color: var(--secondary-text-color, #727272);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 1px 8px;
    border-radius: 10px;
    font-size: 12px;
    line-height: 18px;
    white-space: nowrap;
    background: var(--secondary-background-color, #e5e5e5);
    color: var(--primary-text-color, #212121);
  }
  .chip svg {
    width: 14px;
    height: 14px;
    fill: currentColor;
  }
  .card {
    background: var(--card-background-color, #fff);
    border-radius: var(--ha-card-border-radius, 12px);
    border: 1px solid var(--divider-color, rgba(0, 0, 0, 0.12));
    box-shadow: var(--ha-card-box-shadow, none);
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  button:disabled {
    cursor: default;
    opacity: 0.6;
  }
  /* A list without bullets or indent, its items stacked with a gap. */
  ul.stack {
    list-style: none;
    margin: 0;
    padding: 0;
    display: flex;
    flex-direction: column;
    gap: var(--mt-stack-gap, 6px);
  }
`;

/**
 * The colour of a state: `style="--state-color: ${stateColor(s)}"`. The contract's colour,
 * unless a theme sets `--mt-state-<state>`; grey for anything else (the grid's UNAIRED).
 */
export function stateColor(state: string): string {
  return `var(--mt-state-${state.toLowerCase()}, ${isState(state) ? STATE_COLOURS[state] : '#9e9e9e'})`;
}

/** Pages below the header (one request, setup): a centred column that scrolls, with a back link. */
export const pageLayout = css`
  :host {
    display: block;
    overflow-y: auto;
    min-height: 0;
  }
  .page {
    margin: 0 auto;
    padding: 12px;
    display: flex;
    flex-direction: column;
    gap: 12px;
  }
  .back {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    align-self: flex-start;
    text-decoration: none;
    font-size: 14px;
    font-weight: 500;
    padding: 6px 8px 6px 4px;
    border-radius: 8px;
  }
  .back svg {
    width: 20px;
    height: 20px;
    fill: currentColor;
  }
`;

/** A pill button outlined in the primary colour; `--mt-button-height` and `font-size` size it. */
export const outlinedButton = css`
  button.outlined {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    height: var(--mt-button-height, 36px);
    padding: 0 calc(var(--mt-button-height, 36px) * 0.42);
    border-radius: calc(var(--mt-button-height, 36px) / 2);
    border: 1px solid var(--primary-color, #03a9f4);
    background: transparent;
    color: var(--primary-color, #03a9f4);
    font-size: 14px;
    font-weight: 500;
    white-space: nowrap;
  }
`;
