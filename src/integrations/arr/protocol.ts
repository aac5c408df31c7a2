/**
 * The protocol of a download client, from the name the *arrs give its implementation: the
 * `downloadClientType` of their Grab webhook and the `implementationName` of
 * `GET /api/v3/downloadclient` (docs/download-clients.md §1.7). A grab thus says torrent or
 * usenet at once, before any client or queue reading. Download Station exists for both
 * protocols under one name, so it says nothing; an unknown name says nothing either.
 */
const BY_NAME: ReadonlyMap<string, 'torrent' | 'usenet'> = new Map([
  ...['qbittorrent', 'transmission', 'deluge', 'rtorrent', 'utorrent', 'vuze', 'aria2', 'flood', 'hadouken', 'torrent blackhole', 'freebox download', 'tribler'].map((n) => [n, 'torrent'] as const),
  ...['sabnzbd', 'nzbget', 'nzbvortex', 'pneumatic', 'usenet blackhole'].map((n) => [n, 'usenet'] as const),
]);

export function protocolOfClientType(name: string | null | undefined): 'torrent' | 'usenet' | undefined {
  return name ? BY_NAME.get(name.trim().toLowerCase()) : undefined;
}
