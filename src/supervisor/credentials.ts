/**
 * Credentials for the embedded broker when it is offered to Home Assistant and the user set
 * none: generated once and kept in the data dir, so HA's MQTT config entry (created from the
 * discovery message) keeps working across restarts and updates.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { jsonOrNull } from '../json.js';
import { restrictToOwner, writePrivateFile } from '../private-file.js';

export const CREDENTIALS_FILE = 'mqtt-credentials.json';
/** The name Home Assistant's MQTT integration logs in with, as with the Mosquitto add-on. */
export const DISCOVERY_USERNAME = 'homeassistant';

const credentialsSchema = z.object({ username: z.string().min(1), password: z.string().min(16) }).strict();
export type Credentials = z.infer<typeof credentialsSchema>;

export async function brokerCredentials(dataDir: string): Promise<{ credentials: Credentials; generated: boolean }> {
  const file = join(dataDir, CREDENTIALS_FILE);
  let raw: string | null = null;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (raw !== null) {
    await restrictToOwner(file);
    const parsed = credentialsSchema.safeParse(jsonOrNull(raw));
    if (parsed.success) return { credentials: parsed.data, generated: false };
    // A damaged file is replaced: HA is offered the new password with the next discovery message.
  }
  const credentials = { username: DISCOVERY_USERNAME, password: randomBytes(24).toString('base64url') };
  await mkdir(dataDir, { recursive: true });
  await writePrivateFile(file, `${JSON.stringify(credentials)}\n`);
  return { credentials, generated: true };
}
