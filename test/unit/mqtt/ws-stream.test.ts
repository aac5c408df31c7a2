/**
 * A burst of writes leaves as few WebSocket frames: writes spread over event-loop turns the
 * way aedes replays retained messages, capped in size and in holding time; client frames are
 * read in order.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { FRAME_BYTES, MAX_HOLD_MS, coalescingStream } from '../../../src/mqtt/ws-stream.js';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

async function pair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [serverSide] = (await once(wss, 'connection')) as [WebSocket];
  await once(client, 'open');
  const stream = coalescingStream(serverSide);
  const frames: Buffer[] = [];
  client.on('message', (data: Buffer) => frames.push(data));
  cleanup.push(() => {
    client.terminate();
    wss.close();
  });
  return { client, stream, frames };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

it('sends the chunks of one tick as a single frame and reads client frames', async () => {
  const { client, stream, frames } = await pair();
  stream.write(Buffer.from([0x30, 0x05]));
  stream.write(Buffer.from('ab'));
  stream.write(Buffer.from('cde'));
  await vi.waitFor(() => expect(frames).toHaveLength(1), { timeout: 5000 });
  stream.write(Buffer.from('next'));
  await vi.waitFor(() => expect(frames).toHaveLength(2), { timeout: 5000 });
  expect(frames.map((f) => f.toString('latin1'))).toEqual(['\x30\x05abcde', 'next']);

  const read: string[] = [];
  stream.on('data', (chunk: Buffer) => read.push(chunk.toString()));
  client.send(Buffer.from('one'));
  client.send(Buffer.from('two'));
  await vi.waitFor(() => expect(read).toEqual(['one', 'two']), { timeout: 5000 });

  client.close();
  await once(stream, 'close');
  expect(stream.destroyed).toBe(true);
});

it('keeps a burst written every other event-loop turn (aedes replaying retained messages) in one frame', async () => {
  const { stream, frames } = await pair();
  const sent: string[] = [];
  for (let i = 0; i < 200; i++) {
    const packet = `packet-${i};`;
    sent.push(packet);
    stream.write(Buffer.from(packet));
    // aedes: setImmediate before the write, setImmediate before asking for the next packet.
    await turn();
    await turn();
  }
  await vi.waitFor(() => expect(frames.map((f) => f.toString()).join('')).toBe(sent.join('')), { timeout: 5000 });
  // Only the 10 ms holding cap may split it on a slow machine: far fewer frames than packets.
  expect(frames.length).toBeLessThan(20);
});

it('sends a frame as soon as FRAME_BYTES are pending, and never holds bytes longer than MAX_HOLD_MS', async () => {
  const { stream, frames } = await pair();
  const big = Buffer.alloc(FRAME_BYTES / 4, 1);
  for (let i = 0; i < 4; i++) stream.write(big);
  await vi.waitFor(() => expect(frames).toHaveLength(1), { timeout: 5000 });
  expect(frames[0]!.length).toBe(FRAME_BYTES);

  // A write on every turn for 5 × MAX_HOLD_MS: the burst never pauses, frames still leave.
  const until = Date.now() + 5 * MAX_HOLD_MS;
  let n = 0;
  while (Date.now() < until) {
    stream.write(Buffer.from('x'));
    n++;
    await turn();
  }
  await vi.waitFor(() => expect(frames.slice(1).reduce((a, f) => a + f.length, 0)).toBe(n), { timeout: 5000 });
  expect(frames.length - 1).toBeGreaterThanOrEqual(3);
});
