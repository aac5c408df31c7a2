/**
 * Sends a bridge command (`<base>/bridge/set/<action>`) to a running tracker through its
 * embedded broker on this machine and waits for the answer on `<base>/bridge/response`:
 * how `npm run doctor` and `npm run autoconfigure` reach the tracker's own view.
 */
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import { z } from 'zod';
import type { Options } from '../config/schema.js';

export const BridgeResponseSchema = z.looseObject({
  action: z.string(),
  status: z.enum(['ok', 'error']),
  transaction: z.unknown().optional(),
  error: z.string().optional(),
  result: z.unknown().optional(),
});
export type BridgeResponse = z.infer<typeof BridgeResponseSchema>;

export class TrackerNotRunning extends Error {}

export async function bridgeCommand(options: Options, action: string, payload: Record<string, unknown>, timeoutMs: number): Promise<BridgeResponse> {
  const url = `mqtt://127.0.0.1:${options.mqtt.port}`;
  const base = options.mqtt.base_topic;
  let client: mqtt.MqttClient;
  try {
    client = await mqtt.connectAsync(url, {
      connectTimeout: 2000,
      reconnectPeriod: 0,
      clientId: `media-tracker-cli-${randomUUID().slice(0, 8)}`,
      ...(options.mqtt.username ? { username: options.mqtt.username, password: options.mqtt.password } : {}),
    });
  } catch (err) {
    throw new TrackerNotRunning(`no tracker answers on ${url} (${(err as Error).message})`);
  }
  const transaction = randomUUID();
  try {
    const answer = new Promise<BridgeResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${action} within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      client.on('message', (_topic, buf) => {
        let parsed: ReturnType<typeof BridgeResponseSchema.safeParse>;
        try {
          parsed = BridgeResponseSchema.safeParse(JSON.parse(buf.toString()));
        } catch {
          return;
        }
        if (parsed.success && parsed.data.transaction === transaction) {
          clearTimeout(timer);
          resolve(parsed.data);
        }
      });
    });
    await client.subscribeAsync(`${base}/bridge/response`, { qos: 1 });
    await client.publishAsync(`${base}/bridge/set/${action}`, JSON.stringify({ ...payload, transaction }), { qos: 1 });
    return await answer;
  } finally {
    await client.endAsync(true);
  }
}
