/**
 * A full disk and a read-only data dir, for real. Full: the data dir is a size-limited tmpfs
 * mounted for this test (the suite runs as root, as CI does), filled by the tracker's own
 * journal, then grown (`remount,size=`). Read-only: a remount is refused while the journal
 * is open for writing ("mount point is busy"), and tmpfs ignores the immutable flag on open
 * files, so a data dir on the root file system is made immutable (`chattr +i`, which stops
 * writes on open files too) and writable again. Webhooks that cannot be stored are answered 503 so the sender retries; a re-sent
 * webhook is only acknowledged once it is on disk; the files stay readable line by line;
 * the tracker never exits; after a restart everything acknowledged is there.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recorder } from '../helpers/tracker.js';
import { ensureBuilt, killAll, postHook, TrackerProcess, type HookAnswer } from './support/child.js';
import { waitFor } from '../helpers/wait.js';
import { record } from './support/figures.js';
import { script } from './support/workload.js';

const SECRET = 'disk-fault-secret-0123456789';
let workDir = '';
let mnt = '';
let mounted = false;

function mount(...args: string[]): void {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`mount ${args.join(' ')} failed: ${e.stderr?.toString().trim() || e.message} (the disk faults need root with CAP_SYS_ADMIN, as CI has)`);
  }
}

beforeAll(async () => {
  ensureBuilt();
  workDir = await mkdtemp(join(tmpdir(), 'media-tracker-disk-'));
  mnt = join(workDir, 'disk');
  await mkdir(mnt);
  mount('-t', 'tmpfs', '-o', 'size=192k,mode=0755', 'tmpfs', mnt);
  mounted = true;
});

afterAll(async () => {
  await killAll();
  await readOnly(join(workDir, 'ro-data'), false).catch(() => undefined);
  if (mounted) {
    await readOnly(join(mnt, 'data'), false).catch(() => undefined);
    execFileSync('umount', ['-l', mnt]);
  }
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

/** `chattr ±i` on the data dir and every file in it. */
async function readOnly(dir: string, on: boolean): Promise<void> {
  const targets = [dir, ...(await readdir(dir)).map((f) => join(dir, f))];
  try {
    execFileSync('chattr', [on ? '+i' : '-i', ...targets], { stdio: 'pipe' });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`chattr ${on ? '+i' : '-i'} failed: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/** Every journal line and the snapshot parse; returns the request ids the journal mentions. */
async function readStore(dir: string): Promise<{ ids: Set<string>; lines: number; files: string[] }> {
  const files = (await readdir(dir)).sort();
  const ids = new Set<string>();
  let lines = 0;
  for (const f of files.filter((n) => n.startsWith('journal-'))) {
    const text = await readFile(join(dir, f), 'utf8');
    expect(text === '' || text.endsWith('\n'), `${f} ends in the middle of a line`).toBe(true);
    for (const line of text.split('\n').filter(Boolean)) {
      const record = JSON.parse(line) as { event: { jellyseerr_request_id?: number } };
      lines++;
      if (record.event.jellyseerr_request_id) ids.add(`jellyseerr-${record.event.jellyseerr_request_id}`);
    }
  }
  if (files.includes('snapshot.json')) {
    const snap = JSON.parse(await readFile(join(dir, 'snapshot.json'), 'utf8')) as { requests: Array<{ id: string }> };
    for (const r of snap.requests) ids.add(r.id);
  }
  return { ids, lines, files };
}

/** Sends the first step (a Jellyseerr approval) of request `n`, sorting the answers. */
class Sender {
  readonly acked = new Set<string>();
  readonly refused: Array<{ id: string; answer: HookAnswer }> = [];
  readonly unexpected: string[] = [];
  sent = 0;

  constructor(private readonly child: TrackerProcess) {}

  async send(n: number): Promise<HookAnswer> {
    this.sent++;
    const s = script(n, 'disk');
    const step = s.steps[0]!;
    const answer = await postHook(this.child.webhookUrl, step.route, step.body, SECRET);
    if (answer.status === 200) this.acked.add(s.id);
    else if (answer.status === 503) this.refused.push({ id: s.id, answer });
    else this.unexpected.push(`${s.id}: HTTP ${answer.status} ${answer.error ?? answer.text}`);
    return answer;
  }

  /** Sends `n` again until it is stored (the sender's retry once storage is back). */
  async until200(n: number): Promise<void> {
    await waitFor(async () => ((await this.send(n)).status === 200 ? true : undefined), `jellyseerr-${n} to be stored`, { timeoutMs: 20_000, everyMs: 100 });
  }
}

/** Stops the tracker, starts it again: exactly the acknowledged requests are loaded and published. */
async function restartAndCheck(child: TrackerProcess, dataDir: string, acked: Set<string>): Promise<{ lines: number; files: string[]; stored: number }> {
  expect(await child.stop(), child.text).toEqual({ code: 0, signal: null });
  const after = await readStore(dataDir);
  const again = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
  expect(again.text).not.toMatch(/corrupt|skipped/);
  const rec = await Recorder.connect(again.mqttUrl, ['media/+/state']);
  try {
    await rec.until(() => [...acked].every((id) => rec.state(id)?.state === 'APPROVED'), 'every acknowledged request on the broker', 30_000);
    const extra = [...rec.latest.keys()].map((t) => t.split('/')[1]!).filter((id) => id !== 'bridge' && !acked.has(id));
    expect(extra, 'stored but never acknowledged').toEqual([]);
    expect(again.loaded().requests).toBe(acked.size);
  } finally {
    await rec.close();
  }
  const stored = [...acked].filter((id) => rec.state(id)).length;
  expect(await again.stop()).toEqual({ code: 0, signal: null });
  return { ...after, stored };
}

describe('storage faults', () => {
  it('disk full (tmpfs): 503 while nothing fits, nothing corrupt, everything stored once space returns', async () => {
    const dataDir = join(mnt, 'data');
    // A first run leaves a snapshot (written at a clean stop), as any tracker that ran before has.
    const earlier = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
    const seeded = new Sender(earlier);
    for (let n = 1; n <= 10; n++) expect((await seeded.send(n)).status).toBe(200);
    expect(await earlier.stop()).toEqual({ code: 0, signal: null });
    const child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
    const io = new Sender(child);
    for (const id of seeded.acked) io.acked.add(id);

    let n = 11;
    while (io.refused.length === 0 && n < 2_000) await io.send(n++);
    const fullAt = n - 1;
    for (let i = 0; i < 20; i++) await io.send(n++);
    expect(io.unexpected, child.text).toEqual([]);
    expect(io.refused.length, `no 503 after ${fullAt} webhooks`).toBeGreaterThan(0);
    expect(JSON.stringify(io.refused.map((r) => r.answer.body))).toMatch(/could not store the event.*(ENOSPC|no space)/i);
    expect(child.alive).toBe(true);
    const full = await readStore(dataDir);
    for (const id of io.acked) expect(full.ids.has(id), `${id} acknowledged but not in the journal`).toBe(true);
    for (const { id } of io.refused) expect(full.ids.has(id), `${id} refused but in the journal`).toBe(false);
    // A sender retrying while the disk is still full is refused again, never told "duplicate".
    const first = io.refused[0]!.id;
    expect((await io.send(Number(first.split('-')[1]))).status).toBe(503);

    mount('-o', 'remount,size=16m', mnt);
    for (const id of new Set(io.refused.map((r) => r.id))) await io.until200(Number(id.split('-')[1]));
    for (let i = 0; i < 5; i++) expect((await io.send(n++)).status).toBe(200);
    expect(io.unexpected).toEqual([]);
    const refusals = io.refused.length;
    const after = await restartAndCheck(child, dataDir, io.acked);
    record({
      suite: 'disk full (tmpfs)',
      sent: seeded.sent + io.sent,
      acknowledged: io.acked.size,
      stored: after.stored,
      losses: io.acked.size - after.stored,
      crashes: 0,
      notes: [`a 192 KiB tmpfs full after ${fullAt} webhooks; ${refusals} answers 503, no other error; ${full.lines} journal lines parsed while full; files after: ${after.files.join(', ')}`],
    });
  });

  it('disk full at the first write after a restart, then SIGKILL: nothing acknowledged is lost', async () => {
    const dataDir = join(mnt, 'data-kill');
    const earlier = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
    const seeded = new Sender(earlier);
    for (let n = 1; n <= 10; n++) expect((await seeded.send(n)).status).toBe(200);
    expect(await earlier.stop()).toEqual({ code: 0, signal: null });
    // The snapshot holds everything; the journal is empty. Now another file takes all the space.
    const filler = join(mnt, 'filler');
    await writeFile(filler, Buffer.alloc(16 * 1024 * 1024)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOSPC') throw err;
    });
    const child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
    const io = new Sender(child);
    for (const id of seeded.acked) io.acked.add(id);
    expect((await io.send(11)).status).toBe(503);
    await rm(filler);
    for (let n = 11; n <= 15; n++) await io.until200(n);
    expect(io.unexpected).toEqual([]);
    // Killed before any snapshot: only the journal holds requests 11 to 15.
    expect(await child.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    const again = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
    const rec = await Recorder.connect(again.mqttUrl, ['media/+/state']);
    try {
      await rec
        .until(() => [...io.acked].every((id) => rec.state(id)), 'every acknowledged request after the kill', 20_000)
        .catch((err: unknown) => {
          throw new Error(`${(err as Error).message}: missing ${[...io.acked].filter((id) => !rec.state(id)).join(', ')}\n${again.text}`);
        });
    } finally {
      await rec.close();
    }
    expect(again.loaded().requests).toBe(15);
    expect(await again.stop()).toEqual({ code: 0, signal: null });
    record({
      suite: 'disk full at the first write, SIGKILL',
      rounds: 1,
      sent: seeded.sent + io.sent,
      acknowledged: io.acked.size,
      stored: again.loaded().requests,
      losses: io.acked.size - again.loaded().requests,
      crashes: 0,
      notes: ['a snapshot and an empty journal, the disk full at the first write: 503, then stored once space returned; all there after a SIGKILL'],
    });
  });

  it('read-only data dir (immutable): 503 for new and re-sent webhooks, everything stored once writable', async () => {
    const dataDir = join(workDir, 'ro-data');
    const child = await TrackerProcess.start({ dataDir, secret: SECRET, optionsDir: workDir });
    const io = new Sender(child);
    for (let n = 1; n <= 20; n++) expect((await io.send(n)).status).toBe(200);

    await readOnly(dataDir, true);
    for (let n = 21; n <= 25; n++) await io.send(n);
    // The sender retries while it is still read-only: refused again, never "duplicate".
    for (let n = 21; n <= 25; n++) await io.send(n);
    expect(io.unexpected, child.text).toEqual([]);
    expect(
      io.refused.map((r) => r.answer.status),
      JSON.stringify(io.refused.map((r) => r.id)),
    ).toEqual(Array(10).fill(503));
    expect(JSON.stringify(io.refused.map((r) => r.answer.body))).toMatch(/EPERM|not permitted/i);
    expect(child.alive).toBe(true);
    const locked = await readStore(dataDir);
    for (let n = 21; n <= 25; n++) expect(locked.ids.has(`jellyseerr-${n}`)).toBe(false);

    await readOnly(dataDir, false);
    for (let n = 21; n <= 25; n++) await io.until200(n);
    for (let n = 26; n <= 30; n++) expect((await io.send(n)).status).toBe(200);
    expect(io.unexpected).toEqual([]);
    const after = await restartAndCheck(child, dataDir, io.acked);
    expect(io.acked.size).toBe(30);
    record({
      suite: 'read-only data dir (immutable)',
      sent: io.sent,
      acknowledged: io.acked.size,
      stored: after.stored,
      losses: io.acked.size - after.stored,
      crashes: 0,
      notes: [`${io.refused.length} answers 503 while immutable (new and re-sent), no other error; ${locked.lines} journal lines parsed while read-only`],
    });
  });
});
