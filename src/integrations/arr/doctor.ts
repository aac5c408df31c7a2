/**
 * Checks for one Sonarr/Radarr instance: reachable, key, version, the webhook connection, the
 * download clients it uses (and which the tracker follows itself), the last webhook.
 */
import { z } from 'zod';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { displayUrl, hookUrl } from '../../autoconfig/urls.js';
import { lastEventCheck } from '../../doctor/events.js';
import { probe } from '../../doctor/probe.js';
import { makeCheck, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import type { DoctorContext } from '../types.js';
import { clientAddress, coverage, readDownloadClients, type ArrDownloadClient, type DownloadClientList } from './downloadclients.js';
import { arrClient, connectionProblems, findConnection, NotificationSchema, SystemStatusSchema, TRIGGERS, type ArrKind } from './autoconfig.js';
import type { ArrInstanceOptions } from './options.js';

const MIN_VERSION: Record<ArrKind, { version: string; why: string }> = {
  sonarr: { version: '4.0.6', why: 'Sonarr before 4.0.6 has no "On Import Complete" trigger, so season packs and manual imports can be missed.' },
  radarr: { version: '5.0', why: 'Radarr 4 and older are not tested; their webhook payloads may differ.' },
};

/** Every instance of the service, checked in parallel. */
export async function checkArrInstances(kind: ArrKind, list: readonly ArrInstanceOptions[], ctx: DoctorContext): Promise<DoctorCheck[]> {
  return (await Promise.all(list.map((inst) => checkArr(kind, inst, list.length === 1, ctx)))).flat();
}

export async function checkArr(kind: ArrKind, inst: { name: string; url: string; api_key: string }, single: boolean, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(inst.name);
  const p = await probe({
    subject: s,
    url: inst.url,
    auth: { 'x-api-key': inst.api_key },
    publicPath: null,
    keyPath: '/api/v3/system/status',
    version: (d) => SystemStatusSchema.safeParse(d).data?.version ?? null,
    minVersion: MIN_VERSION[kind],
    later: ['webhook', 'download_clients'],
    timeoutMs: ctx.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(...(await Promise.all([arrWebhook(kind, inst, single, ctx), arrDownloadClients(kind, inst, ctx)])));
  checks.push(lastEventCheck(s, [`${kind}/${inst.name}`, ...(single ? [kind] : [])], ctx.events()));
  return checks;
}

async function arrWebhook(kind: ArrKind, inst: { name: string; url: string; api_key: string }, single: boolean, ctx: DoctorContext): Promise<DoctorCheck> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  const wanted = hookUrl(ctx.base, kind, inst.name);
  let list: z.infer<typeof NotificationSchema>[];
  try {
    list = z.array(NotificationSchema).parse(await callJson(arrClient(kind, inst, ctx.timeoutMs), 'GET', '/api/v3/notification'));
  } catch (err) {
    return makeCheck(s, 'webhook', 'error', `Could not read ${label}'s connections`, failureMessage(err));
  }
  const found = findConnection(list, kind, inst.name, single);
  if (!found) {
    return makeCheck(s, 'webhook', 'error', `No Media Tracker webhook in ${label}`, `${label} has no webhook connection pointing at ${displayUrl(wanted)}.`, 'autoconfigure');
  }
  const problems = connectionProblems(found, kind, wanted, ctx.base);
  if (problems.length === 0) {
    return makeCheck(s, 'webhook', 'ok', `${label} sends its webhooks to the tracker`, `Connection "${found.name ?? ''}" with ${TRIGGERS[kind].join(', ')}.`);
  }
  const serious = problems.some((p) => !p.startsWith('triggers off'));
  return makeCheck(s, 'webhook', serious ? 'error' : 'warning', `${label}'s "${found.name ?? 'Webhook'}" connection needs fixing`, `${problems.join('; ')}.`, 'autoconfigure');
}

/** One client in words: what it is, where, and how the tracker follows it. */
function describeClient(c: ArrDownloadClient, label: string, ctx: DoctorContext): { line: string; short: string } {
  const what = `${label} uses ${c.label}${c.name.toLowerCase() !== c.label.toLowerCase() ? ` "${c.name}"` : ''} (${[c.protocol, clientAddress(c), ...(c.category ? [`category ${c.category}`] : [])].join(', ')})`;
  if (!c.enabled) return { line: `${what}: disabled in ${label}`, short: `${c.label} (disabled)` };
  const queue = `followed through ${label}'s queue`;
  const cov = coverage(c, ctx.directClients);
  switch (cov.kind) {
    case 'direct':
      return { line: `${what}: followed directly by the tracker's ${cov.via.label}${cov.instance ? ` instance "${cov.instance}"` : ''}`, short: `${c.label} (followed directly)` };
    case 'elsewhere':
      return {
        line: `${what}: followed directly only if it is the ${cov.via.label} the tracker reaches at ${cov.urls.map(displayUrl).join(', ')} (the address differs); otherwise ${queue}`,
        short: `${c.label} (another address than the tracker's)`,
      };
    case 'queue':
      return cov.via
        ? {
            line: `${what}: ${queue}; add ${/^[aeiou]/i.test(cov.via.id) ? 'an' : 'a'} ${cov.via.id} instance for finer progress (auto-configuration offers the options to add)`,
            short: `${c.label} (through ${label}'s queue)`,
          }
        : { line: `${what}: ${queue} (the tracker has no ${c.label} integration)`, short: `${c.label} (through ${label}'s queue)` };
  }
}

/** Which download clients the instance uses, and whether the tracker follows each itself or through the queue (coarser, still shown). */
async function arrDownloadClients(kind: ArrKind, inst: { name: string; url: string; api_key: string }, ctx: DoctorContext): Promise<DoctorCheck> {
  const s = ctx.subject(inst.name);
  const label = subjectLabel(s);
  let list: DownloadClientList;
  try {
    list = await readDownloadClients(arrClient(kind, inst, ctx.timeoutMs), inst.name);
  } catch (err) {
    return makeCheck(s, 'download_clients', 'warning', `Could not read ${label}'s download clients`, `${failureMessage(err)}. Downloads are still followed through ${label}'s queue.`);
  }
  const described = list.clients.map((c) => describeClient(c, label, ctx));
  const unreadable = list.unreadable.length ? [`${list.unreadable.length} entr${list.unreadable.length === 1 ? 'y' : 'ies'} could not be read (${list.unreadable.join('; ')})`] : [];
  const detail = [...described.map((d) => d.line), ...unreadable].map((l) => `${l}.`).join(' ') || null;
  if (!list.clients.some((c) => c.enabled)) {
    const none = list.clients.length ? `${label}'s download clients are all disabled` : `${label} has no download client`;
    return makeCheck(s, 'download_clients', 'warning', `${none}: nothing it grabs can download`, detail ?? `Add one in ${label} → Settings → Download Clients.`);
  }
  const shorts = described.map((d) => d.short);
  const listed = shorts.length === 1 ? shorts[0]! : `${shorts.slice(0, -1).join(', ')} and ${shorts.at(-1)!}`;
  return makeCheck(s, 'download_clients', 'ok', `${label} uses ${listed}`, detail);
}
