/**
 * Sonarr's and Radarr's download-client definitions (`GET /api/v3/downloadclient`,
 * docs/download-clients.md §1.7): `DownloadClientResource` with the fields each client's
 * settings class declares (Sonarr `src/NzbDrone.Core/Download/Clients/*\/*Settings.cs`;
 * Radarr the same with `movie` for `tv`), in their order, with their defaults. Stored in clear,
 * served as the API does: password and API-key values `********` when set, nulls omitted.
 *
 *   sonarr.state.downloadClients = [downloadClient('Sonarr', 1, { implementation: 'Sabnzbd', values: { host: '127.0.0.1', apiKey: 'k' } })];
 *   sonarr.faults.failNext('GET /api/v3/downloadclient', 1, 500);
 */
import type { Rec } from './arr.js';

export type Privacy = 'normal' | 'password' | 'apiKey' | 'userName';

export interface ArrClientField extends Rec {
  order: number;
  name: string;
  label: string;
  value?: unknown;
  type: string;
  advanced: boolean;
  privacy: Privacy;
  isFloat: boolean;
}

export interface ArrDownloadClient extends Rec {
  id: number;
  name: string;
  implementation: string;
  enable: boolean;
  protocol: string;
  fields: ArrClientField[];
}

export interface DownloadClientSpec {
  /** `QBittorrent`, `Transmission`, `Deluge`, `Sabnzbd`, `Nzbget`, `TorrentDownloadStation`, or any other (then only `values` become fields). */
  implementation: string;
  /** Default: the implementation's display name. */
  name?: string;
  enable?: boolean;
  priority?: number;
  /** Field values by name (`host`, `port`, `apiKey`, `tvCategory`…), over the defaults. */
  values?: Record<string, unknown>;
}

type App = 'Sonarr' | 'Radarr';
type FieldDef = [name: string, label: string, type: string, opts?: { advanced?: boolean; privacy?: Privacy; value?: unknown }];

const adv = { advanced: true };
const pw: FieldDef[2] = 'password';

/** The shared head of every client's settings: host, port, SSL, URL base. */
const address = (host: string, port: number, urlBase?: string): FieldDef[] => [
  ['host', 'Host', 'textbox', { value: host }],
  ['port', 'Port', 'textbox', { value: port }],
  ['useSsl', 'Use SSL', 'checkbox', { value: false }],
  ['urlBase', 'Url Base', 'textbox', { ...adv, value: urlBase }],
];
const user: FieldDef = ['username', 'Username', 'textbox', { privacy: 'userName' }];
const pass = (value?: string): FieldDef => ['password', 'Password', pw, { privacy: 'password', value }];
const apiKey: FieldDef = ['apiKey', 'API Key', 'textbox', { privacy: 'apiKey' }];

interface Kind {
  label: string;
  contract: string;
  protocol: 'torrent' | 'usenet';
  fields(m: 'tv' | 'movie', M: 'Tv' | 'Movie', app: App): FieldDef[];
}

const priorities = (M: string): FieldDef[] => [
  [`recent${M}Priority`, 'Recent Priority', 'select', { value: 0 }],
  [`older${M}Priority`, 'Older Priority', 'select', { value: 0 }],
];

const KINDS: Record<string, Kind> = {
  QBittorrent: {
    label: 'qBittorrent',
    contract: 'QBittorrentSettings',
    protocol: 'torrent',
    fields: (m, M, app) => [
      ...address('localhost', 8080),
      apiKey,
      user,
      pass(),
      [`${m}Category`, 'Category', 'textbox', { value: app === 'Sonarr' ? 'tv-sonarr' : 'radarr' }],
      [`${m}ImportedCategory`, 'Post-Import Category', 'textbox', adv],
      ...priorities(M),
      ['initialState', 'Initial State', 'select', { value: 0 }],
      ['sequentialOrder', 'Sequential Order', 'checkbox', { value: false }],
      ['firstAndLast', 'First and Last First', 'checkbox', { value: false }],
      ['contentLayout', 'Content Layout', 'select', { value: 0 }],
      ...(app === 'Sonarr' ? [['addSeriesTags', 'Add Series Tags', 'checkbox', { value: false }] as FieldDef] : []),
    ],
  },
  Transmission: {
    label: 'Transmission',
    contract: 'TransmissionSettings',
    protocol: 'torrent',
    fields: (m, M, app) => [
      ...address('localhost', 9091, '/transmission/'),
      user,
      pass(),
      [`${m}Category`, 'Category', 'textbox', { value: app === 'Sonarr' ? 'tv-sonarr' : 'radarr' }],
      [`${m}ImportedCategory`, 'Post-Import Category', 'textbox', adv],
      [`${m}Directory`, 'Directory', 'textbox', adv],
      ...priorities(M),
      ['addPaused', 'Add Paused', 'checkbox', { value: false }],
    ],
  },
  Deluge: {
    label: 'Deluge',
    contract: 'DelugeSettings',
    protocol: 'torrent',
    fields: (m, M, app) => [
      ...address('localhost', 8112),
      pass('deluge'),
      [`${m}Category`, 'Category', 'textbox', { value: app === 'Sonarr' ? 'tv-sonarr' : 'radarr' }],
      [`${m}ImportedCategory`, 'Post-Import Category', 'textbox', adv],
      ...priorities(M),
      ['addPaused', 'Add Paused', 'checkbox', { value: false }],
      ['downloadDirectory', 'Download Directory', 'textbox', adv],
      ['completedDirectory', 'Move When Completed Directory', 'textbox', adv],
    ],
  },
  Sabnzbd: {
    label: 'SABnzbd',
    contract: 'SabnzbdSettings',
    protocol: 'usenet',
    fields: (m, M, app) => [...address('localhost', 8080), apiKey, user, pass(), [`${m}Category`, 'Category', 'textbox', { value: app === 'Sonarr' ? 'tv' : 'movies' }], ...priorities(M)],
  },
  Nzbget: {
    label: 'NZBGet',
    contract: 'NzbgetSettings',
    protocol: 'usenet',
    fields: (m, M, app) => [
      ...address('localhost', 6789),
      user,
      pass(),
      [`${m}Category`, 'Category', 'textbox', { value: app === 'Sonarr' ? 'tv' : 'Movies' }],
      ...priorities(M),
      ['addPaused', 'Add Paused', 'checkbox', { value: false }],
    ],
  },
  TorrentDownloadStation: {
    label: 'Download Station',
    contract: 'DownloadStationSettings',
    protocol: 'torrent',
    fields: (m) => [
      ['host', 'Host', 'textbox', { value: '127.0.0.1' }],
      ['port', 'Port', 'textbox', { value: 5000 }],
      ['useSsl', 'Use SSL', 'checkbox', { value: false }],
      user,
      pass(),
      [`${m}Category`, 'Category', 'textbox'],
      [`${m}Directory`, 'Directory', 'textbox'],
    ],
  },
};

/** A stored definition (values in clear), as Sonarr or Radarr would save it. */
export function downloadClient(app: App, id: number, spec: DownloadClientSpec): ArrDownloadClient {
  const kind = KINDS[spec.implementation];
  const [m, M] = app === 'Sonarr' ? (['tv', 'Tv'] as const) : (['movie', 'Movie'] as const);
  const defs: FieldDef[] = kind ? kind.fields(m, M, app) : Object.keys(spec.values ?? {}).map((name) => [name, name, 'textbox'] as FieldDef);
  const values = spec.values ?? {};
  const fields = defs.map(
    ([name, label, type, o = {}], order): ArrClientField => ({
      order,
      name,
      label,
      value: name in values ? values[name] : o.value,
      type,
      advanced: o.advanced ?? false,
      privacy: o.privacy ?? 'normal',
      isFloat: false,
    }),
  );
  const label = kind?.label ?? spec.implementation;
  return {
    id,
    name: spec.name ?? label,
    implementation: spec.implementation,
    implementationName: label,
    configContract: kind?.contract ?? `${spec.implementation}Settings`,
    infoLink: `https://wiki.servarr.com/${app.toLowerCase()}/supported#${spec.implementation.toLowerCase()}`,
    tags: [],
    enable: spec.enable ?? true,
    protocol: kind?.protocol ?? 'unknown',
    priority: spec.priority ?? 1,
    removeCompletedDownloads: true,
    removeFailedDownloads: true,
    fields,
  };
}

/** As the API shows it (Servarr `SchemaBuilder.ToSchema`): a set password or API key is `********`. */
export function maskedClient(c: ArrDownloadClient): ArrDownloadClient {
  return {
    ...c,
    fields: c.fields.map((f) => ((f.privacy === 'password' || f.privacy === 'apiKey') && f.value !== undefined && f.value !== null && f.value !== '' ? { ...f, value: '********' } : f)),
  };
}

/** What a new Sonarr/Radarr in the fakes uses: qBittorrent with the add dialog's defaults. */
export function defaultDownloadClients(app: App): ArrDownloadClient[] {
  return [downloadClient(app, 1, { implementation: 'QBittorrent' })];
}
