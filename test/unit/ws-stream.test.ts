/** What is written in one tick leaves as one WebSocket frame; frames from the client are read in order. */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { coalescingStream } from '../../src/mqtt/ws-stream.js';

it('sends the chunks of one tick as a single frame and reads client frames', async () => {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const [serverSide] = (await once(wss, 'connection')) as [WebSocket];
  await once(client, 'open');
  const stream = coalescingStream(serverSide);
  const frames: Buffer[] = [];
  client.on('message', (data: Buffer) => frames.push(data));

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
  wss.close();
});
