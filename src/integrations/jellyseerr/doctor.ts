/** Checks for Jellyseerr: reachable, key, version, its single webhook slot, the last webhook. */
import { z } from 'zod';
import { describeReceiver, displayUrl, hookUrl } from '../../autoconfig/urls.js';
import { lastEventCheck } from '../../doctor/events.js';
import { probe } from '../../doctor/probe.js';
import { makeCheck, type DoctorCheck, type Subject } from '../../doctor/types.js';
import type { DoctorContext } from '../types.js';
import { classifySlot, webhookProblems, WebhookSettingsSchema } from './autoconfig.js';

export async function checkJellyseerr(o: { url: string; api_key: string }, ctx: DoctorContext): Promise<DoctorCheck[]> {
  const s = ctx.subject(null);
  const p = await probe({
    subject: s,
    url: o.url,
    auth: { 'x-api-key': o.api_key },
    publicPath: '/api/v1/status',
    // The webhook settings need the key, and the webhook check reads them anyway.
    keyPath: '/api/v1/settings/notifications/webhook',
    version: (d) => z.looseObject({ version: z.string() }).safeParse(d).data?.version ?? null,
    later: ['webhook'],
    timeoutMs: ctx.timeoutMs,
  });
  const checks = p.checks;
  if (p.ok) checks.push(jellyseerrWebhook(s, p.keyed, ctx));
  checks.push(lastEventCheck(s, ['jellyseerr'], ctx.events()));
  return checks;
}

function jellyseerrWebhook(s: Subject, data: unknown, ctx: DoctorContext): DoctorCheck {
  const parsed = WebhookSettingsSchema.safeParse(data);
  if (!parsed.success) return makeCheck(s, 'webhook', 'error', "Jellyseerr's webhook settings have an unexpected shape", parsed.error.issues.map((i) => i.path.join('.')).join(', '));
  const hook = parsed.data;
  const wanted = hookUrl(ctx.base, 'jellyseerr');
  const slot = classifySlot(hook, wanted, ctx.base);
  const forward = ctx.forward();
  if (slot.kind === 'free') return makeCheck(s, 'webhook', 'error', "Jellyseerr's webhook is not set", `Jellyseerr sends no notification to ${displayUrl(wanted)}.`, 'autoconfigure');
  if (slot.kind === 'foreign') {
    const back =
      forward?.url === slot.url ? ' It was forwarded to until it took the slot back (Home Assistant re-registers its webhook whenever the integration loads); the tracker takes it again.' : '';
    return makeCheck(
      s,
      'webhook',
      'error',
      "Jellyseerr's only webhook slot belongs to another receiver",
      `It points at ${describeReceiver(slot.url)}.${back} Auto-configuration with forward_existing takes it and forwards every notification there.`,
      'autoconfigure',
    );
  }
  const problems = webhookProblems(hook, ctx.secret);
  const fwd = forward ? ` Every notification is forwarded to ${describeReceiver(forward.url)}.` : '';
  if (problems.length === 0) return makeCheck(s, 'webhook', 'ok', 'Jellyseerr sends its notifications to the tracker', `${displayUrl(slot.url)}.${fwd}`);
  const serious = problems.some((p) => p.includes('disabled') || p.includes('Authorization'));
  return makeCheck(s, 'webhook', serious ? 'error' : 'warning', "Jellyseerr's webhook needs fixing", `${problems.join('; ')}.${fwd}`, 'autoconfigure');
}
