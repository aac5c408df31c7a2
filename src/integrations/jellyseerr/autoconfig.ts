/**
 * Jellyseerr's webhook notifications (`/api/v1/settings/notifications/webhook`, docs/upstreams.md §3).
 * It has a single slot. A slot pointing elsewhere (Home Assistant's Overseerr integration
 * takes it for itself) is never replaced silently: without consent the run reports
 * `skipped`; with `forward_existing` the tracker takes it, stores the previous receiver and
 * forwards every notification there unchanged (forward.ts).
 *
 * Wire format: GET answers the template as text (`options.jsonPayload`); POST and `/test`
 * take it as a JSON string literal (`JSON.stringify(text)`), which Jellyseerr validates with
 * `JSON.parse` and stores base64-encoded.
 */
import { z } from 'zod';
import { redact } from '../../log.js';
import { ServiceClient } from '../../net/service.js';
import type { ForwardTarget, LocalSettings } from '../../secrets.js';
import { callJson, failureMessage } from '../../autoconfig/http.js';
import { missingTemplateFields, TRACKER_TEMPLATE, TRACKER_TYPES } from './template.js';
import type { AutoconfigAction, AutoconfigContext } from '../../autoconfig/types.js';
import { describeReceiver, displayUrl, hookUrl, receiptKey, urlMatches, type PublicBase } from '../../autoconfig/urls.js';

export const WebhookSettingsSchema = z.looseObject({
  enabled: z
    .boolean()
    .nullish()
    .transform((v) => v ?? false),
  types: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? 0),
  options: z.looseObject({
    webhookUrl: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    authHeader: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
    /** The template text (GET decodes it). */
    jsonPayload: z
      .string()
      .nullish()
      .transform((v) => v ?? ''),
  }),
});
export type WebhookSettings = z.infer<typeof WebhookSettingsSchema>;

export type Slot = { kind: 'free' } | { kind: 'ours'; url: string } | { kind: 'foreign'; url: string; enabled: boolean };

const SETTINGS = '/api/v1/settings/notifications/webhook';

export function jellyseerrClient(o: { url: string; api_key: string }, timeoutMs = 15_000): ServiceClient {
  return new ServiceClient({ service: 'jellyseerr', baseUrl: o.url, headers: { 'x-api-key': o.api_key }, timeoutMs, retries: 0 });
}

export async function readWebhookSettings(client: ServiceClient): Promise<WebhookSettings> {
  return WebhookSettingsSchema.parse(await callJson(client, 'GET', SETTINGS));
}

export function classifySlot(hook: WebhookSettings, wanted: string, base: PublicBase): Slot {
  const url = hook.options.webhookUrl.trim();
  if (!url) return { kind: 'free' };
  if (urlMatches(url, wanted, base)) return { kind: 'ours', url };
  return { kind: 'foreign', url, enabled: hook.enabled };
}

/** What keeps our slot from working (empty: nothing). Checked by the doctor too. */
export function webhookProblems(hook: WebhookSettings, secret: string): string[] {
  const problems: string[] = [];
  if (!hook.enabled) problems.push('the webhook is disabled');
  if (hook.options.authHeader !== `Bearer ${secret}`) problems.push('the Authorization header is not the tracker secret');
  const missingTypes = TRACKER_TYPES & ~hook.types;
  if (missingTypes) problems.push(`notification types off (bitmask ${missingTypes})`);
  const missing = missingTemplateFields(hook.options.jsonPayload, true);
  if (missing.length) problems.push(`the JSON payload lacks ${missing.join(', ')}`);
  return problems;
}

export interface JellyseerrRun {
  options: { url: string; api_key: string };
  forwardExisting: boolean;
  settings: LocalSettings;
  clock?: () => Date;
}

export async function configureJellyseerr(run: JellyseerrRun, ctx: AutoconfigContext): Promise<AutoconfigAction> {
  const result = (action: AutoconfigAction['action'], detail: string, test: AutoconfigAction['test'] = 'not run'): AutoconfigAction => ({
    service: 'jellyseerr',
    instance: null,
    action,
    detail: redact(detail),
    test,
  });
  const client = jellyseerrClient(run.options, ctx.timeoutMs);
  const wanted = hookUrl(ctx.base, 'jellyseerr');
  let hook: WebhookSettings;
  try {
    hook = await readWebhookSettings(client);
  } catch (err) {
    return result('failed', failureMessage(err));
  }
  const slot = classifySlot(hook, wanted, ctx.base);
  const notes: string[] = [];
  let forward: ForwardTarget | null = null;
  if (slot.kind === 'foreign') {
    const who = describeReceiver(slot.url);
    // Consent was given for this very receiver when the tracker first took its slot; Home
    // Assistant's integration re-registers itself at every start, so taking it back is expected.
    const retaking = run.settings.jellyseerrForward?.url === slot.url;
    if (!run.forwardExisting && !retaking) {
      return result(
        'skipped',
        `Jellyseerr's only webhook slot is used by ${who}; it was left alone. Run auto-configuration with forward_existing to take the slot and forward every Jellyseerr notification there unchanged.`,
      );
    }
    if (retaking) notes.push(`${who} had taken the slot back; the tracker took it again.`);
    if (slot.enabled) {
      forward = { url: slot.url, auth_header: hook.options.authHeader, types: hook.types, since: (run.clock?.() ?? new Date()).toISOString() };
      notes.push(`Took the webhook slot from ${who}; every notification of the types it subscribed to is forwarded there unchanged.`);
    } else {
      notes.push(`Took the webhook slot from ${who}, which was disabled, so nothing is forwarded.`);
    }
  }
  let retest = false;
  if (slot.kind === 'ours' && webhookProblems(hook, ctx.secret).length === 0) {
    const kept = run.settings.jellyseerrForward;
    const fwd = kept ? ` Notifications are forwarded to ${describeReceiver(kept.url)}.` : '';
    const same = await withTest(
      client,
      hook,
      result('unchanged', `Jellyseerr's webhook already points at ${displayUrl(slot.url)} with the secret, the notification types and a template the tracker reads.${fwd}`),
      ctx,
    );
    // A URL kept for its path may carry an old host or port: when the test fails, write the wanted one.
    if (same.test === 'passed' || slot.url === wanted) return same;
    retest = true;
    notes.push(`Its test failed at ${displayUrl(slot.url)}, so the URL was set to ${displayUrl(wanted)}.`);
  }

  // Keep the template in place when it carries what we read: the forwarded body then stays what the previous receiver got.
  const keepTemplate = slot.kind !== 'free' && missingTemplateFields(hook.options.jsonPayload, true).length === 0;
  if (forward && !keepTemplate) notes.push("Its template lacked fields the tracker reads, so the tracker's template replaced it: the forwarded body changes shape.");
  const desired: WebhookSettings = {
    enabled: true,
    types: TRACKER_TYPES | (slot.kind === 'free' ? 0 : hook.types),
    options: {
      webhookUrl: slot.kind === 'ours' && !retest && urlMatches(slot.url, wanted, ctx.base) ? slot.url : wanted,
      authHeader: `Bearer ${ctx.secret}`,
      jsonPayload: keepTemplate ? hook.options.jsonPayload : TRACKER_TEMPLATE,
    },
  };
  try {
    // Stored before the slot changes hands, so no notification goes unforwarded. A free slot
    // means the previous receiver was removed in Jellyseerr: stop forwarding to it.
    if (forward || slot.kind === 'free') await run.settings.setJellyseerrForward(forward);
    await callJson(client, 'POST', SETTINGS, wireBody(desired));
  } catch (err) {
    return result('failed', failureMessage(err));
  }
  const action = slot.kind === 'ours' ? 'updated' : 'created';
  const problems = webhookProblems(hook, ctx.secret);
  const what =
    slot.kind !== 'ours' ? `Jellyseerr's webhook set to ${displayUrl(wanted)}.` : problems.length ? `Jellyseerr's webhook updated (${problems.join('; ')}).` : "Jellyseerr's webhook updated.";
  return withTest(client, desired, result(action, [what, ...notes].join(' ')), ctx);
}

/** The body Jellyseerr's settings page posts: the template as a JSON string literal. */
function wireBody(hook: WebhookSettings): Record<string, unknown> {
  return { enabled: hook.enabled, types: hook.types, options: { ...hook.options, jsonPayload: JSON.stringify(hook.options.jsonPayload) } };
}

/** `POST …/webhook/test` sends TEST_NOTIFICATION with these settings; the tracker must count it. */
async function withTest(client: ServiceClient, hook: WebhookSettings, action: AutoconfigAction, ctx: AutoconfigContext): Promise<AutoconfigAction> {
  const key = receiptKey(hook.options.webhookUrl) ?? 'jellyseerr';
  const before = ctx.receipts.count(key);
  let detail: string;
  let passed = false;
  try {
    await callJson(client, 'POST', `${SETTINGS}/test`, wireBody(hook));
    passed = ctx.receipts.count(key) > before;
    detail = passed ? 'Test notification received.' : `Jellyseerr reported its test as sent, but nothing reached the tracker at ${displayUrl(hook.options.webhookUrl)}.`;
  } catch (err) {
    detail = `Test failed: ${failureMessage(err)}`;
  }
  return {
    ...action,
    action: !passed && action.action === 'unchanged' ? 'failed' : action.action,
    detail: redact(`${action.detail} ${detail}`),
    test: passed ? 'passed' : 'failed',
  };
}
