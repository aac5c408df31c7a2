/** Checks for Sonarr/Radarr, Jellyseerr and qBittorrent. */
import { arrClient, connectionProblems, findConnection, NotificationSchema, SystemStatusSchema, TRIGGERS, type ArrKind } from './autoconfig.js';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { webhookProblems, classifySlot, WebhookSettingsSchema } from '../jellyseerr/autoconfig.js';
import { describeReceiver, displayUrl, hookUrl } from '../../autoconfig/urls.js';
import { errorMessage } from '../../log.js';
import { UpstreamError } from '../../net/service.js';
import { QbClient } from '../qbittorrent/client.js';
import { z } from 'zod';
import type { DoctorEnv } from '../../doctor/env.js';
import { lastEventCheck } from '../../doctor/events.js';
import { probe } from '../../doctor/probe.js';
import { makeCheck, skippedAfter, subjectLabel, type DoctorCheck, type Subject } from '../../doctor/types.js';

const MIN_VERSION: Record<ArrKind, { version: string; why: string }> = {
  sonarr: { version: '4.0.6', why: 'Sonarr before 4.0.6 has no "On Import Complete" trigger, so season packs and manual imports can be missed.' },
  radarr: { version: '5.0', why: 'Radarr 4 and older are not tested; their webhook payloads may differ.' },
};

export async function checkArr(kind: ArrKind, inst: { name: string; url: string; api_key: string }, single: boolean, env: DoctorEnv): Promise<DoctorCheck[]> {
  const s: Subject = { integration: kind, instance: inst.name };
  const p = await probe({
    subject: s,
    url: inst.url,
    auth: { 'x-api-key': inst.api_key },
    publicPath: null,
    keyPath: '/api/v3/system/status',
    version: (d) => SystemStatusSchema.safeParse(d).data?.version ?? null,
    minVersion: MIN_VERSION[kind],
    later: ['webhook'],
    timeoutMs: env.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(await arrWebhook(kind, inst, single, env));
  checks.push(lastEventCheck(s, [`${kind}/${inst.name}`, ...(single ? [kind] : [])], env.events()));
  return checks;
}

async function arrWebhook(kind: ArrKind, inst: { name: string; url: string; api_key: string }, single: boolean, env: DoctorEnv): Promise<DoctorCheck> {
  const s: Subject = { integration: kind, instance: inst.name };
  const label = subjectLabel(s);
  const wanted = hookUrl(env.base, kind, inst.name);
  let list;
  try {
    list = z.array(NotificationSchema).parse(await callJson(arrClient(kind, inst, env.timeoutMs), 'GET', '/api/v3/notification'));
  } catch (err) {
    return makeCheck(s, 'webhook', 'error', `Could not read ${label}'s connections`, failureMessage(err));
  }
  const found = findConnection(list, kind, inst.name, single);
  if (!found) {
    return makeCheck(s, 'webhook', 'error', `No Media Tracker webhook in ${label}`, `${label} has no webhook connection pointing at ${displayUrl(wanted)}.`, 'autoconfigure');
  }
  const problems = connectionProblems(found, kind, wanted, env.base);
  if (problems.length === 0) {
    return makeCheck(s, 'webhook', 'ok', `${label} sends its webhooks to the tracker`, `Connection "${found.name ?? ''}" with ${TRIGGERS[kind].join(', ')}.`);
  }
  const serious = problems.some((p) => !p.startsWith('triggers off'));
  return makeCheck(s, 'webhook', serious ? 'error' : 'warning', `${label}'s "${found.name ?? 'Webhook'}" connection needs fixing`, `${problems.join('; ')}.`, 'autoconfigure');
}

export async function checkJellyseerr(env: DoctorEnv): Promise<DoctorCheck[]> {
  const o = env.options.jellyseerr;
  const s: Subject = { integration: 'jellyseerr', instance: null };
  const p = await probe({
    subject: s,
    url: o.url,
    auth: { 'x-api-key': o.api_key },
    publicPath: '/api/v1/status',
    // The webhook settings need the key, and the webhook check reads them anyway.
    keyPath: '/api/v1/settings/notifications/webhook',
    version: (d) => z.looseObject({ version: z.string() }).safeParse(d).data?.version ?? null,
    later: ['webhook'],
    timeoutMs: env.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(jellyseerrWebhook(s, p.keyed, env));
  checks.push(lastEventCheck(s, ['jellyseerr'], env.events()));
  return checks;
}

function jellyseerrWebhook(s: Subject, data: unknown, env: DoctorEnv): DoctorCheck {
  const parsed = WebhookSettingsSchema.safeParse(data);
  if (!parsed.success) return makeCheck(s, 'webhook', 'error', "Jellyseerr's webhook settings have an unexpected shape", parsed.error.issues.map((i) => i.path.join('.')).join(', '));
  const hook = parsed.data;
  const wanted = hookUrl(env.base, 'jellyseerr');
  const slot = classifySlot(hook, wanted, env.base);
  const forward = env.forward();
  if (slot.kind === 'free') return makeCheck(s, 'webhook', 'error', "Jellyseerr's webhook is not set", `Jellyseerr sends no notification to ${displayUrl(wanted)}.`, 'autoconfigure');
  if (slot.kind === 'foreign') {
    const back = forward?.url === slot.url
      ? ' It was forwarded to until it took the slot back (Home Assistant re-registers its webhook whenever the integration loads); the tracker takes it again.'
      : '';
    return makeCheck(
      s,
      'webhook',
      'error',
      "Jellyseerr's only webhook slot belongs to another receiver",
      `It points at ${describeReceiver(slot.url)}.${back} Auto-configuration with forward_existing takes it and forwards every notification there.`,
      'autoconfigure',
    );
  }
  const problems = webhookProblems(hook, env.secret);
  const fwd = forward ? ` Every notification is forwarded to ${describeReceiver(forward.url)}.` : '';
  if (problems.length === 0) return makeCheck(s, 'webhook', 'ok', 'Jellyseerr sends its notifications to the tracker', `${displayUrl(slot.url)}.${fwd}`);
  const serious = problems.some((p) => p.includes('disabled') || p.includes('Authorization'));
  return makeCheck(s, 'webhook', serious ? 'error' : 'warning', "Jellyseerr's webhook needs fixing", `${problems.join('; ')}.${fwd}`, 'autoconfigure');
}

export async function checkQbittorrent(inst: { name: string; url: string; username: string; password: string }, env: DoctorEnv): Promise<DoctorCheck[]> {
  const s: Subject = { integration: 'qbittorrent', instance: inst.name };
  const label = subjectLabel(s);
  const where = displayUrl(inst.url);
  const qb = new QbClient({ name: inst.name, url: inst.url, username: inst.username, password: inst.password, timeoutMs: env.timeoutMs ?? 8000, retries: 0 });
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
