/**
 * Shoko's import folders (id → base path): hub events carry a path relative to an import
 * folder, and tracked files are known by absolute path. Read through REST after each connect
 * and when an event names a folder not seen yet (at most once a minute per unknown id).
 */
import { errorMessage, type Logger } from '../../log.js';
import type { ShokoClient } from './client.js';
import type { ShokoHealth } from './connection.js';
import { joinImportPath } from './paths.js';

/** An unknown import folder id triggers a refresh at most this often. */
const FOLDER_RETRY_MS = 60_000;

export class ImportFolders {
  private folders = new Map<number, string>();
  /** Unknown folder id → when a refresh was last tried for it. */
  private readonly misses = new Map<number, number>();
  private fetching: Promise<void> | null = null;

  constructor(
    private readonly client: ShokoClient,
    private readonly log: Logger,
    private readonly health: ShokoHealth,
  ) {}

  get size(): number {
    return this.folders.size;
  }

  /** The absolute path of a file in an import folder, or null while the folder is unknown. */
  absolutePath(folderId: number | null, relativePath: string): string | null {
    if (folderId === null) return null;
    const base = this.folders.get(folderId);
    return base === undefined ? null : joinImportPath(base, relativePath);
  }

  /** Waits for a refresh in flight, and starts one if some of these ids are unknown (rate-limited). */
  async ensure(ids: Set<number>): Promise<void> {
    if (this.fetching) await this.fetching.catch(() => undefined);
    const now = Date.now();
    const unknown = [...ids].filter((id) => !this.folders.has(id) && now - (this.misses.get(id) ?? -Infinity) >= FOLDER_RETRY_MS);
    if (!unknown.length) return;
    if (this.misses.size > 1_000) this.misses.clear();
    for (const id of unknown) this.misses.set(id, now);
    await this.refresh().catch(() => undefined);
  }

  /** `GET /api/v3/ImportFolder` → the id → base path cache; concurrent calls share one request. */
  refresh(): Promise<void> {
    this.fetching ??= (async () => {
      try {
        const list = await this.client.importFolders();
        this.folders = new Map(list.map((f) => [f.id, f.path]));
        this.log.debug(`Shoko: ${list.length} import folder(s): ${list.map((f) => `${f.id}=${f.path}`).join(', ')}`);
      } catch (err) {
        this.health.noteError(errorMessage(err));
        this.log.warning(`Shoko: cannot read the import folders (${errorMessage(err)}); matching by path tail only`);
        throw err;
      } finally {
        this.fetching = null;
      }
    })();
    return this.fetching;
  }
}
