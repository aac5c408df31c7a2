/**
 * Small persisted settings (lowdb): the generated webhook secret and the discovery topics
 * published last run. lowdb writes with temp file + rename, so a crash never leaves half a file.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { JSONFilePreset } from 'lowdb/node';

interface LocalState {
  webhook_secret?: string;
  discovery_topics?: string[];
}

export class LocalSettings {
  private constructor(private readonly db: Awaited<ReturnType<typeof JSONFilePreset<LocalState>>>) {}

  static async open(dataDir: string): Promise<LocalSettings> {
    return new LocalSettings(await JSONFilePreset<LocalState>(join(dataDir, 'settings.json'), {}));
  }

  /** Returns the secret and whether it was generated now (so the caller prints it once). */
  async webhookSecret(): Promise<{ secret: string; generated: boolean }> {
    if (this.db.data.webhook_secret) return { secret: this.db.data.webhook_secret, generated: false };
    const secret = randomBytes(24).toString('base64url');
    this.db.data.webhook_secret = secret;
    await this.db.write();
    return { secret, generated: true };
  }

  get discoveryTopics(): string[] {
    return this.db.data.discovery_topics ?? [];
  }

  async saveDiscoveryTopics(topics: string[]): Promise<void> {
    const sorted = [...topics].sort();
    if (sorted.join('\n') === (this.db.data.discovery_topics ?? []).join('\n')) return;
    this.db.data.discovery_topics = sorted;
    await this.db.write();
  }
}
