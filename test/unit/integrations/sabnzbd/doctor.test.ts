/** The SABnzbd doctor checks against the fake: reachable (keyless), authenticated (fullstatus with the key), version and servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { checkSabnzbd } from '../../../../src/integrations/sabnzbd/doctor.js';
import type { DoctorContext } from '../../../../src/integrations/types.js';
import { freePorts } from '../../../helpers/ports.js';
import { FakeSabnzbd, type FakeSabOptions } from '../../../fakes/sabnzbd.js';

const KEY = 'doctor-Sab-Key-0a9b8c';
const ctx = { subject: (instance: string | null) => ({ integration: 'sabnzbd', instance, label: 'SABnzbd' }), timeoutMs: 2000 } as unknown as DoctorContext;

let fake: FakeSabnzbd | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const summary = (checks: Awaited<ReturnType<typeof checkSabnzbd>>) => checks.map((c) => [c.check, c.status, c.summary]);

describe('SABnzbd doctor', () => {
  it('all well: reachable, key accepted, version with its news servers', async () => {
    fake = await FakeSabnzbd.start({ apiKey: KEY, servers: [{ servername: 'a' }, { servername: 'b' }] });
    const checks = await checkSabnzbd({ name: 'nas', url: fake.url, api_key: KEY }, ctx);
    expect(summary(checks)).toEqual([
      ['reachable', 'ok', `SABnzbd (nas) answers at ${fake.url}/`],
      ['authenticated', 'ok', 'SABnzbd (nas) accepts the API key'],
      ['version', 'ok', 'SABnzbd (nas) 5.0.1 (2 news servers)'],
    ]);
    expect(fake.log.last('GET /api mode=fullstatus')?.query).toMatchObject({ apikey: KEY, skip_dashboard: '1' });
  });

  it.each<[string, Partial<FakeSabOptions>]>([
    ['403', {}],
    ['SABnzbd 2.x text error', { keyErrors: 'legacy' }],
  ])('a wrong key (%s): authenticated is an error without the key in it', async (_n, opts) => {
    fake = await FakeSabnzbd.start({ apiKey: KEY, ...opts });
    const wrong = 'Wr0ng-doctor-key-99';
    const checks = await checkSabnzbd({ name: 'nas', url: fake.url, api_key: wrong }, ctx);
    expect(summary(checks)).toEqual([
      ['reachable', 'ok', `SABnzbd (nas) answers at ${fake.url}/`],
      ['authenticated', 'error', 'SABnzbd (nas) refuses the API key'],
      ['version', 'skipped', 'Not checked: the API key is refused'],
    ]);
    expect(JSON.stringify(checks)).not.toContain(wrong);
  });

  it('a news server in error is a warning naming it', async () => {
    fake = await FakeSabnzbd.start({ apiKey: KEY, servers: [{ servername: 'news.example.com', servererror: 'Authentication failed' }, { servername: 'backup' }] });
    const [, , version] = await checkSabnzbd({ name: 'nas', url: fake.url, api_key: KEY }, ctx);
    expect(version).toMatchObject({ status: 'warning', summary: 'SABnzbd (nas) 5.0.1: 1 of 2 news server(s) report an error', detail: 'news.example.com: Authentication failed' });
  });

  it('nothing listening: reachable is an error, the rest skipped', async () => {
    const [port] = (await freePorts(1)) as [number];
    const checks = await checkSabnzbd({ name: 'nas', url: `http://127.0.0.1:${port}`, api_key: KEY }, ctx);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ['reachable', 'error'],
      ['authenticated', 'skipped'],
      ['version', 'skipped'],
    ]);
  });
});
