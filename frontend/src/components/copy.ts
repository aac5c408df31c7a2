/**
 * Copies text to the clipboard. The Clipboard API only exists in secure contexts, and Home
 * Assistant is often opened over plain http on the LAN: then a selected, off-screen textarea
 * and `execCommand('copy')` (deprecated, still supported) do it, from the click's gesture.
 */
export async function copyText(text: string): Promise<boolean> {
  if (window.isSecureContext && navigator.clipboard?.writeText) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Denied (e.g. the iframe lacks clipboard-write): fall back.
    }
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.top = '-1000px';
  document.body.append(area);
  area.select();
  try {
    return document.execCommand('copy');
  } finally {
    area.remove();
  }
}
