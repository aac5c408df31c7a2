/**
 * The single MQTT gateway. Keeps the last retained payload of every topic, skips
 * identical re-publishes, fans out to every sink (the embedded broker always, an
 * external broker optionally) and replays the whole retained set to a sink after it
 * (re)connects, because a broker may lose retained messages.
 *
 * Retained payloads are kept as exact-size Buffers and handed to the sinks as they are:
 * the embedded broker's retained store then holds the same bytes instead of a second copy
 * (44 MB of the retained set at 10,000 requests and 100,000 episodes).
 */
import { redact, type Logger } from '../log.js';

export interface PublishOptions {
  retain: boolean;
  qos: 0 | 1;
}

/** A sink must not modify a Buffer payload: the bus keeps it as the retained value. */
export type Payload = string | Buffer;

export interface Sink {
  readonly name: string;
  readonly connected: boolean;
  publish(topic: string, payload: Payload, opts: PublishOptions): void;
}

/** A Buffer of exactly the payload's bytes (a small `Buffer.from` would pin an 8 KB pool slab). */
function exactBuffer(text: string): Buffer {
  const buf = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  buf.write(text);
  return buf;
}

export type MessageHandler = (topic: string, payload: string, via: string) => void;

export class MqttBus {
  private readonly retained = new Map<string, { payload: Buffer; qos: 0 | 1 }>();
  /** Topics `clear` emptied: a broker that was away (or kept an earlier run's messages) gets them emptied when it connects. */
  private readonly cleared = new Set<string>();
  private readonly sinks: Sink[] = [];
  private readonly handlers: MessageHandler[] = [];
  stats = { published: 0, skipped: 0 };

  constructor(private readonly log: Logger) {}

  addSink(sink: Sink): void {
    this.sinks.push(sink);
  }

  onMessage(handler: MessageHandler): void {
    this.handlers.push(handler);
  }

  /** Called by sinks for messages from clients (commands, HA birth). */
  deliver(topic: string, payload: string, via: string): void {
    for (const h of this.handlers) {
      try {
        h(topic, payload, via);
      } catch (err) {
        this.log.error(`handler for ${topic} failed: ${(err as Error).message}`);
      }
    }
  }

  /**
   * An empty retained payload deletes the topic (and HA discovery entities). Every payload is
   * redacted: watcher errors, doctor details and command answers may quote an upstream's
   * answer, which may echo the key it was sent.
   */
  publish(topic: string, text: string, opts: PublishOptions): void {
    if (topic.includes('#') || topic.includes('+')) throw new Error(`refusing to publish to a wildcard topic: ${topic}`);
    const payload = redact(text);
    let out: Payload = payload;
    if (opts.retain) {
      const prev = this.retained.get(topic);
      if (payload === '') {
        if (!prev) {
          this.stats.skipped++;
          return;
        }
        this.retained.delete(topic);
      } else {
        if (this.cleared.size) this.cleared.delete(topic);
        const buf = exactBuffer(payload);
        if (prev?.payload.equals(buf)) {
          this.stats.skipped++;
          return;
        }
        this.retained.set(topic, { payload: buf, qos: opts.qos });
        out = buf;
      }
    }
    this.stats.published++;
    for (const sink of this.sinks) if (sink.connected) sink.publish(topic, out, opts);
  }

  publishJson(topic: string, value: unknown, opts: PublishOptions): void {
    this.publish(topic, JSON.stringify(value), opts);
  }

  /** Clears a retained topic even when this process never published it (stale discovery from an earlier run). */
  clear(topic: string): void {
    this.retained.delete(topic);
    this.cleared.add(topic);
    for (const sink of this.sinks) if (sink.connected) sink.publish(topic, '', { retain: true, qos: 1 });
  }

  retainedTopics(): IterableIterator<string> {
    return this.retained.keys();
  }

  retainedPayload(topic: string): string | undefined {
    return this.retained.get(topic)?.payload.toString();
  }

  hasRetained(topic: string): boolean {
    return this.retained.has(topic);
  }

  /**
   * Re-sends every retained message, in insertion order, optionally filtered (e.g. configs
   * before states after HA's birth message). A sink that (re)connected also gets every topic
   * `clear` emptied since this process started, so what it still holds of them goes too.
   */
  replay(sink: Sink | null, filter: (topic: string) => boolean = () => true): number {
    let n = 0;
    const targets = sink ? [sink] : this.sinks;
    for (const [topic, { payload, qos }] of this.retained) {
      if (!filter(topic)) continue;
      for (const s of targets) if (s.connected) s.publish(topic, payload, { retain: true, qos });
      n++;
    }
    if (sink?.connected) for (const topic of this.cleared) if (filter(topic)) sink.publish(topic, '', { retain: true, qos: 1 });
    return n;
  }
}
