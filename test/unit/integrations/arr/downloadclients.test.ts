/**
 * Sonarr/Radarr download-client lists normalised: real-shaped resources (nulls omitted or
 * present, Radarr's movie fields), clients the tracker does not know, masked secrets that
 * never come out, odd entries that do not hide the others; the URL rebuilt from host, port,
 * SSL and URL base; matching against the tracker's own instances.
 */
import { describe, expect, it } from 'vitest';
import { clientUrl, coverage, normaliseClients, sameAddress, type ArrDownloadClient } from '../../../../src/integrations/arr/downloadclients.js';
import { directClients } from '../../../../src/integrations/registry.js';
import { optionsSchema } from '../../../../src/config/schema.js';
import { downloadClient, maskedClient } from '../../../fakes/arr-downloadclients.js';
import { stripNulls } from '../../../fakes/common.js';

/** A SABnzbd definition as Sonarr v4 answers it (System.Text.Json: null properties omitted). */
const SONARR_SABNZBD = {
  enable: true,
  protocol: 'usenet',
  priority: 1,
  removeCompletedDownloads: true,
  removeFailedDownloads: true,
  name: 'SABnzbd',
  fields: [
    { order: 0, name: 'host', label: 'Host', value: '192.168.1.20', type: 'textbox', advanced: false, privacy: 'normal', isFloat: false },
    { order: 1, name: 'port', label: 'Port', value: 8080, type: 'textbox', advanced: false, privacy: 'normal', isFloat: false },
    { order: 2, name: 'useSsl', label: 'Use SSL', helpText: 'Use secure connection when connecting to Sabnzbd', value: false, type: 'checkbox', advanced: false, privacy: 'normal', isFloat: false },
    { order: 3, name: 'urlBase', label: 'Url Base', helpText: 'Adds a prefix to the Sabnzbd url', type: 'textbox', advanced: true, privacy: 'normal', isFloat: false },
    { order: 4, name: 'apiKey', label: 'API Key', value: '********', type: 'textbox', advanced: false, privacy: 'apiKey', isFloat: false },
    { order: 5, name: 'username', label: 'Username', type: 'textbox', advanced: false, privacy: 'userName', isFloat: false },
    { order: 6, name: 'password', label: 'Password', type: 'password', advanced: false, privacy: 'password', isFloat: false },
    { order: 7, name: 'tvCategory', label: 'Category', value: 'tv', type: 'textbox', advanced: false, privacy: 'normal', isFloat: false },
    {
      order: 8,
      name: 'recentTvPriority',
      label: 'Recent Priority',
      value: -100,
      type: 'select',
      advanced: false,
      selectOptions: [{ value: -100, name: 'Default', order: -100 }],
      privacy: 'normal',
      isFloat: false,
    },
  ],
  implementationName: 'SABnzbd',
  implementation: 'Sabnzbd',
  configContract: 'SabnzbdSettings',
  infoLink: 'https://wiki.servarr.com/sonarr/supported#sabnzbd',
  tags: [],
  id: 2,
};

const options = (o: Record<string, unknown>) => optionsSchema.parse(o);

describe('download clients, normalised', () => {
  it('reads a real SABnzbd definition: address, protocol, category; the masked API key never comes out', () => {
    const { clients, unreadable } = normaliseClients('main', [SONARR_SABNZBD]);
    expect(unreadable).toEqual([]);
    expect(clients).toEqual([
      {
        arr: 'main',
        name: 'SABnzbd',
        implementation: 'Sabnzbd',
        label: 'SABnzbd',
        protocol: 'usenet',
        enabled: true,
        priority: 1,
        host: '192.168.1.20',
        port: 8080,
        useSsl: false,
        urlBase: null,
        category: 'tv',
        username: null,
      },
    ]);
    expect(JSON.stringify(clients)).not.toContain('********');
  });

  it('takes explicit nulls (older servers) as absent, and Radarr’s movieCategory as the category', () => {
    const withNulls = {
      ...SONARR_SABNZBD,
      priority: null,
      implementationName: null,
      message: null,
      fields: SONARR_SABNZBD.fields.map((f) => (f.name === 'tvCategory' ? { ...f, name: 'movieCategory', value: 'movies' } : { ...f, value: 'value' in f ? f.value : null, helpText: null })),
    };
    const [c] = normaliseClients('radarr', [withNulls]).clients;
    expect(c).toMatchObject({ label: 'Sabnzbd', priority: null, urlBase: null, username: null, category: 'movies', host: '192.168.1.20', port: 8080 });
  });

  it('reads every fake definition of both services and drops every secret, set or not', () => {
    for (const app of ['Sonarr', 'Radarr'] as const) {
      const secrets = { apiKey: 'Api-Key-9f8e7d', password: 'Pass-6c5b4a' };
      const list = ['QBittorrent', 'Transmission', 'Deluge', 'Sabnzbd', 'Nzbget', 'TorrentDownloadStation'].map((implementation, i) =>
        stripNulls(maskedClient(downloadClient(app, i + 1, { implementation, values: { host: 'nas', username: 'admin', ...secrets } }))),
      );
      const { clients, unreadable } = normaliseClients('x', list);
      expect(unreadable).toEqual([]);
      expect(clients.map((c) => [c.implementation, c.label, c.protocol, c.port, c.category])).toEqual(
        app === 'Sonarr'
          ? [
              ['QBittorrent', 'qBittorrent', 'torrent', 8080, 'tv-sonarr'],
              ['Transmission', 'Transmission', 'torrent', 9091, 'tv-sonarr'],
              ['Deluge', 'Deluge', 'torrent', 8112, 'tv-sonarr'],
              ['Sabnzbd', 'SABnzbd', 'usenet', 8080, 'tv'],
              ['Nzbget', 'NZBGet', 'usenet', 6789, 'tv'],
              ['TorrentDownloadStation', 'Download Station', 'torrent', 5000, null],
            ]
          : [
              ['QBittorrent', 'qBittorrent', 'torrent', 8080, 'radarr'],
              ['Transmission', 'Transmission', 'torrent', 9091, 'radarr'],
              ['Deluge', 'Deluge', 'torrent', 8112, 'radarr'],
              ['Sabnzbd', 'SABnzbd', 'usenet', 8080, 'movies'],
              ['Nzbget', 'NZBGet', 'usenet', 6789, 'Movies'],
              ['TorrentDownloadStation', 'Download Station', 'torrent', 5000, null],
            ],
      );
      const text = JSON.stringify(clients);
      for (const s of [...Object.values(secrets), '********']) expect(text).not.toContain(s);
      expect(clients.filter((c) => c.implementation !== 'Deluge').every((c) => c.username === 'admin')).toBe(true);
    }
  });

  it('keeps a client it does not know (any implementation, any fields), and an unmasked secret is still not read', () => {
    const aria = {
      id: 9,
      name: 'aria',
      implementation: 'Aria2',
      implementationName: 'Aria2',
      enable: false,
      protocol: 'torrent',
      priority: 3,
      fields: [
        { name: 'host', value: 'aria' },
        { name: 'port', value: '6800' },
        { name: 'rpcPath', value: '/rpc' },
        { name: 'secretToken', value: 'Tok-1a2b3c', privacy: 'password' },
        { name: 'apiKey', value: 'Plain-Key-4d5e' },
      ],
      futureField: { nested: true },
    };
    const { clients } = normaliseClients('main', [aria]);
    expect(clients[0]).toMatchObject({ implementation: 'Aria2', enabled: false, host: 'aria', port: 6800, category: null });
    expect(JSON.stringify(clients)).not.toMatch(/Tok-1a2b3c|Plain-Key-4d5e/);
  });

  it('an entry without what the tracker reads is reported, the others still listed; a body that is no list is an error', () => {
    const { clients, unreadable } = normaliseClients('main', [{ name: 'broken', enable: true, fields: null }, SONARR_SABNZBD]);
    expect(clients.map((c) => c.name)).toEqual(['SABnzbd']);
    expect(unreadable).toEqual([expect.stringMatching(/^entry 1: implementation: /)]);
    expect(() => normaliseClients('main', { records: [] })).toThrow(/expected a list of download clients, got object/);
  });

  it('a host typed as a URL still gives the machine, the port and SSL', () => {
    const [c] = normaliseClients('main', [
      {
        ...SONARR_SABNZBD,
        fields: [
          { name: 'host', value: 'https://sab.example.com:9090' },
          { name: 'port', value: 8080 },
        ],
      },
    ]).clients;
    expect(c).toMatchObject({ host: 'sab.example.com', port: 8080, useSsl: true });
  });
});

const client = (over: Partial<ArrDownloadClient>): ArrDownloadClient => ({
  arr: 'main',
  name: 'SABnzbd',
  implementation: 'Sabnzbd',
  label: 'SABnzbd',
  protocol: 'usenet',
  enabled: true,
  priority: 1,
  host: '127.0.0.1',
  port: 8080,
  useSsl: false,
  urlBase: null,
  category: 'tv',
  username: null,
  ...over,
});

describe('the URL and the match', () => {
  it('builds the URL from host, port, SSL and URL base', () => {
    expect(clientUrl(client({}))).toBe('http://127.0.0.1:8080');
    expect(clientUrl(client({ useSsl: true, urlBase: '/sabnzbd/' }))).toBe('https://127.0.0.1:8080/sabnzbd');
    expect(clientUrl(client({ urlBase: 'transmission' }))).toBe('http://127.0.0.1:8080/transmission');
    expect(clientUrl(client({ host: 'fd00::5', port: null }))).toBe('http://[fd00::5]');
    expect(clientUrl(client({ host: null }))).toBeNull();
  });

  it('matches host and port: loopback names are one machine, a URL without a port has its scheme’s', () => {
    expect(sameAddress(client({ host: 'localhost' }), 'http://127.0.0.1:8080/sabnzbd')).toBe(true);
    expect(sameAddress(client({ host: 'SABnzbd' }), 'http://sabnzbd:8080')).toBe(true);
    expect(sameAddress(client({ host: 'sabnzbd' }), 'http://sabnzbd:8081')).toBe(false);
    expect(sameAddress(client({ host: 'nas', port: 443, useSsl: true }), 'https://nas')).toBe(true);
    expect(sameAddress(client({ host: 'nas' }), 'not a url')).toBe(false);
  });

  it('finds the integration by implementation and the instance by address, through the registry', () => {
    const direct = directClients(options({ qbittorrent: [{ name: 'seedbox', url: 'http://10.0.0.5:8080', username: 'admin', password: 'x' }] }));
    expect(direct.map((d) => [d.id, d.arrImplementations, d.instances.length])).toEqual(
      expect.arrayContaining([
        ['qbittorrent', ['QBittorrent'], 1],
        ['transmission', ['Transmission'], 0],
        ['sabnzbd', ['Sabnzbd'], 0],
      ]),
    );
    const qb = client({ implementation: 'QBittorrent', label: 'qBittorrent', host: '10.0.0.5' });
    expect(coverage(qb, direct)).toMatchObject({ kind: 'direct', instance: 'seedbox', via: { id: 'qbittorrent' } });
    expect(coverage({ ...qb, host: 'other' }, direct)).toMatchObject({ kind: 'elsewhere', urls: ['http://10.0.0.5:8080'] });
    expect(coverage(client({}), direct)).toMatchObject({ kind: 'queue', via: { id: 'sabnzbd' } });
    expect(coverage(client({ implementation: 'UsenetDownloadStation' }), direct)).toEqual({ kind: 'queue', via: null });
  });
});
