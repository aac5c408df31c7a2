/**
 * A duplex stream over a WebSocket that sends a burst of writes as few, large frames.
 *
 * Chromium pays for every received WebSocket message: with a bare WebSocket in the page,
 * 10,000 one-packet frames take 3.3 s to arrive, the same bytes in ~140 frames 0.6 s. aedes
 * writes every MQTT packet as several chunks, and during a retained replay it writes one
 * packet every other event-loop turn (two `setImmediate` hops per packet), so neither "one
 * frame per write" nor "one frame per tick" helps a browser subscribing to 10,000 states.
 *
 * So writes are held while they keep coming: a check runs once per event-loop turn
 * (`setImmediate`), and the pending bytes leave as one frame after QUIET_TURNS turns without
 * a new write (within a millisecond for a lone live update; at its end for a burst), as soon
 * as they reach FRAME_BYTES, or when the oldest has waited MAX_HOLD_MS. MQTT over WebSocket
 * allows several packets, or parts of one, per frame; Home Assistant's ingress proxies relay
 * each frame whole and accept up to 4 MiB.
 */
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** A frame is sent once this much is pending (256 kB beat 64 kB clearly in `node dist/bench/panel.js`). */
export const FRAME_BYTES = 256 * 1024;
/** Event-loop turns without a write that end a burst (aedes writes every second turn). */
export const QUIET_TURNS = 3;
/** Pending bytes never wait longer than this for the burst to end. */
export const MAX_HOLD_MS = 25;
/** Above this many unsent bytes, the writer waits (backpressure for a slow browser). */
const HIGH_WATER = 4 * FRAME_BYTES;

export function coalescingStream(ws: WebSocket): Duplex {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let firstPendingAt = 0;
  let writesSinceCheck = 0;
  let quietTurns = 0;
  let checking = false;
  let waiting: Array<(err?: Error | null) => void> = [];

  const release = (err?: Error | null) => {
    const cbs = waiting;
    waiting = [];
    for (const cb of cbs) cb(err ?? null);
  };

  const flush = () => {
    quietTurns = 0;
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
      else if (pendingBytes === 0 || ws.bufferedAmount + pendingBytes <= HIGH_WATER) release();
    });
  };

  // Once per event-loop turn while something is pending: QUIET_TURNS turns without a write end the burst.
  const check = () => {
    checking = false;
    if (pending.length === 0) return;
    quietTurns = writesSinceCheck === 0 ? quietTurns + 1 : 0;
    writesSinceCheck = 0;
    if (quietTurns >= QUIET_TURNS || Date.now() - firstPendingAt >= MAX_HOLD_MS) flush();
    if (pending.length > 0) schedule();
  };
  const schedule = () => {
    if (checking) return;
    checking = true;
    setImmediate(check);
  };

  const duplex: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, cb) {
      if (pending.length === 0) firstPendingAt = Date.now();
      pending.push(chunk);
      pendingBytes += chunk.length;
      writesSinceCheck++;
      if (pendingBytes >= FRAME_BYTES) flush();
      if (pending.length > 0) schedule();
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
