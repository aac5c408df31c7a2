/**
 * Download-client discovery against the Sonarr and Radarr fakes, through the doctor's run and
 * auto-configuration: which clients the tracker follows itself and which only through the
 * queue (in words, never an error for that), a list that cannot be read (a warning, not a
 * crash), and the options entries offered for the others, with their secrets left to fill in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { autoconfigure } from '../../../../src/autoconfig/index.js';
import { optionsSnippet } from '../../../../src/autoconfig/suggest.js';
import { optionsSchema } from '../../../../src/config/schema.js';
import { runDoctor } from '../../../../src/doctor/run.js';
import type { DoctorCheck } from '../../../../src/doctor/types.js';
import { LocalSettings } from '../../../../src/secrets.js';
import { downloadClient } from '../../../fakes/arr-downloadclients.js';
import { createRadarrFake } from '../../../fakes/radarr.js';
import { createSonarrFake } from '../../../fakes/sonarr.js';
import { freePorts } from '../../../helpers/ports.js';

const SAB_KEY = 'Sab-Api-Key-3e4f5a';
const QB_PASSWORD = 'Qb-Pass-7b8c9d';
const now = new Date('2026-12-01T12:00:00.000Z');
const tmp = mkdtempSync(join(tmpdir(), 'media-tracker-discovery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function sonarrWith(clients: Parameters<typeof downloadClient>[2][]) {
  const sonarr = createSonarrFake();
  sonarr.state.downloadClients = clients.map((c, i) => downloadClient('Sonarr', i + 1, c));
  const { url } = await sonarr.start();
  closers.push(() => sonarr.stop());
  return { sonarr, url };
}

/** Sonarr's usual pair: qBittorrent for torrents, SABnzbd for usenet, both on this machine. */
const PAIR = [
  { implementation: 'QBittorrent', values: { host: '127.0.0.1', port: 8080, username: 'admin', password: QB_PASSWORD } },
  { implementation: 'Sabnzbd', values: { host: '127.0.0.1', port: 8085, apiKey: SAB_KEY } },
];

async function doctor(o: Record<string, unknown>): Promise<DoctorCheck[]> {
  const report = await runDoctor({
    options: optionsSchema.parse(o),
    base: { url: 'http://127.0.0.1:1', explicit: true },
    secret: 'tracker-secret',
    events: () => ({ lastEvents: {}, startedAt: null, warnAfterHours: 24, now }),
    forward: () => null,
    broker: async () => [],
    clock: () => now,
    timeoutMs: 2000,
  });
  return report.checks;
}

const find = (checks: DoctorCheck[], id: string): DoctorCheck => {
  const c = checks.find((x) => x.id === id);
  if (!c) throw new Error(`no ${id} in ${checks.map((x) => x.id).join(', ')}`);
  return c;
};

describe("the doctor's download-client check", () => {
  it('qBittorrent configured in the tracker is followed directly; SABnzbd only through the queue, with what to add; no secret in it', async () => {
    const { sonarr, url } = await sonarrWith(PAIR);
    const checks = await doctor({
      sonarr: [{ name: 'main', url, api_key: sonarr.state.apiKey }],
      qbittorrent: [{ name: 'qbittorrent', url: 'http://localhost:8080', username: 'admin', password: QB_PASSWORD }],
    });
    const c = find(checks, 'sonarr/main/download_clients');
    expect(c).toMatchObject({
      status: 'ok',
      summary: "Sonarr (main) uses qBittorrent (followed directly) and SABnzbd (through Sonarr (main)'s queue)",
      fix: null,
    });
    expect(c.detail).toBe(
      'Sonarr (main) uses qBittorrent (torrent, 127.0.0.1:8080, category tv-sonarr): followed directly by the tracker\'s qBittorrent instance "qbittorrent". ' +
        "Sonarr (main) uses SABnzbd (usenet, 127.0.0.1:8085, category tv): followed through Sonarr (main)'s queue; add a sabnzbd instance for finer progress (auto-configuration offers the options to add).",
    );
    const text = JSON.stringify(checks);
    for (const secret of [SAB_KEY, QB_PASSWORD, '********', sonarr.state.apiKey]) expect(text).not.toContain(secret);
  });

  it('lists a disabled client as disabled, a client with no integration as queue-only, and a tracker instance at another address as uncertain', async () => {
    const { sonarr, url } = await sonarrWith([
      { implementation: 'Transmission', name: 'Seedbox', values: { host: 'seedbox.lan' } },
      { implementation: 'Nzbget', enable: false },
      { implementation: 'TorrentDownloadStation', values: { host: 'diskstation', tvCategory: 'tv' } },
    ]);
    const checks = await doctor({
      sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }],
      transmission: [{ name: 'home', url: 'http://192.168.1.9:9091' }],
    });
    const c = find(checks, 'sonarr/sonarr/download_clients');
    expect(c.status).toBe('ok');
    expect(c.summary).toBe("Sonarr uses Transmission (another address than the tracker's), NZBGet (disabled) and Download Station (through Sonarr's queue)");
    expect(c.detail).toContain(
      'Sonarr uses Transmission "Seedbox" (torrent, seedbox.lan:9091, category tv-sonarr): followed directly only if it is the Transmission the tracker reaches at http://192.168.1.9:9091/ (the address differs); otherwise followed through Sonarr\'s queue.',
    );
    expect(c.detail).toContain('Sonarr uses NZBGet (usenet, localhost:6789, category tv): disabled in Sonarr.');
    expect(c.detail).toContain("Sonarr uses Download Station (torrent, diskstation:5000, category tv): followed through Sonarr's queue (the tracker has no Download Station integration).");
  });

  it('no enabled client is a warning (nothing can download)', async () => {
    const { sonarr, url } = await sonarrWith([]);
    const c = find(await doctor({ sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }] }), 'sonarr/sonarr/download_clients');
    expect(c).toMatchObject({ status: 'warning', summary: 'Sonarr has no download client: nothing it grabs can download' });
  });

  it.each([
    ['an HTTP error', { status: 500 }, /GET \/api\/v3\/downloadclient answered HTTP 500/],
    ['a reset connection', { reset: true }, /./],
    ['a body that is no list', { status: 200, body: { message: 'odd' } }, /expected a list of download clients, got object/],
  ])('a download-client list that cannot be read (%s) is a clear warning; the other checks stand', async (_n, fault, detail) => {
    const { sonarr, url } = await sonarrWith(PAIR);
    sonarr.faults.add('GET /api/v3/downloadclient', fault);
    const checks = await doctor({ sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }] });
    const c = find(checks, 'sonarr/sonarr/download_clients');
    expect(c).toMatchObject({ status: 'warning', summary: "Could not read Sonarr's download clients" });
    expect(c.detail).toMatch(detail);
    expect(c.detail).toContain("Downloads are still followed through Sonarr's queue.");
    expect(find(checks, 'sonarr/sonarr/version').status).toBe('ok');
  });

  it('is skipped when the instance itself cannot be reached', async () => {
    const [closed] = (await freePorts(1)) as [number];
    const checks = await doctor({ radarr: [{ name: 'radarr', url: `http://127.0.0.1:${closed}`, api_key: 'k' }] });
    expect(find(checks, 'radarr/radarr/download_clients').status).toBe('skipped');
  });
});

describe('auto-configuration offers the options of the clients followed only through the queue', () => {
  async function run(o: Record<string, unknown>, services?: string[]) {
    const settings = await LocalSettings.open(mkdtempSync(join(tmp, 'data-')));
    return autoconfigure(
      optionsSchema.parse(o),
      settings,
      { forwardExisting: false, ...(services ? { services } : {}) },
      { base: { url: 'http://127.0.0.1:1', explicit: true }, secret: 'tracker-secret', receipts: { count: () => 0 }, timeoutMs: 2000 },
    );
  }

  it('SABnzbd: a snippet with the URL from host, port and URL base, and the API key left to fill in; the one already followed is not offered', async () => {
    const { sonarr, url } = await sonarrWith([PAIR[0]!, { implementation: 'Sabnzbd', values: { host: 'sab.lan', port: 8443, useSsl: true, urlBase: '/sabnzbd/', apiKey: SAB_KEY } }]);
    const result = await run(
      {
        sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }],
        qbittorrent: [{ name: 'qbittorrent', url: 'http://127.0.0.1:8080', username: 'admin', password: QB_PASSWORD }],
      },
      ['sonarr'],
    );
    const offered = result.actions.filter((a) => a.service !== 'sonarr');
    expect(offered).toEqual([
      {
        service: 'sabnzbd',
        instance: 'sabnzbd',
        action: 'skipped',
        test: 'not run',
        detail:
          "Sonarr uses SABnzbd at sab.lan:8443, which the tracker follows only through Sonarr's queue (coarser progress). " +
          'To follow it directly, add this SABnzbd instance to the add-on options: sabnzbd: [{ name: "sabnzbd", url: "https://sab.lan:8443/sabnzbd", api_key: "<the SABnzbd API key>" }]. ' +
          'Then replace <the SABnzbd API key> with the real value: Sonarr shows secrets masked, so none is copied. ' +
          'The address is the one Sonarr uses; change it if the tracker reaches SABnzbd another way.',
      },
    ]);
    const text = JSON.stringify(result);
    for (const secret of [SAB_KEY, QB_PASSWORD, '********']) expect(text).not.toContain(secret);
  });

  it('the same client used by Sonarr and Radarr is offered once; qBittorrent keeps the username shown, the password is a placeholder; names never clash', async () => {
    const { sonarr, url } = await sonarrWith([{ implementation: 'QBittorrent', name: 'qBit', values: { host: 'localhost', port: 8090, username: 'media', password: QB_PASSWORD } }]);
    const radarr = createRadarrFake();
    radarr.state.downloadClients = [
      downloadClient('Radarr', 1, { implementation: 'QBittorrent', name: 'qBit', values: { host: 'localhost', port: 8090, username: 'media', password: QB_PASSWORD } }),
      downloadClient('Radarr', 2, { implementation: 'QBittorrent', name: 'qBit', values: { host: 'localhost', port: 8091 } }),
    ];
    const r = await radarr.start();
    closers.push(() => radarr.stop());
    const result = await run({
      sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }],
      radarr: [{ name: 'radarr', url: r.url, api_key: radarr.state.apiKey }],
    });
    const offered = result.actions.filter((a) => a.service === 'qbittorrent');
    expect(offered.map((a) => [a.instance, a.action])).toEqual([
      ['qbit', 'skipped'],
      ['qbit-2', 'skipped'],
    ]);
    expect(offered[1]!.detail).toContain('Radarr uses qBittorrent at localhost:8091');
    expect(offered[1]!.detail).toContain('username: "<the qBittorrent Web UI username>"');
    expect(offered[0]!.detail).toContain('Sonarr and Radarr use qBittorrent at localhost:8090, which the tracker follows only through their queues');
    expect(offered[0]!.detail).toContain(
      'qbittorrent: [{ name: "qbit", url: "http://localhost:8090", username: "media", password: "<the qBittorrent Web UI password>" }]. Then replace <the qBittorrent Web UI password> with the real value: Sonarr and Radarr show secrets masked',
    );
    expect(offered[0]!.detail).toContain("localhost is Sonarr's own machine");
    expect(JSON.stringify(result)).not.toContain(QB_PASSWORD);
  });

  it('offers nothing for disabled clients, clients with no integration, or a list that cannot be read', async () => {
    const { sonarr, url } = await sonarrWith([
      { implementation: 'Sabnzbd', enable: false },
      { implementation: 'UsenetDownloadStation', values: { host: 'ds' } },
    ]);
    const o = { sonarr: [{ name: 'sonarr', url, api_key: sonarr.state.apiKey }] };
    expect((await run(o, ['sonarr'])).actions.filter((a) => a.service !== 'sonarr')).toEqual([]);
    sonarr.faults.failNext('GET /api/v3/downloadclient', 1, 500);
    expect((await run(o, ['sonarr'])).actions.filter((a) => a.service !== 'sonarr')).toEqual([]);
  });

  it('renders the snippet as one line of flow YAML', () => {
    expect(optionsSnippet('transmission', { name: 'tr', url: 'http://nas:9091/transmission', username: '<u>', password: '<p>' })).toBe(
      'transmission: [{ name: "tr", url: "http://nas:9091/transmission", username: "<u>", password: "<p>" }]',
    );
  });
});
