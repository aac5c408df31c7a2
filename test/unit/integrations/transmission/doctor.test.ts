/** The doctor's checks for one Transmission instance: reachable, authenticated, version. */
import { afterEach, describe, expect, it } from 'vitest';
import type { DoctorContext } from '../../../../src/integrations/types.js';
import { checkTransmission } from '../../../../src/integrations/transmission/doctor.js';
import { freePorts } from '../../../helpers/ports.js';
import { FakeTransmission } from '../../../helpers/transmission.js';

const PASSWORD = 'doctor-Secret-tr-1a2b';
const ctx = { subject: (instance: string | null) => ({ integration: 'transmission', instance, label: 'Transmission' }), timeoutMs: 2_000 } as unknown as DoctorContext;

let fake: FakeTransmission | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const brief = (checks: Awaited<ReturnType<typeof checkTransmission>>) => checks.map((c) => [c.check, c.status, c.summary]);

describe('checkTransmission', () => {
  it('all ok: the version and RPC version from session-get', async () => {
    fake = await FakeTransmission.start({ username: 'tracker', password: PASSWORD });
    const checks = await checkTransmission({ name: 'nas', url: fake.url, username: 'tracker', password: PASSWORD }, ctx);
    expect(brief(checks)).toEqual([
      ['reachable', 'ok', `Transmission (nas) answers at ${fake.url}/`],
      ['authenticated', 'ok', 'Transmission (nas) accepts the username and password'],
      ['version', 'ok', 'Transmission (nas) 3.00 (fake) (RPC 16)'],
    ]);
    expect(checks.map((c) => c.id)).toEqual(['transmission/nas/reachable', 'transmission/nas/authenticated', 'transmission/nas/version']);
  });

  it('a wrong password: reachable, not authenticated, version skipped; the password is nowhere', async () => {
    fake = await FakeTransmission.start({ username: 'tracker', password: PASSWORD });
    const wrong = 'Wr0ng-doctor-password';
    const checks = await checkTransmission({ name: 'nas', url: fake.url, username: 'tracker', password: wrong }, ctx);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ['reachable', 'ok'],
      ['authenticated', 'error'],
      ['version', 'skipped'],
    ]);
    expect(checks[1]).toMatchObject({ summary: 'Transmission (nas) refuses the tracker', detail: 'transmission/nas: authentication refused: wrong username or password (HTTP 401)' });
    expect(JSON.stringify(checks)).not.toContain(wrong);
  });

  it('nothing listening: unreachable, the rest skipped', async () => {
    const [port] = await freePorts(1);
    const checks = await checkTransmission({ name: 'nas', url: `http://127.0.0.1:${port}`, username: '', password: '' }, ctx);
    expect(checks.map((c) => [c.check, c.status])).toEqual([
      ['reachable', 'error'],
      ['authenticated', 'skipped'],
      ['version', 'skipped'],
    ]);
    expect(checks[0]?.detail).toMatch(/ECONNREFUSED/);
  });
});
