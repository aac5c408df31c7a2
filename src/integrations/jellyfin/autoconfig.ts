/**
 * Jellyfin's webhook plugin has no API to add a destination, so auto-configuration says
 * what to set (docs/upstreams.md §5.3). The secret is named, never written out.
 */
import { hookUrl, type PublicBase } from '../../autoconfig/urls.js';

export function jellyfinInstructions(base: PublicBase, jellyfinConfigured: boolean): string {
  const lines = [
    'Jellyfin → Dashboard → Plugins → Webhook (install "Webhook" from the catalogue first) → Add Generic Destination:',
    `  Webhook URL: ${hookUrl(base, 'jellyfin')}`,
    '  Notification types: Item Added, Item Deleted',
    '  Item types: Movies, Episodes, Series',
    '  Send All Properties: on (no template needed)',
    '  Headers: Content-Type = application/json, and Authorization = Bearer <webhook secret>',
    "The webhook is only a hint that makes availability quicker: each one is checked against Jellyfin's API.",
  ];
  if (!jellyfinConfigured) lines.push('Set jellyfin.url and jellyfin.api_key first: without them the tracker answers Jellyfin webhooks with 503.');
  return lines.join('\n');
}
