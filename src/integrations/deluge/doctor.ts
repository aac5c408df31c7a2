/**
 * Checks for one Deluge Web UI (it sends no webhooks): reachable (`auth.login` answered as
 * Deluge's JSON-RPC does), authenticated (the Web UI password), and the version, which needs the
 * Web UI connected to a daemon (connected to the 127.0.0.1 host-list entry when it is not, as the
 * watcher does).
 */
import { displayUrl } from '../../autoconfig/urls.js';
import { makeCheck, skippedAfter, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import { errorMessage } from '../../log.js';
import { UpstreamError } from '../../net/service.js';
import type { DoctorContext } from '../types.js';
import { DelugeClient, DelugeRpcError } from './client.js';
import type { DelugeInstance } from './options.js';

export async function checkDeluge(inst: DelugeInstance, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  const where = displayUrl(inst.url);
  const deluge = new DelugeClient({ name: inst.name, url: inst.url, password: inst.password, timeoutMs: ctx.timeoutMs ?? 8000 });
  try {
    await deluge.login();
  } catch (err) {
    const status = err instanceof UpstreamError ? err.status : null;
    if (status === null) {
      return [makeCheck(s, 'reachable', 'error', `Cannot reach ${label} at ${where}`, errorMessage(err)), ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
    }
    if (status !== 401) {
      const what = `${label} at ${where} does not answer as Deluge's Web UI does (the URL of its Web UI, e.g. http://deluge:8112?)`;
      return [makeCheck(s, 'reachable', 'error', what, errorMessage(err)), ...skippedAfter(s, ['authenticated', 'version'], `${label} is unreachable`)];
    }
    return [
      makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`),
      makeCheck(s, 'authenticated', 'error', `${label} refuses the Web UI password`, errorMessage(err)),
      ...skippedAfter(s, ['version'], 'the password is refused'),
    ];
  }
  const checks: DoctorCheck[] = [makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`), makeCheck(s, 'authenticated', 'ok', `${label} accepts the Web UI password`)];
  try {
    const version = await deluge.daemonVersion();
    const daemon = deluge.connectedTo ? `, the Web UI connected just now to the daemon at ${deluge.connectedTo}` : '';
    checks.push(makeCheck(s, 'version', 'ok', `${label}: daemon ${version}${daemon}`));
  } catch (err) {
    const rpc = err instanceof DelugeRpcError;
    checks.push(makeCheck(s, 'version', 'error', rpc ? `${label}: the daemon does not answer through the Web UI` : `${label}: the Web UI has no daemon (deluged) to talk to`, errorMessage(err)));
  }
  return checks;
}
