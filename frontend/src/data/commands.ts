/**
 * Commands over MQTT: publish `<base>/<id>/set/<action>` with `{"transaction": <uuid>}`
 * and wait for the `<base>/<id>/response` that carries the same transaction.
 */
import { Topics, type CommandResponse } from '../../../src/contract/index.js';
import { uuid } from './uuid.js';

interface Pending {
  id: string;
  action: string;
  resolve(response: CommandResponse): void;
  timer: ReturnType<typeof setTimeout>;
}

export class CommandTracker {
  private readonly pending = new Map<string, Pending>();
  private readonly topics: Topics;

  constructor(
    base: string,
    private readonly timeoutMs = 15_000,
    private readonly newTransaction: () => string = uuid,
  ) {
    this.topics = new Topics(base);
  }

  /** A new transaction and the promise of its answer (an `error` answer on timeout). */
  expect(id: string, action: string): { transaction: string; response: Promise<CommandResponse> } {
    const transaction = this.newTransaction();
    const response = new Promise<CommandResponse>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        resolve({ action, status: 'error', error: `no answer from the tracker within ${Math.round(this.timeoutMs / 1000)} s`, transaction });
      }, this.timeoutMs);
      this.pending.set(transaction, { id, action, resolve, timer });
    });
    return { transaction, response };
  }

  /** Settles a pending command when `topic` is its response; returns whether it did. */
  handle(topic: string, payload: string): boolean {
    const parsed = this.topics.parse(topic);
    if (parsed?.kind !== 'response') return false;
    let body: unknown;
    try {
      body = JSON.parse(payload);
    } catch {
      return false;
    }
    if (typeof body !== 'object' || body === null) return false;
    const response = body as CommandResponse;
    if (typeof response.transaction !== 'string') return false;
    const pending = this.pending.get(response.transaction);
    if (!pending || pending.id !== parsed.id) return false;
    this.pending.delete(response.transaction);
    clearTimeout(pending.timer);
    pending.resolve(response);
    return true;
  }

  /** Fails one pending command (the publish itself failed). */
  fail(transaction: string, error: string): void {
    const p = this.pending.get(transaction);
    if (!p) return;
    this.pending.delete(transaction);
    clearTimeout(p.timer);
    p.resolve({ action: p.action, status: 'error', error, transaction });
  }

  /** Fails every pending command (the connection is being closed). */
  cancelAll(reason: string): void {
    for (const transaction of [...this.pending.keys()]) this.fail(transaction, reason);
  }

  get size(): number {
    return this.pending.size;
  }
}
