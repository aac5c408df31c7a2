/**
 * qBittorrent test helpers:
 *
 * - `FakeQbittorrent`, `fakeTorrent`: the protocol-faithful WebUI API v2 over real HTTP on
 *   loopback that the bench uses too (test/fakes/qbittorrent.ts; docs/upstreams.md §4).
 * - `bencode`, `makeTorrentFile`: real single-file .torrent files (SHA-1 pieces) and info-hash.
 * - `qbPasswordHash`: the `WebUI\Password_PBKDF2` value qBittorrent ≥ 4.2 stores.
 * - `QbAdmin`: a minimal client for setting up a real qBittorrent in e2e tests (add torrents…).
 */
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { FormData, request } from 'undici';

export { FakeQbittorrent, torrentObject as fakeTorrent, type FakeQbOptions, type QbFlavour } from '../fakes/qbittorrent.js';

// ---------------------------------------------------------------------------------------
// Bencode and .torrent files

export type BValue = number | string | Buffer | BValue[] | { [key: string]: BValue };

export function bencode(value: BValue): Buffer {
  const parts: Buffer[] = [];
  const walk = (v: BValue): void => {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new Error(`bencode: ${v} is not an integer`);
      parts.push(Buffer.from(`i${v}e`));
    } else if (typeof v === 'string' || Buffer.isBuffer(v)) {
      const b = typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
      parts.push(Buffer.from(`${b.length}:`), b);
    } else if (Array.isArray(v)) {
      parts.push(Buffer.from('l'));
      v.forEach(walk);
      parts.push(Buffer.from('e'));
    } else {
      parts.push(Buffer.from('d'));
      // Keys sorted as raw byte strings.
      const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
      for (const k of keys) {
        walk(k);
        walk(v[k] as BValue);
      }
      parts.push(Buffer.from('e'));
    }
  };
  walk(value);
  return Buffer.concat(parts);
}

export interface TorrentFile {
  /** The bencoded .torrent. */
  torrent: Buffer;
  /** v1 info-hash, lower-case hex. */
  infoHash: string;
  name: string;
  size: number;
}

/** A single-file v1 torrent for `data` (no trackers: peers are added by hand). */
export function makeTorrentFile(name: string, data: Buffer, pieceLength = 16 * 1024): TorrentFile {
  const pieces: Buffer[] = [];
  for (let off = 0; off < data.length; off += pieceLength)
    pieces.push(
      createHash('sha1')
        .update(data.subarray(off, off + pieceLength))
        .digest(),
    );
  const info = { length: data.length, name, 'piece length': pieceLength, pieces: Buffer.concat(pieces), private: 0 };
  const infoBytes = bencode(info);
  const torrent = bencode({ 'created by': 'media-tracker tests', 'creation date': 1_700_000_000, info });
  return { torrent, infoHash: createHash('sha1').update(infoBytes).digest('hex'), name, size: data.length };
}

/** Deterministic pseudo-random bytes (so a failure can be reproduced). */
export function pseudoRandomBytes(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off, 0, Math.min(block.length, size - off));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

/** `WebUI\Password_PBKDF2` for qBittorrent ≥ 4.2: PBKDF2-HMAC-SHA512, 100 000 iterations, 16-byte salt, 64-byte key. */
export function qbPasswordHash(password: string, salt: Buffer = randomBytes(16)): string {
  const key = pbkdf2Sync(password, salt, 100_000, 64, 'sha512');
  return `"@ByteArray(${salt.toString('base64')}:${key.toString('base64')})"`;
}

// ---------------------------------------------------------------------------------------
// A real qBittorrent, set up by tests

/** Minimal WebUI client for test set-up (adding torrents, peers, limits). Sends no Origin/Referer. */
export class QbAdmin {
  private cookie = '';

  constructor(
    readonly url: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  async login(): Promise<void> {
    const res = await request(`${this.url}/api/v2/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: this.username, password: this.password }).toString(),
    });
    const text = await res.body.text();
    const raw = res.headers['set-cookie'];
    const line = Array.isArray(raw) ? raw[0] : raw;
    if ((res.statusCode !== 200 && res.statusCode !== 204) || text === 'Fails.' || !line) throw new Error(`login failed: HTTP ${res.statusCode} ${text}`);
    this.cookie = line.split(';', 1)[0] ?? '';
  }

  async post(path: string, form: Record<string, string>): Promise<string> {
    const res = await request(`${this.url}${path}`, {
      method: 'POST',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`POST ${path}: HTTP ${res.statusCode} ${text}`);
    return text;
  }

  async get<T = unknown>(path: string): Promise<T> {
    const res = await request(`${this.url}${path}`, { headers: { cookie: this.cookie } });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode} ${text}`);
    return JSON.parse(text) as T;
  }

  /** `POST /api/v2/torrents/add` (multipart) with a .torrent file. */
  async addTorrent(file: TorrentFile, fields: Record<string, string> = {}): Promise<void> {
    const form = new FormData();
    form.append('torrents', new Blob([file.torrent], { type: 'application/x-bittorrent' }), `${file.name}.torrent`);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    await this.sendAdd(form);
  }

  /** `POST /api/v2/torrents/add` (multipart) with a magnet link. */
  async addMagnet(uri: string, fields: Record<string, string> = {}): Promise<void> {
    const form = new FormData();
    form.append('urls', uri);
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    await this.sendAdd(form);
  }

  private async sendAdd(form: FormData): Promise<void> {
    const res = await request(`${this.url}/api/v2/torrents/add`, { method: 'POST', headers: { cookie: this.cookie }, body: form });
    const text = await res.body.text();
    if (res.statusCode !== 200 || text.trim() !== 'Ok.') throw new Error(`torrents/add: HTTP ${res.statusCode} ${text}`);
  }
}
