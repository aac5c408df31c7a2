/**
 * How each source is named to people (timeline reasons, "Grabbed by Sonarr: …"). The one table
 * of it outside the domain, which receives the lookup through the engine.
 */
const LABELS: Record<string, string> = {
  jellyseerr: 'Jellyseerr',
  sonarr: 'Sonarr',
  radarr: 'Radarr',
  qbittorrent: 'qBittorrent',
  jellyfin: 'Jellyfin',
  shoko: 'Shoko',
  reconcile: 'Reconciliation',
  user: 'User',
  system: 'Media Tracker',
};

export function sourceLabel(source: string): string {
  return LABELS[source] ?? source;
}
