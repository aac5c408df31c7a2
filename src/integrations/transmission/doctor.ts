/** Checks for one Transmission instance: reachable, authenticated, version (it sends no webhooks). */
import { displayUrl } from '../../autoconfig/urls.js';
import { makeCheck, skippedAfter, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import { errorMessage } from '../../log.js';
import { UpstreamError } from '../../net/service.js';
import type { DoctorContext } from '../types.js';
import { TrClient } from './client.js';

export async function checkTransmission(inst: { name: string; url: string; username: string; password: string }, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  const where = displayUrl(inst.url);
  const tr = new TrClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: ctx.timeoutMs ?? 8000 });
  const checks: DoctorCheck[] = [];
  try {
    const session = await tr.session();
    checks.push(makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`));
    checks.push(makeCheck(s, 'authenticated', 'ok', inst.username ? `${label} accepts the username and password` : `${label} lets the tracker in without a login`));
    const rpc = session['rpc-version'];
    checks.push(makeCheck(s, 'version', 'ok', `${label} ${session.version ?? '(version not reported)'}${rpc !== undefined ? ` (RPC ${rpc})` : ''}`));
  } catch (err) {
    const status = err instanceof UpstreamError ? err.status : null;
    if (status === null) {
      checks.push(makeCheck(s, 'reachable', 'error', `Cannot reach ${label} at ${where}`, errorMessage(err)));
      return [...checks, ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
    }
    checks.push(makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`));
    const refused = status === 401 || status === 403 || status === 421;
    checks.push(makeCheck(s, 'authenticated', 'error', refused ? `${label} refuses the tracker` : `${label} answered HTTP ${status}`, errorMessage(err)));
    checks.push(...skippedAfter(s, ['version'], 'not let in'));
  }
  return checks;
}
