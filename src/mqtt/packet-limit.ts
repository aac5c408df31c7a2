/**
 * A cap on incoming MQTT packets. aedes' parser buffers a whole packet before it looks at
 * it, so one 60 MB PUBLISH would be held in memory and then echoed to every subscriber. The
 * fixed header names the packet's length up front: the connection is closed as soon as a
 * length above the cap is announced, before its body is read, so nothing of it is delivered.
 */
import type { Duplex } from 'node:stream';

/** Largest remaining length of an incoming packet (commands and subscriptions are a few hundred bytes). */
export const MAX_PACKET_BYTES = 256 * 1024;

/** Follows MQTT framing across chunks: fixed header byte, remaining length (1–4 bytes), body. */
export class PacketFramer {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly max: number) {}

  /** The oversized (or malformed) length announced in `chunk`, or null while every packet fits. */
  feed(chunk: Buffer): number | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const skip = Math.min(this.remaining, chunk.length - i);
        i += skip;
        this.remaining -= skip;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        // A fifth length byte is not MQTT.
        if (this.lengthBytes === 4) return Number.POSITIVE_INFINITY;
        continue;
      }
      if (this.length > this.max) return this.length;
      this.remaining = this.length;
      this.state = this.length === 0 ? 'type' : 'body';
    }
    return null;
  }
}

/**
 * Checks every byte aedes reads from `conn` (it reads with `conn.read()` on 'readable'; the
 * flowing mode goes through `read()` too). Inspecting the read side only leaves the write
 * path, which carries the retained replay to Home Assistant, untouched.
 */
export function limitIncomingPackets(conn: Duplex, max: number, onRefused: (length: number) => void): void {
  const framer = new PacketFramer(max);
  const read = conn.read.bind(conn);
  conn.read = (size?: number): unknown => {
    const chunk: unknown = read(size);
    if (!Buffer.isBuffer(chunk)) return chunk;
    const oversized = framer.feed(chunk);
    if (oversized === null) return chunk;
    onRefused(oversized);
    conn.destroy();
    return null;
  };
}
