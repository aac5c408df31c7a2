/** Checks for one Sonarr/Radarr instance: reachable, key, version, the webhook connection, the last webhook. */
import { z } from 'zod';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { displayUrl, hookUrl } from '../../autoconfig/urls.js';
import { lastEventCheck } from '../../doctor/events.js';
import { probe } from '../../doctor/probe.js';
import { makeCheck, subjectLabel, type DoctorCheck } from '../../doctor/types.js';
import type { DoctorContext } from '../types.js';
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
    later: ['webhook'],
    timeoutMs: ctx.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(await arrWebhook(kind, inst, single, ctx));
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
