/**
 * Files that hold a secret (the generated webhook secret, the embedded broker's generated
 * login, a forwarded Authorization header) are readable by their owner only: written as a
 * 0600 temp file and renamed into place (a crash never leaves half a file), and tightened to
 * 0600 when an older version left them readable by others.
 */
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import type { Adapter } from 'lowdb';

export const PRIVATE_MODE = 0o600;

export async function writePrivateFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: PRIVATE_MODE });
  // The mode of `writeFile` only applies when it creates the file: a leftover temp file keeps its own.
  await chmod(tmp, PRIVATE_MODE);
  await rename(tmp, path);
}

/** Makes an existing file 0600; a missing one is fine, and so is another user's (a tool reading it). */
export async function restrictToOwner(path: string): Promise<void> {
  try {
    await chmod(path, PRIVATE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'EPERM') throw err;
  }
}

/** A lowdb adapter for a private JSON file; writes are serialised, so the last one wins. */
export class PrivateJsonFile<T> implements Adapter<T> {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return JSON.parse(text) as T;
  }

  write(data: T): Promise<void> {
    const text = JSON.stringify(data, null, 2);
    this.writing = this.writing.catch(() => undefined).then(() => writePrivateFile(this.path, text));
    return this.writing;
  }
}
