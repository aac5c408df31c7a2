/**
 * Checks for one NZBGet instance (it sends no webhooks): reachable, authenticated (a wrong login
 * is HTTP 401), and the version with its news servers (none active means nothing downloads).
 */
import { displayUrl } from '../../autoconfig/urls.js';
import { makeCheck, skippedAfter, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import { errorMessage } from '../../log.js';
import { UpstreamError } from '../../net/service.js';
import type { DoctorContext } from '../types.js';
import { NzbClient } from './client.js';
import type { NzbInstance } from './options.js';

export async function checkNzbget(inst: NzbInstance, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  const where = displayUrl(inst.url);
  const nzb = new NzbClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: ctx.timeoutMs ?? 8000 });
  let version: string;
  try {
    version = await nzb.version();
  } catch (err) {
    const status = err instanceof UpstreamError ? err.status : null;
    if (status === null) {
      return [makeCheck(s, 'reachable', 'error', `Cannot reach ${label} at ${where}`, errorMessage(err)), ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
    }
    const checks = [makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`)];
    if (status === 401 || status === 403) {
      checks.push(makeCheck(s, 'authenticated', 'error', `${label} refuses the username and password`, errorMessage(err)));
      return [...checks, ...skippedAfter(s, ['version'], 'the login is refused')];
    }
    const what = `${label} at ${where} does not answer as NZBGet's JSON-RPC does (the URL of its web interface, e.g. http://nzbget:6789?)`;
    return [makeCheck(s, 'reachable', 'error', what, errorMessage(err)), ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
  }
  const checks: DoctorCheck[] = [makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`)];
  checks.push(makeCheck(s, 'authenticated', 'ok', inst.password ? `${label} accepts the username and password` : `${label} lets the tracker in without a password`));
  try {
    const status = await nzb.status();
    const servers = status.NewsServers ?? [];
    const active = servers.filter((x) => x.Active !== false).length;
    if (servers.length > 0 && active === 0) checks.push(makeCheck(s, 'version', 'warning', `${label} ${version}: no news server is active: nothing can download`));
    else checks.push(makeCheck(s, 'version', 'ok', `${label} ${version}${servers.length ? ` (${active} news server${active === 1 ? '' : 's'})` : ''}`));
  } catch (err) {
    checks.push(makeCheck(s, 'version', 'warning', `${label} ${version}: its status could not be read`, errorMessage(err)));
  }
  return checks;
}
