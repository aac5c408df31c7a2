/**
 * A real Mosquitto for the fault suite: one process per start, its own config (loopback, a
 * fixed port so the tracker reconnects to the same address, no persistence, so a restart
 * loses every retained message as a crashed broker would).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import mqtt from 'mqtt';

export const MOSQUITTO = process.env.MOSQUITTO ?? '/usr/sbin/mosquitto';

export class Broker {
  private proc: ChildProcess | null = null;
  readonly log: string[] = [];

  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts Mosquitto and resolves when a client can connect (retrying while the port is still held). */
  async start(): Promise<void> {
    if (!existsSync(MOSQUITTO)) throw new Error(`${MOSQUITTO} not found: run \`bash scripts/e2e-deps.sh\` (npm run test:faults does)`);
    const conf = join(this.dir, `mosquitto-${this.port}.conf`);
    await writeFile(conf, `listener ${this.port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.proc = proc;
      proc.stderr!.setEncoding('utf8').on('data', (d: string) => this.log.push(d));
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      while (Date.now() < deadline && proc.exitCode === null) {
        const client = await mqtt.connectAsync(this.url, { reconnectPeriod: 0, connectTimeout: 1_000 }).catch(() => null);
        if (client) {
          await client.endAsync(true);
          return;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await exited;
      if (Date.now() >= deadline) throw new Error(`mosquitto did not start on ${this.url}:\n${this.log.join('')}`);
    }
  }

  /** SIGKILL: the broker vanishes with every retained message. */
  async kill(): Promise<void> {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  }
}
