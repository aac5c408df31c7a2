import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Receiver } from '../../fakes/common.js';
import { createJellyfinFake, shokofinIds, type JfItem } from '../../fakes/jellyfin.js';

const KEY = 'jellyfin-api-key';
const AUTH = { Authorization: `MediaBrowser Client="media-tracker", Device="ha", DeviceId="x", Version="0.1.0", Token="${KEY}"` };
const GUID = /^[0-9a-f]{32}$/;

describe('Jellyfin fake', () => {
  const jf = createJellyfinFake({ scanDelayMs: 200 });
  const receiver = new Receiver();
  let url = '';
  let hookUrl = '';
  let dune: JfItem;
  let anime: JfItem;
  let animeEp: JfItem;
  let obx: JfItem;
  const get = async (path: string, headers: Record<string, string> = AUTH) => {
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: res.status === 200 ? ((await res.json()) as any) : undefined };
  };

  beforeAll(async () => {
    url = (await jf.start()).url;
    hookUrl = `${await receiver.start()}/webhook/jellyfin`;
  });
  afterAll(async () => {
    await jf.stop();
    await receiver.close();
  });
  beforeEach(() => {
    jf.state.items = [];
    jf.state.legacyAuth = true;
    receiver.received.length = 0;
    dune = jf.addMovie({ name: 'Dune: Part Two', year: 2024, tmdbId: 693134, imdbId: 'tt15239678', dateCreated: '2025-03-14T18:00:00.0000000Z' });
    jf.addMovie({ name: 'Other', year: 2020, tmdbId: 1, dateCreated: '2025-03-13T18:00:00.0000000Z' });
    jf.addMovie({ name: 'Anime Movie', year: 2023, providerIds: shokofinIds({ series: 99, episode: 990, file: 9900 }), dateCreated: '2025-03-12T18:00:00.0000000Z' });
    anime = jf.addSeries({ name: 'Dan Da Dan', year: 2024, providerIds: shokofinIds({ series: 12, anidb: 17709 }), path: '/data/anime/Dan Da Dan' });
    animeEp = jf.addEpisode(anime, { season: 1, episode: 3, providerIds: shokofinIds({ series: 12, episode: 345, file: 678, anidb: 280001 }) });
    jf.addEpisode(anime, { season: 1, episode: 4, file: false });
    obx = jf.addSeries({ name: 'Outer Banks', year: 2020, tmdbId: 100757, tvdbId: 362629 });
  });

  it('auth: MediaBrowser Token header or ApiKey query; legacy X-Emby-Token only while legacyAuth', async () => {
    expect((await get('/System/Info', {})).status).toBe(401);
    expect((await get('/System/Info')).body).toMatchObject({ Version: '10.10.7', ServerName: 'jellyfin', Id: expect.stringMatching(GUID) });
    expect((await get(`/System/Info?ApiKey=${KEY}`, {})).status).toBe(200);
    expect((await get('/System/Info', { 'X-Emby-Token': KEY })).status).toBe(200);
    expect(jf.log.last('GET /System/Info')?.meta.authVia).toBe('X-Emby-Token');
    jf.state.legacyAuth = false; // 12.0
    expect((await get('/System/Info', { 'X-Emby-Token': KEY })).status).toBe(401);
    expect((await get(`/System/Info?api_key=${KEY}`, {})).status).toBe(401);
    expect((await get('/System/Info')).status).toBe(200);
    expect((await get('/System/Info/Public', {})).status).toBe(200);
  });

  it('AnyProviderIdEquals is ignored: everything comes back; matching must be client-side', async () => {
    const res = (await get('/Items?Recursive=true&IncludeItemTypes=Movie&AnyProviderIdEquals=tmdb.693134')).body;
    expect(res.TotalRecordCount).toBe(3);
    expect(res.Items.map((i: any) => i.Name)).toEqual(['Dune: Part Two', 'Other', 'Anime Movie']);
    expect(res.StartIndex).toBe(0);
  });

  it('Fields gating: ProviderIds/Path/DateCreated/MediaSources only when requested; PascalCase, N-format ids', async () => {
    const bare = (await get('/Items?Recursive=true&IncludeItemTypes=Movie')).body.Items[0];
    expect(bare).toMatchObject({ Id: expect.stringMatching(GUID), Name: 'Dune: Part Two', Type: 'Movie', ServerId: expect.stringMatching(GUID), LocationType: 'FileSystem', ProductionYear: 2024 });
    for (const k of ['ProviderIds', 'Path', 'DateCreated', 'MediaSources']) expect(bare[k]).toBeUndefined();
    const full = (await get('/Items?recursive=true&includeItemTypes=Movie&fields=ProviderIds,Path,DateCreated,MediaSources&HasTmdbId=true')).body;
    expect(full.Items).toHaveLength(2);
    expect(full.Items[0]).toMatchObject({
      ProviderIds: { Tmdb: '693134', Imdb: 'tt15239678' },
      Path: '/data/movies/Dune: Part Two (2024)/Dune: Part Two (2024).mkv',
      DateCreated: '2025-03-14T18:00:00.0000000Z',
    });
    expect(full.Items[0].MediaSources[0]).toMatchObject({ Protocol: 'File', Path: full.Items[0].Path });
    const noTmdb = (await get('/Items?Recursive=true&IncludeItemTypes=Movie&HasTmdbId=false&Fields=ProviderIds')).body.Items;
    expect(noTmdb.map((i: any) => i.ProviderIds)).toEqual([{ 'Shoko Series': '99', 'Shoko Episode': '990', 'Shoko File': '9900' }]);
  });

  it('search, years, sort by DateCreated, paging, Ids, non-recursive root', async () => {
    expect((await get('/Items?Recursive=true&SearchTerm=dune')).body.Items.map((i: any) => i.Id)).toEqual([dune.Id]);
    expect((await get('/Items?Recursive=true&IncludeItemTypes=Movie,Series&Years=2020')).body.Items.map((i: any) => i.Name)).toEqual(['Other', 'Outer Banks']);
    const recent = (await get('/Items?Recursive=true&IncludeItemTypes=Movie&SortBy=DateCreated&SortOrder=Descending&Limit=2&StartIndex=1')).body;
    expect(recent).toMatchObject({ TotalRecordCount: 3, StartIndex: 1 });
    expect(recent.Items.map((i: any) => i.Name)).toEqual(['Other', 'Anime Movie']);
    expect((await get(`/Items?Ids=${obx.Id},${dune.Id.replace(/^(.{8})(.{4})/, '$1-$2-')}`)).body.Items).toHaveLength(2);
    expect((await get('/Items?IncludeItemTypes=Movie')).body.Items).toEqual([]);
  });

  it('Items/{id} returns everything, 404 when gone', async () => {
    const item = (await get(`/Items/${animeEp.Id}`)).body;
    expect(item).toMatchObject({ Type: 'Episode', SeriesId: anime.Id, ParentIndexNumber: 1, IndexNumber: 3, ProviderIds: { 'Shoko Episode': '345', 'Shoko File': '678' }, Path: expect.any(String) });
    jf.remove(animeEp.Id);
    expect((await get(`/Items/${animeEp.Id}`)).status).toBe(404);
    jf.remove(anime.Id);
    expect(jf.state.items.some((i) => i.SeriesId === anime.Id)).toBe(false);
  });

  it('Shows/{id}/Episodes and Seasons: virtual placeholders, isMissing, season filter, fields', async () => {
    const all = (await get(`/Shows/${anime.Id}/Episodes?season=1&fields=ProviderIds,Path`)).body.Items;
    expect(all.map((e: any) => [e.IndexNumber, e.LocationType])).toEqual([
      [3, 'FileSystem'],
      [4, 'Virtual'],
    ]);
    expect(all[1].Path).toBeUndefined();
    expect(all[0].ProviderIds['Shoko File']).toBe('678');
    expect((await get(`/Shows/${anime.Id}/Episodes?season=1&isMissing=false`)).body.Items.map((e: any) => e.IndexNumber)).toEqual([3]);
    expect((await get(`/Shows/${anime.Id}/Episodes?season=2`)).body.Items).toEqual([]);
    expect((await get(`/Shows/${anime.Id}/Seasons`)).body.Items.map((s: any) => [s.Name, s.IndexNumber])).toEqual([['Season 1', 1]]);
    expect((await get(`/Shows/${dune.Id}/Episodes`)).status).toBe(404);
  });

  it('POST /Library/Refresh answers 204 only after the scan; concurrent calls are counted', async () => {
    jf.state.refresh = { calls: 0, completed: 0, inFlight: 0, maxInFlight: 0 };
    let scanned = 0;
    jf.onScan = () => void scanned++;
    const t0 = Date.now();
    const refresh = () => fetch(`${url}/Library/Refresh`, { method: 'POST', headers: AUTH });
    const [a, b] = await Promise.all([refresh(), refresh()]);
    expect([a.status, b.status]).toEqual([204, 204]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(jf.state.refresh).toEqual({ calls: 2, completed: 2, inFlight: 0, maxInFlight: 2 });
    expect(scanned).toBe(2);
    jf.onScan = undefined;
    await expect(fetch(`${url}/Library/Refresh`, { method: 'POST', headers: AUTH, signal: AbortSignal.timeout(50) })).rejects.toThrow();
  });

  it('webhook plugin "Send All Properties": text/plain by default, N-format ItemId, Provider_<lowercased key> with spaces', async () => {
    await jf.sendItemAdded(hookUrl, animeEp);
    const [hit] = await receiver.waitFor(1);
    expect(hit!.headers['content-type']).toBe('text/plain; charset=utf-8');
    const d = hit!.json as Record<string, unknown>;
    expect(d).toMatchObject({
      NotificationType: 'ItemAdded',
      ItemId: animeEp.Id,
      ItemType: 'Episode',
      Name: 'Episode 3',
      SeriesName: 'Dan Da Dan',
      SeriesId: anime.Id,
      SeasonNumber: 1,
      SeasonNumber00: '01',
      SeasonNumber000: '001',
      EpisodeNumber: 3,
      EpisodeNumber00: '03',
      EpisodeNumber000: '003',
      Year: 2024,
      'Provider_shoko series': '12',
      'Provider_shoko episode': '345',
      'Provider_shoko file': '678',
      Provider_anidb: '280001',
      ServerVersion: '10.10.7',
    });
    expect(d.ItemId).toMatch(GUID);
    expect(d.Provider_tmdb).toBeUndefined();
    expect(d.UtcTimestamp).toMatch(/Z$/);

    await jf.sendItemDeleted(hookUrl, dune, { contentType: 'application/json', headers: { 'X-Tracker-Token': 's3cr3t' } });
    await receiver.waitFor(2);
    const del = receiver.received[1]!;
    expect(del.headers['content-type']).toBe('application/json');
    expect(del.headers['x-tracker-token']).toBe('s3cr3t');
    expect(del.json).toMatchObject({ NotificationType: 'ItemDeleted', ItemType: 'Movie', Provider_tmdb: '693134', Provider_imdb: 'tt15239678', Year: 2024, PremiereDate: '2024-05-14' });
  });

  it('webhook plugin template: hyphenated ItemId, bracketed keys with spaces', async () => {
    await jf.sendItemAdded(hookUrl, animeEp, { format: 'template' });
    const [hit] = await receiver.waitFor(1);
    const d = hit!.json as Record<string, string>;
    expect(d.ItemId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(d.ItemId?.replace(/-/g, '')).toBe(animeEp.Id);
    expect(d).toMatchObject({ ItemType: 'Episode', SeasonNumber: '1', EpisodeNumber: '3', Provider_shoko_file: '678', Provider_tmdb: '' });
    await jf.sendItemAdded(hookUrl, dune, { format: 'template', template: '{{ItemType}}|{{itemid}}|{{Provider_TMDB}}' });
    await receiver.waitFor(2);
    expect(receiver.received[1]!.raw).toBe(`Movie|${dune.Id.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}|693134`);
  });

  it('faults apply per route', async () => {
    jf.faults.failNext('GET /Items', 1, 503);
    expect((await get('/Items?Recursive=true')).status).toBe(503);
    expect((await get('/Items?Recursive=true')).status).toBe(200);
  });
});
