/**
 * A news server on loopback for the NZBGet e2e suite: a tiny NNTP responder that greets with 200,
 * serves the yEnc articles it was given (`BODY`/`ARTICLE`), answers `430 no such article` to any
 * other, and NZBs of one file in one segment pointing at them.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';

/** One yEnc single-part article body (NNTP dot-stuffing avoided by escaping a leading dot). */
export function yencArticle(name: string, data: Buffer): Buffer {
  const out: number[] = [];
  let line: number[] = [];
  const flush = () => {
    // A line must not end in a space or a tab (servers strip them): escape it.
    const last = line.at(-1);
    if (last === 9 || last === 32) line.splice(-1, 1, 61, (last + 64) & 0xff);
    out.push(...line, 13, 10);
    line = [];
  };
  for (const b of data) {
    const c = (b + 42) & 0xff;
    const first = line.length === 0;
    if (c === 0 || c === 10 || c === 13 || c === 61 || (first && (c === 46 || c === 9 || c === 32))) line.push(61, (c + 64) & 0xff);
    else line.push(c);
    if (line.length >= 128) flush();
  }
  if (line.length) flush();
  const crc = crc32(data).toString(16).padStart(8, '0');
  return Buffer.concat([
    Buffer.from(`=ybegin part=1 total=1 line=128 size=${data.length} name=${name}\r\n=ypart begin=1 end=${data.length}\r\n`, 'latin1'),
    Buffer.from(out),
    Buffer.from(`=yend size=${data.length} part=1 pcrc32=${crc} crc32=${crc}\r\n`, 'latin1'),
  ]);
}

export class NewsServer {
  readonly articles = new Map<string, Buffer>();
  readonly commands: string[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  port = 0;

  constructor() {
    this.server = createServer((s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
      s.write('200 media-tracker test news server ready\r\n');
      let buffered = '';
      s.on('data', (d: Buffer) => {
        buffered += d.toString('latin1');
        let i = buffered.indexOf('\r\n');
        while (i >= 0) {
          this.answer(s, buffered.slice(0, i));
          buffered = buffered.slice(i + 2);
          i = buffered.indexOf('\r\n');
        }
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answer(s: Socket, line: string): void {
    this.commands.push(line);
    const [verb = '', arg = ''] = line.split(' ');
    const id = arg.replace(/^<|>$/g, '');
    switch (verb.toUpperCase()) {
      case 'BODY':
      case 'ARTICLE': {
        const body = this.articles.get(id);
        if (!body) return void s.write(`430 no such article\r\n`);
        const head = verb.toUpperCase() === 'BODY' ? `222 0 <${id}> body\r\n` : `220 0 <${id}> article\r\nSubject: test\r\nMessage-ID: <${id}>\r\n\r\n`;
        return void s.write(Buffer.concat([Buffer.from(head, 'latin1'), body, Buffer.from('.\r\n', 'latin1')]));
      }
      case 'GROUP':
        return void s.write(`211 1 1 1 ${arg}\r\n`);
      case 'MODE':
        return void s.write('200 reader\r\n');
      case 'QUIT':
        s.end('205 bye\r\n');
        return;
      default:
        return void s.write('500 what?\r\n');
    }
  }
}

/** An NZB of one file in one segment. */
export function nzbOf(fileName: string, messageId: string, bytes: number): string {
  return `<?xml version="1.0" encoding="iso-8859-1" ?>
<!DOCTYPE nzb PUBLIC "-//newzBin//DTD NZB 1.1//EN" "http://www.newzbin.com/DTD/nzb/nzb-1.1.dtd">
<nzb xmlns="http://www.newzbin.com/DTD/2003/nzb">
 <file poster="tester &lt;tester@example.invalid&gt;" date="1765000000" subject="${fileName} [1/1] - &quot;${fileName}&quot; yEnc (1/1)">
  <groups><group>alt.binaries.test</group></groups>
  <segments><segment bytes="${bytes}" number="1">${messageId}</segment></segments>
 </file>
</nzb>
`;
}
