/** Checks for one qBittorrent instance: reachable, login, version (it sends no webhooks). */
import { displayUrl } from '../../autoconfig/urls.js';
import { makeCheck, skippedAfter, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import { errorMessage } from '../../log.js';
import { UpstreamError } from '../../net/service.js';
import type { DoctorContext } from '../types.js';
import { QbClient } from './client.js';

export async function checkQbittorrent(inst: { name: string; url: string; username: string; password: string }, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  const where = displayUrl(inst.url);
  const qb = new QbClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: ctx.timeoutMs ?? 8000, retries: 0 });
  const checks: DoctorCheck[] = [];
  try {
    if (inst.username) await qb.login();
    const version = (await qb.call('GET', '/api/v2/app/version')).text.trim();
    checks.push(makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`));
    checks.push(makeCheck(s, 'authenticated', 'ok', inst.username ? `${label} accepts the username and password` : `${label} lets the tracker in without a login`));
    checks.push(makeCheck(s, 'version', 'ok', `${label} ${version}${qb.apiVersion ? ` (Web API ${qb.apiVersion})` : ''}`));
  } catch (err) {
    const status = err instanceof UpstreamError ? err.status : null;
    if (status === null) {
      checks.push(makeCheck(s, 'reachable', 'error', `Cannot reach ${label} at ${where}`, errorMessage(err)));
      return [...checks, ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
    }
    checks.push(makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`));
    const refused = status === 401 || status === 403 || status === 200;
    checks.push(makeCheck(s, 'authenticated', 'error', refused ? `${label} refuses the login` : `${label} answered HTTP ${status}`, errorMessage(err)));
    checks.push(...skippedAfter(s, ['version'], 'not logged in'));
  }
  return checks;
}
