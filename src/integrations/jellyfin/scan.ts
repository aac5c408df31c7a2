/**
 * Library scans (`POST /Library/Refresh`): only on an explicit request, never periodic (D7),
 * one in flight at most and at most one per `minIntervalMs`, since a scan is heavy on the
 * server and Shokofin regenerates its VFS on each.
 */
import { errorMessage, type Logger } from '../../log.js';
import type { JellyfinClient } from './client.js';

export interface LibraryRefreshOutcome {
  started: boolean;
  note: string;
  /** Jellyfin's answer to the scan this call started: it settles when the scan has finished, and rejects when Jellyfin refused or failed it. */
  done?: Promise<void>;
}

const MINUTE = 60_000;

export class LibraryScans {
  private scan: Promise<void> | null = null;
  private scanStartedAt: number | null = null;
  private scanResult: string | null = null;

  constructor(
    private readonly name: string,
    private readonly client: JellyfinClient,
    private readonly log: Logger,
    private readonly clock: () => Date,
    /** At most one scan per this long. */
    private readonly minIntervalMs: number,
  ) {}

  /** The scan in flight, settled (never rejecting) once it has ended. */
  get current(): Promise<void> | null {
    return this.scan;
  }

  detail(): { running: boolean; last_started: string | null; last_result: string | null } {
    return {
      running: this.scan !== null,
      last_started: this.scanStartedAt === null ? null : new Date(this.scanStartedAt).toISOString(),
      last_result: this.scanResult,
    };
  }

  async refresh(reason: string): Promise<LibraryRefreshOutcome> {
    const now = this.clock().getTime();
    if (this.scan) return { started: false, note: 'a library scan started by Media Tracker is still running' };
    const minGap = this.minIntervalMs;
    if (this.scanStartedAt !== null && now - this.scanStartedAt < minGap) {
      const ago = Math.floor((now - this.scanStartedAt) / MINUTE);
      return { started: false, note: `rate-limited: the last library scan started ${ago} min ago (at most one every ${Math.round(minGap / MINUTE)} min)` };
    }
    this.scanStartedAt = now;
    this.scanResult = null;
    this.log.info(`${this.name}: starting a library scan (${reason})`);
    const done = this.client.refreshLibrary();
    this.scan = done
      .then(() => {
        this.scanResult = 'finished';
        this.log.info(`${this.name}: library scan finished`);
      })
      .catch((err: unknown) => {
        this.scanResult = `failed: ${errorMessage(err)}`;
        this.log.warning(`${this.name}: library scan failed: ${errorMessage(err)}`);
      })
      .finally(() => {
        this.scan = null;
      });
    return { started: true, note: `library scan started (${reason})`, done };
  }
}
