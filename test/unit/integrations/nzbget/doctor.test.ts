/** The NZBGet doctor checks against the fake: reachable, authenticated (401 on a wrong login), version and news servers. */
import { afterEach, describe, expect, it } from 'vitest';
import { checkNzbget } from '../../../../src/integrations/nzbget/doctor.js';
import type { DoctorContext } from '../../../../src/integrations/types.js';
import { freePorts } from '../../../helpers/ports.js';
import { FakeNzbget } from '../../../fakes/nzbget.js';

const PASSWORD = 'doctor-Nzb-pass-0a9b8c';
const ctx = { subject: (instance: string | null) => ({ integration: 'nzbget', instance, label: 'NZBGet' }), timeoutMs: 2000 } as unknown as DoctorContext;

let fake: FakeNzbget | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const summary = (checks: Awaited<ReturnType<typeof checkNzbget>>) => checks.map((c) => [c.check, c.status, c.summary]);

describe('NZBGet doctor', () => {
  it('all well: reachable, login accepted, version with its news servers', async () => {
    fake = await FakeNzbget.start({ password: PASSWORD, newsServers: 2 });
    const checks = await checkNzbget({ name: 'nas', url: fake.url, username: 'nzbget', password: PASSWORD }, ctx);
    expect(summary(checks)).toEqual([
      ['reachable', 'ok', `NZBGet (nas) answers at ${fake.url}/`],
      ['authenticated', 'ok', 'NZBGet (nas) accepts the username and password'],
      ['version', 'ok', 'NZBGet (nas) 21.0 (2 news servers)'],
    ]);
  });

  it('a wrong password: authenticated is an error naming HTTP 401, without the password', async () => {
    fake = await FakeNzbget.start({ password: PASSWORD });
    const wrong = 'Wr0ng-doctor-pass-99';
    const checks = await checkNzbget({ name: 'nas', url: fake.url, username: 'nzbget', password: wrong }, ctx);
    expect(summary(checks)).toEqual([
      ['reachable', 'ok', `NZBGet (nas) answers at ${fake.url}/`],
      ['authenticated', 'error', 'NZBGet (nas) refuses the username and password'],
      ['version', 'skipped', 'Not checked: the login is refused'],
    ]);
    expect(checks[1]?.detail).toContain('HTTP 401');
    expect(JSON.stringify(checks)).not.toContain(wrong);
  });

  it('nothing listening: reachable is an error, the rest skipped', async () => {
    const [port] = (await freePorts(1)) as [number];
    const checks = await checkNzbget({ name: 'nas', url: `http://127.0.0.1:${port}`, username: 'nzbget', password: PASSWORD }, ctx);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ['reachable', 'error'],
      ['authenticated', 'skipped'],
      ['version', 'skipped'],
    ]);
  });
});
