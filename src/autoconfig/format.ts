/** An auto-configuration result as text for a terminal (`npm run autoconfigure`). */
import { z } from 'zod';
import type { AutoconfigResult } from './types.js';

export const ResultSchema = z.object({
  actions: z.array(z.object({ service: z.string(), instance: z.string().nullable(), action: z.string(), detail: z.string(), test: z.string() })),
  jellyfin: z.string(),
});

export function formatResult(r: AutoconfigResult): string {
  const lines = ['Media Tracker auto-configuration', ''];
  for (const a of r.actions) {
    lines.push(`  ${`${a.service}${a.instance && a.instance !== a.service ? ` (${a.instance})` : ''}`.padEnd(24)} ${a.action.padEnd(9)} test ${a.test}`);
    lines.push(`      ${a.detail}`);
  }
  lines.push('', r.jellyfin, '');
  return lines.join('\n');
}
