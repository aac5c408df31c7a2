/** The orchestrator's side of a benchmark child process (IPC request/reply). */
import type { ChildProcess } from 'node:child_process';

/** A child process that answers requests over IPC, one at a time. */
export class Peer {
  private waiting: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];
  private exited: Error | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.on('message', (raw: unknown) => {
      const m = raw as Record<string, unknown> & { type: string };
      const i = this.waiting.findIndex((w) => w.type === m.type);
      if (i >= 0) this.waiting.splice(i, 1)[0]!.resolve(m);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${name} exited (${signal ?? code})`);
    });
  }

  /** Sends `msg` (if any) and waits for a message of type `reply`. */
  request<T>(msg: Record<string, unknown> | null, reply: string, timeoutMs = 120_000): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.name}: no "${reply}" after ${timeoutMs / 1000} s`)), timeoutMs);
      const onExit = () => reject(this.exited ?? new Error(`${this.name} exited`));
      this.child.once('exit', onExit);
      this.waiting.push({
        type: reply,
        resolve: (m) => {
          clearTimeout(timer);
          this.child.off('exit', onExit);
          resolve(m as T);
        },
      });
      if (msg) this.child.send(msg);
    });
  }

  /** Resolves when the process has exited, or after `ms`. */
  waitExit(ms: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
