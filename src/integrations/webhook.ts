/** Helpers for an integration's webhook handler. */
import type { ParseResult } from '../adapters/types.js';
import type { WebhookOutcome } from './types.js';

/** A parser's verdict as a webhook outcome: events to ingest, or the fields that are wrong. */
export function parsed(result: ParseResult): WebhookOutcome {
  if (!result.ok) return { kind: 'invalid', errors: result.errors };
  return { kind: 'events', events: result.events, note: result.note, ...(result.notices?.length ? { notices: result.notices } : {}) };
}
