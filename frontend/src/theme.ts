/**
 * Home Assistant's theme inside the ingress iframe. HA's CSS variables do not cascade
 * into an iframe, but ingress is same-origin, so the panel copies the ones it uses from
 * the parent document onto its own root (docs/upstreams.md §9.4). Standalone (direct port, or
 * a cross-origin parent) it falls back to index.html's light/dark palettes, chosen by
 * `prefers-color-scheme`. HA sends no message on theme changes: re-read on focus,
 * visibility changes and every few seconds.
 */

export const THEME_VARIABLES = [
  '--primary-color',
  '--accent-color',
  '--primary-background-color',
  '--secondary-background-color',
  '--card-background-color',
  '--primary-text-color',
  '--secondary-text-color',
  '--text-primary-color',
  '--divider-color',
  '--error-color',
  '--warning-color',
  '--success-color',
  '--info-color',
  '--app-header-background-color',
  '--app-header-text-color',
  '--ha-card-border-radius',
  '--ha-card-box-shadow',
  '--ha-font-family-body',
] as const;

interface ParentTheme {
  values: Map<string, string>;
  dark: boolean | null;
}

function readParent(win: Window): ParentTheme | null {
  try {
    if (win.parent === win) return null;
    const doc = win.parent.document; // throws when cross-origin
    const style = win.parent.getComputedStyle(doc.documentElement);
    const values = new Map<string, string>();
    for (const name of THEME_VARIABLES) {
      const value = style.getPropertyValue(name).trim();
      if (value) values.set(name, value);
    }
    if (values.size === 0) return null;
    const scheme = doc.querySelector('meta[name="color-scheme"]')?.getAttribute('content')?.trim();
    const background = values.get('--primary-background-color');
    const dark = background ? isDark(background) : scheme === 'dark' ? true : scheme === 'light' ? false : null;
    return { values, dark };
  } catch {
    return null;
  }
}

/** Whether a CSS colour is dark, by its relative luminance (resolved through the DOM). */
function isDark(color: string): boolean | null {
  const probe = document.createElement('span');
  probe.style.color = color;
  probe.style.display = 'none';
  document.body.append(probe);
  const rgb = getComputedStyle(probe)
    .color.match(/[\d.]+/g)
    ?.map(Number);
  probe.remove();
  if (!rgb || rgb.length < 3) return null;
  const [r, g, b] = rgb.map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.4;
}

let applied = '';

export function syncTheme(win: Window = window): void {
  const root = win.document.documentElement;
  const theme = readParent(win);
  const signature = theme ? JSON.stringify([...theme.values, theme.dark]) : '';
  if (signature === applied) return;
  applied = signature;
  for (const name of THEME_VARIABLES) root.style.removeProperty(name);
  if (!theme) {
    delete root.dataset.theme;
    root.style.removeProperty('color-scheme');
    return;
  }
  for (const [name, value] of theme.values) root.style.setProperty(name, value);
  if (theme.dark === null) delete root.dataset.theme;
  else {
    root.dataset.theme = theme.dark ? 'dark' : 'light';
    root.style.setProperty('color-scheme', theme.dark ? 'dark' : 'light');
  }
}

export function startThemeSync(win: Window = window, everyMs = 5_000): () => void {
  const sync = () => syncTheme(win);
  sync();
  win.addEventListener('focus', sync);
  win.document.addEventListener('visibilitychange', sync);
  const timer = win.setInterval(sync, everyMs);
  return () => {
    win.removeEventListener('focus', sync);
    win.document.removeEventListener('visibilitychange', sync);
    win.clearInterval(timer);
  };
}
