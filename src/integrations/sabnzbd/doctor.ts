/**
 * Checks for one SABnzbd instance (it sends no webhooks): reachable (`mode=version`, which needs
 * no key), authenticated (`mode=fullstatus` with the key), and the version with its news servers
 * (an unset or failing server means nothing downloads).
 */
import { displayUrl } from '../../autoconfig/urls.js';
import { makeCheck, skippedAfter, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import { errorMessage } from '../../log.js';
import { UpstreamError } from '../../net/service.js';
import type { DoctorContext } from '../types.js';
import { SabClient } from './client.js';
import type { SabInstance } from './options.js';

export async function checkSabnzbd(inst: SabInstance, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  const where = displayUrl(inst.url);
  const sab = new SabClient({ name: inst.name, url: inst.url, apiKey: inst.api_key, timeoutMs: ctx.timeoutMs ?? 8000, retries: 0 });
  let version: string;
  try {
    version = await sab.version();
  } catch (err) {
    const down = !(err instanceof UpstreamError) || err.status === null;
    const what = down ? `Cannot reach ${label} at ${where}` : `${label} at ${where} does not answer as SABnzbd's API does (the URL of its web interface, e.g. http://sabnzbd:8080?)`;
    return [makeCheck(s, 'reachable', 'error', what, errorMessage(err)), ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
  }
  const checks: DoctorCheck[] = [makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`)];
  try {
    const status = await sab.fullstatus();
    checks.push(makeCheck(s, 'authenticated', 'ok', `${label} accepts the API key`));
    const servers = status.servers ?? [];
    const broken = servers.filter((x) => x.serveractive !== false && x.servererror);
    if (!servers.length) {
      checks.push(makeCheck(s, 'version', 'warning', `${label} ${version} has no news server set up: nothing can download`));
    } else if (broken.length) {
      const detail = broken.map((x) => `${x.servername ?? 'server'}: ${x.servererror}`).join('; ');
      checks.push(makeCheck(s, 'version', 'warning', `${label} ${version}: ${broken.length} of ${servers.length} news server(s) report an error`, detail));
    } else {
      checks.push(makeCheck(s, 'version', 'ok', `${label} ${version} (${servers.length} news server${servers.length === 1 ? '' : 's'})`));
    }
  } catch (err) {
    const status = err instanceof UpstreamError ? err.status : null;
    const refused = status === 401 || status === 403;
    checks.push(makeCheck(s, 'authenticated', 'error', refused ? `${label} refuses the API key` : `${label} answered an error with the API key`, errorMessage(err)));
    checks.push(...skippedAfter(s, ['version'], refused ? 'the API key is refused' : 'no answer with the API key'));
  }
  return checks;
}
