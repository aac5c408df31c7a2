/**
 * A duplex stream over a WebSocket that sends what is written in one tick as one frame.
 * aedes writes an MQTT packet as several small chunks; sent one frame each, a browser
 * subscribing to 10,000 retained states receives ~50,000 frames, which Chromium handles
 * slowly. MQTT over WebSocket allows several packets, or parts of one, per frame.
 */
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** Above this many unsent bytes, the writer waits (backpressure for a slow browser). */
const HIGH_WATER = 1024 * 1024;

export function coalescingStream(ws: WebSocket): Duplex {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  let waiting: Array<(err?: Error | null) => void> = [];

  const release = (err?: Error | null) => {
    const cbs = waiting;
    waiting = [];
    for (const cb of cbs) cb(err ?? null);
  };

  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    if (ws.readyState !== ws.OPEN) {
      release(new Error('WebSocket closed'));
      return;
    }
    ws.send(data, { binary: true }, (err) => {
      if (err) duplex.destroy(err);
      else release();
    });
  };

  const duplex: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, cb) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
      if (ws.bufferedAmount + pendingBytes > HIGH_WATER) waiting.push(cb);
      else cb();
    },
    final(cb) {
      flush();
      ws.close();
      cb();
    },
    destroy(err, cb) {
      pending = [];
      pendingBytes = 0;
      release(err ?? new Error('stream destroyed'));
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      cb(err);
    },
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    duplex.push(isBinary ? data : Buffer.from(data));
  });
  ws.on('close', () => {
    duplex.push(null);
    if (!duplex.destroyed) duplex.destroy();
  });
  ws.on('error', (err) => duplex.destroy(err));
  return duplex;
}
