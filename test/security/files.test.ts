/**
 * Secrets on disk (rules in model.test.ts): every file holding one is readable by its owner
 * only, when it is created and when an older version left it readable by others.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerCredentials, CREDENTIALS_FILE } from '../../src/supervisor/credentials.js';
import { startTracker } from '../helpers/tracker.js';

const open: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of open.splice(0).reverse()) await close();
});

async function scratch(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'media-tracker-files-'));
  open.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('files holding a secret are 0600', () => {
  it('settings.json with the generated webhook secret, from its creation on', async () => {
    const dir = await scratch();
    const h = await startTracker({ webhook_secret: '' }, dir);
    open.push(() => h.stop());
    expect(h.tracker.webhookSecret).not.toBe('');
    expect(await mode(join(dir, 'settings.json'))).toBe(0o600);
  });

  it('settings.json left 0644 by an older version is made 0600 at start', async () => {
    const dir = await scratch();
    await writeFile(join(dir, 'settings.json'), JSON.stringify({ webhook_secret: 'old-generated-secret-0123456789' }), { mode: 0o644 });
    const h = await startTracker({ webhook_secret: '' }, dir);
    open.push(() => h.stop());
    expect(h.tracker.webhookSecret).toBe('old-generated-secret-0123456789');
    expect(await mode(join(dir, 'settings.json'))).toBe(0o600);
  });

  it('mqtt-credentials.json, generated or left 0644 by an older version', async () => {
    const dir = await scratch();
    await brokerCredentials(dir);
    expect(await mode(join(dir, CREDENTIALS_FILE))).toBe(0o600);
    const old = await scratch();
    await writeFile(join(old, CREDENTIALS_FILE), JSON.stringify({ username: 'homeassistant', password: 'an-old-generated-password' }), { mode: 0o644 });
    expect((await brokerCredentials(old)).generated).toBe(false);
    expect(await mode(join(old, CREDENTIALS_FILE))).toBe(0o600);
  });
});
