/** Bridge commands as a client sends them: publish `media/bridge/set/<action>`, await the answer. */
import { randomUUID } from 'node:crypto';
import type { Recorder } from '../helpers/tracker.js';

export interface BridgeAnswer {
  action: string;
  status: 'ok' | 'error';
  transaction?: unknown;
  error?: string;
  result?: unknown;
}

/** `rec` must be subscribed to `media/#` (it sees `media/bridge/response`). */
export async function bridge(rec: Recorder, action: string, payload: Record<string, unknown> = {}, timeoutMs = 20_000): Promise<BridgeAnswer> {
  const transaction = randomUUID();
  const seen = rec.messages.length;
  await rec.client.publishAsync(`media/bridge/set/${action}`, JSON.stringify({ ...payload, transaction }), { qos: 1 });
  return rec.until(
    () =>
      rec.messages
        .slice(seen)
        .filter((m) => m.topic === 'media/bridge/response')
        .map((m) => JSON.parse(m.payload) as BridgeAnswer)
        .find((a) => a.transaction === transaction),
    `the answer to ${action}`,
    timeoutMs,
  );
}
