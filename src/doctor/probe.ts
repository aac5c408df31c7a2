/**
 * The first three checks every HTTP service gets: reachable (something answers at the
 * URL), authenticated (the key is accepted; 401/403 → "wrong API key") and version. Later
 * checks of a service only run when these pass.
 */
import { displayUrl } from '../autoconfig/urls.js';
import { jsonOrNull } from '../json.js';
import { errorMessage } from '../log.js';
import { ServiceClient, type RawResponse } from '../net/service.js';
import { makeCheck, skippedAfter, subjectLabel, type CheckKind, type DoctorCheck, type Subject } from './types.js';

export interface ProbeSpec {
  subject: Subject;
  url: string;
  /** Headers that carry the key. */
  auth: Record<string, string>;
  /** A path that answers without a key (its JSON carries the version), or null when only the key path exists. */
  publicPath: string | null;
  /** A path that needs the key; a list when a newer version renamed it (the first that does not answer 404 counts). */
  keyPath: string | readonly string[];
  /** The version from the public answer (or the keyed one when there is no public path). */
  version: (data: unknown) => string | null;
  /** Below this version: a warning saying why. */
  minVersion?: { version: string; why: string };
  timeoutMs?: number;
  /** Checks that follow and are skipped when these fail. */
  later: readonly CheckKind[];
}

export interface ProbeResult {
  checks: DoctorCheck[];
  ok: boolean;
  /** The keyed answer's JSON, for checks that need it. */
  keyed: unknown;
}

export function client(service: string, url: string, headers: Record<string, string>, timeoutMs = 8000): ServiceClient {
  return new ServiceClient({ service, baseUrl: url, headers, timeoutMs, retries: 0 });
}

/** Numeric comparison of dotted versions (`4.0.10` ≥ `4.0.6`); a leading `v` is ignored. */
export function versionAtLeast(version: string, min: string): boolean {
  const parts = (v: string) =>
    v
      .replace(/^v/i, '')
      .split(/[.-]/)
      .map((p) => Number.parseInt(p, 10) || 0);
  const a = parts(version);
  const b = parts(min);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export async function probe(spec: ProbeSpec): Promise<ProbeResult> {
  const s = spec.subject;
  const label = subjectLabel(s);
  const where = displayUrl(spec.url);
  const anon = client(`${s.integration}/${s.instance ?? s.integration}`, spec.url, {}, spec.timeoutMs);
  const keyed = client(`${s.integration}/${s.instance ?? s.integration}`, spec.url, spec.auth, spec.timeoutMs);
  const fail = (checks: DoctorCheck[], after: readonly CheckKind[], reason: string): ProbeResult => ({
    checks: [...checks, ...skippedAfter(s, after, reason)],
    ok: false,
    keyed: null,
  });

  const keyPaths = typeof spec.keyPath === 'string' ? [spec.keyPath] : spec.keyPath;
  let keyPath = keyPaths[0]!;
  let first: RawResponse;
  const firstPath = spec.publicPath ?? keyPath;
  try {
    first = await (spec.publicPath ? anon : keyed).raw('GET', firstPath, { retry: false });
  } catch (err) {
    const why = errorMessage(err).replace(/^[^:]*: /, '');
    const reachable = makeCheck(s, 'reachable', 'error', `Cannot reach ${label} at ${where}`, `${why}. Check the URL in the options and that ${label} is running and reachable from the tracker.`);
    return fail([reachable], ['authenticated', 'version', ...spec.later], `${label} is unreachable`);
  }
  const keyRejected = (status: number) => status === 401 || status === 403;
  if (first.status >= 500 || (first.status >= 300 && !keyRejected(first.status))) {
    const hint = first.status === 404 ? ` Is ${where} the address of ${label} (including any base path)?` : '';
    const reachable = makeCheck(s, 'reachable', 'error', `${label} answered HTTP ${first.status} at ${where}`, `GET ${firstPath} answered HTTP ${first.status}.${hint}`);
    return fail([reachable], ['authenticated', 'version', ...spec.later], `${label} does not answer as expected`);
  }
  const checks = [makeCheck(s, 'reachable', 'ok', `${label} answers at ${where}`)];

  let keyedRes: RawResponse = first;
  if (spec.publicPath) {
    try {
      for (const path of keyPaths) {
        keyPath = path;
        keyedRes = await keyed.raw('GET', path, { retry: false });
        if (keyedRes.status !== 404) break;
      }
    } catch (err) {
      return fail(checks, ['authenticated', 'version', ...spec.later], `${label} stopped answering: ${errorMessage(err)}`);
    }
  }
  if (keyRejected(keyedRes.status)) {
    checks.push(makeCheck(s, 'authenticated', 'error', `${label} refuses the API key: wrong API key (HTTP ${keyedRes.status})`, `Copy the API key from ${label}'s settings into the options.`));
    const version = versionCheck(spec, jsonOrNull(first.text));
    return {
      checks: [...checks, ...(spec.publicPath ? [version] : skippedAfter(s, ['version'], 'the API key is wrong')), ...skippedAfter(s, spec.later, 'the API key is wrong')],
      ok: false,
      keyed: null,
    };
  }
  if (keyedRes.status < 200 || keyedRes.status >= 300) {
    checks.push(makeCheck(s, 'authenticated', 'error', `${label} answered HTTP ${keyedRes.status} to an authenticated request`, `GET ${keyPath}`));
    return fail(checks, ['version', ...spec.later], `${label} answered HTTP ${keyedRes.status}`);
  }
  checks.push(makeCheck(s, 'authenticated', 'ok', `${label} accepts the API key`));
  checks.push(versionCheck(spec, jsonOrNull(first.text)));
  return { checks, ok: true, keyed: jsonOrNull(keyedRes.text) };
}

function versionCheck(spec: ProbeSpec, data: unknown): DoctorCheck {
  const s = spec.subject;
  const label = subjectLabel(s);
  const version = spec.version(data);
  if (!version) return makeCheck(s, 'version', 'warning', `${label} did not say its version`);
  if (spec.minVersion && !versionAtLeast(version, spec.minVersion.version)) {
    return makeCheck(s, 'version', 'warning', `${label} ${version} is older than ${spec.minVersion.version}`, spec.minVersion.why);
  }
  return makeCheck(s, 'version', 'ok', `${label} ${version}`);
}
