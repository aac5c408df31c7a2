/**
 * Keeps one request's detail topics (episodes, timeline) subscribed while the host shows
 * it: `controller.id = …` when the shown request changes; released on disconnect.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Connection } from '../data/connection.js';

export class WatchController implements ReactiveController {
  private release: (() => void) | null = null;
  private watching: { connection: Connection; id: string } | null = null;
  private connected = false;

  constructor(
    host: ReactiveControllerHost,
    private readonly connection: () => Connection | undefined,
    private readonly id: () => string,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.sync();
  }

  hostUpdate(): void {
    this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    this.sync();
  }

  private sync(): void {
    const connection = this.connected ? this.connection() : undefined;
    const id = this.id();
    const want = connection && id ? { connection, id } : null;
    if (want?.connection === this.watching?.connection && want?.id === this.watching?.id) return;
    this.release?.();
    this.release = want ? want.connection.watch(want.id) : null;
    this.watching = want;
  }
}
