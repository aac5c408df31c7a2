/** The NZBGet JSON-RPC client against the fake over real HTTP: auth, envelopes, shapes, 64-bit sizes. */
import { afterEach, describe, expect, it } from 'vitest';
import { bytesOf, jsonrpcUrl, NzbClient } from '../../../../src/integrations/nzbget/client.js';
import { downloadIdOf } from '../../../../src/integrations/nzbget/map.js';
import { FakeNzbget, newDroneId } from '../../../fakes/nzbget.js';

const PASSWORD = 'client-Nzb-pass/9c8b+7a';
let fake: FakeNzbget | null = null;
afterEach(async () => {
  await fake?.close();
  fake = null;
});

const client = (password = PASSWORD, url = fake!.url) => new NzbClient({ name: 'main', url, username: 'nzbget', password });

describe('NzbClient', () => {
  it('POSTs JSON-RPC to <url>/jsonrpc with Basic auth and reads version, status, listgroups and history', async () => {
    fake = await FakeNzbget.start({ password: PASSWORD });
    const drone = newDroneId();
    fake.add(drone, { fileSize: 5 * 2 ** 32 + 123, remaining: 2 ** 32 });
    const c = client();
    expect(await c.version()).toBe('21.0');
    const req = fake.log.last('POST /jsonrpc version');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from(`nzbget:${PASSWORD}`).toString('base64')}`);
    expect(req?.body).toMatchObject({ method: 'version', params: [] });
    // One connection per call: NZBGet 21's keep-alive drops sockets it said it would keep.
    expect(req?.headers.connection).toBe('close');
    expect((await c.status()).DownloadRate).toBe(4 * 1024 * 1024);
    const [g] = await c.listgroups();
    expect(fake.log.last('POST /jsonrpc listgroups')?.body).toMatchObject({ params: [0] });
    expect(g).toMatchObject({
      NZBID: 1,
      Status: 'DOWNLOADING',
      Parameters: [
        { Name: 'drone', Value: drone },
        { Name: '*Unpack:', Value: 'yes' },
      ],
    });
    expect(bytesOf(g!, 'FileSize')).toBe(5 * 2 ** 32 + 123);
    expect(bytesOf(g!, 'RemainingSize')).toBe(2 ** 32);
    expect(downloadIdOf(g!)).toBe(drone);
    fake.finish(drone, 'FAILURE/HEALTH');
    expect(await c.history()).toEqual([expect.objectContaining({ NZBID: 1, Status: 'FAILURE/HEALTH', DeleteStatus: 'HEALTH' })]);
    expect(fake.log.last('POST /jsonrpc history')?.body).toMatchObject({ params: [false] });
    expect(c.requests).toBe(4);
  });

  it('a wrong password is HTTP 401: a clear error without the password', async () => {
    fake = await FakeNzbget.start({ password: PASSWORD });
    const wrong = 'Wr0ng-nzb-pass-31';
    const err = await client(wrong)
      .listgroups()
      .then(
        () => null,
        (e: unknown) => e as Error & { status: number },
      );
    expect(err?.status).toBe(401);
    expect(err?.message).toBe("nzbget/main: listgroups: authentication refused: wrong username or password (HTTP 401; NZBGet's Settings → Security → ControlUsername/ControlPassword)");
    expect(String(err?.stack)).not.toContain(wrong);
  });

  it('an error envelope, invalid JSON and a 404 are errors naming the method or the path', async () => {
    fake = await FakeNzbget.start({ password: PASSWORD });
    const c = client();
    await expect(c.call('nosuch', [], (await import('zod')).z.unknown())).rejects.toThrow('nzbget/main: nosuch failed: Invalid procedure');
    fake.fault('listgroups', { invalidJson: true });
    await expect(c.listgroups()).rejects.toThrow("nzbget/main: listgroups returned invalid JSON (is /jsonrpc NZBGet's JSON-RPC endpoint?)");
    fake.fault('history', { status: 500 });
    await expect(c.history()).rejects.toThrow('HTTP 500');
    await expect(client(PASSWORD, `${fake.url}/nzbget/`).version()).resolves.toBe('21.0');
    expect(fake.log.entries.at(-1)?.path).toBe('/nzbget/jsonrpc');
  });

  it('the endpoint: /jsonrpc added once, a proxy prefix kept', () => {
    expect(jsonrpcUrl('http://nzbget:6789')).toEqual({ base: 'http://nzbget:6789', path: '/jsonrpc' });
    expect(jsonrpcUrl('http://h/nzbget/')).toEqual({ base: 'http://h', path: '/nzbget/jsonrpc' });
    expect(jsonrpcUrl('http://h:6789/jsonrpc')).toEqual({ base: 'http://h:6789', path: '/jsonrpc' });
  });

  it('sizes from …Lo/…Hi, else …MB', () => {
    expect(bytesOf({ FileSizeLo: 4294967295, FileSizeHi: 1 }, 'FileSize')).toBe(2 ** 33 - 1);
    expect(bytesOf({ FileSizeMB: 3 }, 'FileSize')).toBe(3 * 1024 * 1024);
    expect(bytesOf({}, 'FileSize')).toBeNull();
  });
});
