/** Helpers for an integration's webhook handler. */
import type { ParseResult } from '../adapters/types.js';
import type { WebhookOutcome } from './types.js';

/** A parser's verdict as a webhook outcome: events to ingest, or the fields that are wrong. */
export function parsed(result: ParseResult): WebhookOutcome {
  return result.ok ? { kind: 'events', events: result.events, note: result.note } : { kind: 'invalid', errors: result.errors };
}
