/**
 * What Home Assistant would see: the demo listens to `media/+/event` on the tracker's broker
 * and keeps each request's event types in order, to show them and to check that `available`
 * was announced at most once per request.
 */
import mqtt, { type MqttClient } from 'mqtt';

const DONE = 'demo/events-done';

export class EventLog {
  private readonly byId = new Map<string, string[]>();

  private constructor(
    private readonly client: MqttClient,
    readonly base: string,
  ) {
    client.on('message', (topic, payload) => {
      const id = topic.slice(base.length + 1, -'/event'.length);
      if (!topic.startsWith(`${base}/`) || !topic.endsWith('/event')) return;
      try {
        const type = (JSON.parse(payload.toString()) as { event_type?: unknown }).event_type;
        if (typeof type === 'string') this.byId.set(id, [...(this.byId.get(id) ?? []), type]);
      } catch {
        // Not an event of the contract: nothing to show.
      }
    });
  }

  static async connect(url: string, base = 'media'): Promise<EventLog> {
    const client = await mqtt.connectAsync(url, { clientId: `media-tracker-demo-${process.pid}` });
    await client.subscribeAsync([`${base}/+/event`, DONE], { qos: 1 });
    return new EventLog(client, base);
  }

  /** Waits until every event published so far has arrived: a message of our own comes after them. */
  async settle(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const onMessage = (topic: string) => {
        if (topic !== DONE) return;
        this.client.off('message', onMessage);
        resolve();
      };
      this.client.on('message', onMessage);
    });
    await this.client.publishAsync(DONE, '', { qos: 1 });
    await done;
  }

  events(id: string): string[] {
    return this.byId.get(id) ?? [];
  }

  close(): Promise<void> {
    return this.client.endAsync();
  }
}
