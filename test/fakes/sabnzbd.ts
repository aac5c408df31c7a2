/**
 * SABnzbd API fake over real HTTP on loopback (docs/download-clients.md §4; `sabnzbd/sabnzbd@5.0.1:sabnzbd/api.py`,
 * the wiki's api page). SABnzbd is not packaged here, so this is what the tests and the bench run:
 *
 * - `GET <base>/api?mode=…&output=json&apikey=KEY` (`<base>` is empty or a url_base such as
 *   `/sabnzbd`); `mode=version` and `mode=auth` need no key; a missing or wrong key (the NZB key
 *   included: it only adds jobs) is **403 text/plain** `API Key Required` / `API Key Incorrect`,
 *   or, as SABnzbd 2.x did, `200 error: API Key Incorrect` (`keyErrors: 'legacy'`);
 * - `mode=queue` with `start`, `limit` (0 = all) and `nzo_ids` (comma list, matched exactly, case
 *   included): numbers as strings (`"%.2f"` MiB), `percentage` an integer string, the queue's
 *   global `kbpersec`/`speed`, and each slot's **cumulative** `timeleft` (`H:MM:SS`,
 *   `D:HH:MM:SS`), `0:00:00` when paused, propagating or nothing flows; slot status `Queued`
 *   only while the whole queue is paused;
 * - `mode=history` with `nzo_ids`, `start`, `limit`, `failed_only` and `last_history_update`:
 *   `{"history": false}` while the counter is unchanged. The counter starts at 1, goes up by 1 on
 *   every history change and starts again at 1 on `restart()`;
 * - `mode=fullstatus` (servers and their errors), unknown modes `{"status": false, "error": "not implemented"}`;
 * - every request in `log` (route key `'GET /api mode=<mode>'`), and the fakes' faults (common.ts)
 *   by the same key (or `'*'`), applied after the key check.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Faults, Lifecycle, RequestLog, Timers, type Fault, type LoggedRequest } from './common.js';

type Json = Record<string, unknown>;

export const FAIL_MESSAGES = {
  missingArticles: 'Aborted, cannot be completed - https://sabnzbd.org/not-complete',
  notOnServer: 'Download failed - Not on your server(s)',
  encrypted: 'Aborted, encryption detected',
  diskFull: 'Unpacking failed, write error or disk is full?',
  repair: 'Repairing failed, not enough repair blocks (5 short)',
} as const;

/** A job in the queue. Sizes in MiB (SABnzbd's unit), as numbers here, strings on the wire. */
export interface FakeSabJob {
  nzo_id: string;
  filename: string;
  cat: string;
  priority: 'Force' | 'Repair' | 'High' | 'Normal' | 'Low';
  /** `Downloading`, `Paused`, `Propagating`, `Fetching`, `Grabbing`, `Checking` (`Queued` is computed under a global pause). */
  status: string;
  mb: number;
  mbleft: number;
  mbmissing: number;
  labels: string[];
  time_added: number;
}

/** A job in the history. */
export interface FakeSabHistoryItem {
  nzo_id: string;
  name: string;
  category: string;
  /** `Completed`, `Failed`, or a post-processing step (`Queued, QuickCheck, Verifying, Repairing, Extracting, Moving, Running`). */
  status: string;
  fail_message: string;
  bytes: number;
  storage: string | null;
  completed: number;
  action_line: string;
}

export interface FakeSabOptions {
  apiKey: string;
  nzbKey?: string;
  /** `/sabnzbd`: the API is at `<url_base>/api`. */
  urlBase?: string;
  version?: string;
  /** `current`: 403 text/plain; `legacy`: 200 `error: API Key Incorrect` (SABnzbd 2.x). */
  keyErrors?: 'current' | 'legacy';
  /** SABnzbd's "API warnings" off: the 403 body is empty. */
  quietKeyErrors?: boolean;
  servers?: Array<{ servername: string; serveractive?: boolean; servererror?: string }>;
}

const MIB = 1024 * 1024;
const two = (n: number): string => n.toFixed(2);

/** SABnzbd's `format_time_string`-like `H:MM:SS`, or `D:HH:MM:SS` from one day on. */
export function sabTimeleft(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const pad = (n: number) => String(n).padStart(2, '0');
  const rest = `${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return d > 0 ? `${d}:${pad(h)}:${rest}` : `${h}:${rest}`;
}

/** `to_units`: `"1.3 M"`, `"512 K"`, `"0 "`. */
function units(bytes: number): string {
  if (bytes <= 0) return '0 ';
  const names = ['', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < names.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${names[i]}`;
}

/** A fresh `SABnzbd_nzo_` id with a `tempfile` suffix (lower-case letters, digits, `_`). */
export function newNzoId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789_';
  let suffix = '';
  for (let i = 0; i < 8; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `SABnzbd_nzo_${suffix}`;
}

export class FakeSabnzbd {
  readonly log = new RequestLog();
  readonly faults = new Faults();
  private readonly timers = new Timers();
  readonly queue: FakeSabJob[] = [];
  readonly history: FakeSabHistoryItem[] = [];
  /** The whole queue is paused (SABnzbd's pause button). */
  paused = false;
  /** The queue's speed, KiB/s (shown only while something downloads). */
  kbpersec = 2048;
  /** SABnzbd's in-memory history counter. */
  historyCounter = 1;
  private readonly life: Lifecycle;

  private constructor(private readonly opts: FakeSabOptions) {
    this.life = new Lifecycle(
      (req, res) => void this.handle(req, res),
      undefined,
      () => this.timers.cancelAll(),
    );
  }

  static async start(opts: FakeSabOptions): Promise<FakeSabnzbd> {
    const f = new FakeSabnzbd(opts);
    await f.life.start();
    return f;
  }

  /** The URL to configure (the web interface's, url_base included, without `/api`). */
  get url(): string {
    return `${this.life.url}${this.opts.urlBase ?? ''}`;
  }

  close(): Promise<void> {
    return this.life.stop();
  }

  /** Stops and starts again on the same port: the history counter restarts at 1, jobs stay. */
  async restart(): Promise<void> {
    await this.life.stop();
    this.historyCounter = 1;
    await this.life.start();
  }

  /** Requests of one mode (`queue`, `history`, …), or all of them. */
  count(mode?: string): number {
    return mode === undefined ? this.log.count() : this.log.count(`GET /api mode=${mode}`);
  }

  /** Adds a job to the queue (a grab by Sonarr/Radarr). */
  add(nzoId: string, job: Partial<Omit<FakeSabJob, 'nzo_id'>> = {}): FakeSabJob {
    const mb = job.mb ?? 1400;
    const full: FakeSabJob = {
      nzo_id: nzoId,
      filename: job.filename ?? `Job ${nzoId.slice(-6)}`,
      cat: job.cat ?? 'movies',
      priority: job.priority ?? 'Normal',
      status: job.status ?? 'Downloading',
      mb,
      mbleft: job.mbleft ?? mb,
      mbmissing: job.mbmissing ?? 0,
      labels: job.labels ?? [],
      time_added: job.time_added ?? 1_765_000_000,
    };
    this.queue.push(full);
    return full;
  }

  job(nzoId: string): FakeSabJob {
    const j = this.queue.find((x) => x.nzo_id === nzoId);
    if (!j) throw new Error(`no job ${nzoId} in the fake queue`);
    return j;
  }

  /** Sets what is left of a job (MiB). */
  progress(nzoId: string, mbleft: number): void {
    const j = this.job(nzoId);
    j.mbleft = Math.max(0, Math.min(j.mb, mbleft));
  }

  set(nzoId: string, patch: Partial<Omit<FakeSabJob, 'nzo_id'>>): void {
    Object.assign(this.job(nzoId), patch);
  }

  /** Removes a job from the queue without a history entry (deleted by the user). */
  remove(nzoId: string): void {
    const i = this.queue.findIndex((x) => x.nzo_id === nzoId);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Moves a job from the queue to the history with this status (post-processing step, `Completed` or `Failed`). */
  finish(nzoId: string, status = 'Completed', failMessage = ''): FakeSabHistoryItem {
    const j = this.queue.find((x) => x.nzo_id === nzoId);
    const existing = this.history.find((h) => h.nzo_id === nzoId);
    if (j) this.remove(nzoId);
    const item: FakeSabHistoryItem = existing ?? {
      nzo_id: nzoId,
      name: j?.filename ?? nzoId,
      category: j?.cat ?? 'movies',
      status,
      fail_message: '',
      bytes: Math.round((j?.mb ?? 0) * MIB),
      storage: null,
      completed: 0,
      action_line: '',
    };
    item.status = status;
    item.fail_message = status === 'Failed' ? failMessage : '';
    if (status === 'Completed' || status === 'Failed') {
      item.completed = Math.floor(Date.now() / 1000);
      item.storage = status === 'Completed' ? `/downloads/complete/${item.category}/${item.name}` : null;
    }
    if (!existing) this.history.unshift(item);
    this.historyCounter++;
    return item;
  }

  fail(nzoId: string, failMessage: string = FAIL_MESSAGES.missingArticles): FakeSabHistoryItem {
    return this.finish(nzoId, 'Failed', failMessage);
  }

  /** A fault on one mode (`queue`, `history`, `version`, `fullstatus`) or on every request (`'*'`). */
  fault(mode: string, fault: Fault): void {
    this.faults.add(mode === '*' ? '*' : `GET /api mode=${mode}`, fault);
  }

  // -------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const params = url.searchParams;
    const mode = params.get('mode') ?? '';
    const entry: LoggedRequest = {
      key: `${req.method} ${url.pathname}`,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(params),
      headers: req.headers,
      body: undefined,
      status: 0,
      at: Date.now(),
      meta: {},
    };
    this.log.entries.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    const base = this.opts.urlBase ?? '';
    if (url.pathname !== `${base}/api` && url.pathname !== `${base}/api/`) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<html><body>Not Found</body></html>');
      return;
    }
    entry.key = `GET /api mode=${mode}`;
    if (mode !== 'version' && mode !== 'auth') {
      const key = params.get('apikey') ?? '';
      if (key !== this.opts.apiKey) {
        const text = key === '' ? 'API Key Required' : 'API Key Incorrect';
        if (this.opts.keyErrors === 'legacy') res.writeHead(200, { 'content-type': 'text/plain' }).end(`error: ${text}\n`);
        else res.writeHead(403, { 'content-type': 'text/plain' }).end(this.opts.quietKeyErrors ? '' : text);
        return;
      }
    }
    const fault = this.faults.take(entry.key);
    if (fault) {
      if (fault.delayMs && !(await this.timers.sleep(fault.delayMs))) return;
      if (fault.reset) return void req.socket.destroy();
      if (fault.hang) return;
      if (fault.invalidJson) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"queue": {"slots": [{"nzo_id": "SABnzbd_nz');
      if (fault.status) {
        const body = fault.body === undefined ? 'Injected fault' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
        return void res.writeHead(fault.status, { 'content-type': typeof fault.body === 'object' ? 'application/json' : 'text/plain' }).end(body);
      }
    }
    const json = (data: unknown): void => void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(data));
    switch (mode) {
      case 'version':
        return json({ version: this.opts.version ?? '5.0.1' });
      case 'auth':
        return json({ auth: 'apikey' });
      case 'queue':
        return json({ queue: this.queueBody(params) });
      case 'history':
        return json({ history: this.historyBody(params) });
      case 'fullstatus':
        return json({ status: this.fullstatusBody() });
      default:
        return json({ status: false, error: 'not implemented' });
    }
  }

  private queueBody(params: URLSearchParams): Json {
    const ids = list(params.get('nzo_ids'));
    const start = int(params.get('start'));
    const limit = int(params.get('limit'));
    const flowing = !this.paused && this.queue.some((j) => j.status === 'Downloading' && j.mbleft > 0);
    const speedKib = flowing ? this.kbpersec : 0;
    let cumulativeMb = 0;
    const all = this.queue.map((j, index) => {
      cumulativeMb += j.status === 'Paused' ? 0 : j.mbleft;
      const moving = flowing && j.status === 'Downloading';
      const status = this.paused && j.status !== 'Paused' && j.status !== 'Fetching' && j.status !== 'Grabbing' ? 'Queued' : j.status;
      return {
        index,
        nzo_id: j.nzo_id,
        unpackopts: '3',
        priority: j.priority,
        script: 'None',
        filename: j.filename,
        labels: j.labels,
        password: '',
        cat: j.cat,
        mbleft: two(j.mbleft),
        mb: two(j.mb),
        size: `${units(j.mb * MIB)}B`,
        sizeleft: `${units(j.mbleft * MIB)}B`,
        percentage: String(j.mb > 0 ? Math.floor(((j.mb - j.mbleft) / j.mb) * 100) : 0),
        mbmissing: two(j.mbmissing),
        direct_unpack: null,
        status,
        // Cumulative: this job's end at the current global speed.
        timeleft: moving && speedKib > 0 ? sabTimeleft((cumulativeMb * 1024) / speedKib) : '0:00:00',
        avg_age: '12d',
        time_added: j.time_added,
      };
    });
    const matching = ids.length ? all.filter((s) => ids.includes(s.nzo_id)) : all;
    const slots = limit > 0 ? matching.slice(start, start + limit) : matching.slice(start);
    const mb = this.queue.reduce((s, j) => s + j.mb, 0);
    const mbleft = this.queue.reduce((s, j) => s + j.mbleft, 0);
    return {
      version: this.opts.version ?? '5.0.1',
      paused: this.paused,
      pause_int: '0',
      paused_all: false,
      diskspace1: '812.34',
      diskspace2: '812.34',
      diskspace1_norm: '812.3 G',
      diskspace2_norm: '812.3 G',
      diskspacetotal1: '1863.02',
      diskspacetotal2: '1863.02',
      speedlimit: '100',
      speedlimit_abs: '',
      have_warnings: '0',
      finishaction: null,
      quota: '0 ',
      have_quota: false,
      left_quota: '0 ',
      cache_art: '0',
      cache_size: '0 B',
      kbpersec: two(speedKib),
      speed: units(speedKib * 1024),
      mbleft: two(mbleft),
      mb: two(mb),
      sizeleft: `${units(mbleft * MIB)}B`,
      size: `${units(mb * MIB)}B`,
      noofslots_total: this.queue.length,
      noofslots: matching.length,
      start,
      limit,
      finish: start + slots.length,
      status: this.paused ? 'Paused' : flowing ? 'Downloading' : 'Idle',
      timeleft: flowing && speedKib > 0 ? sabTimeleft((mbleft * 1024) / speedKib) : '0:00:00',
      slots,
    };
  }

  private historyBody(params: URLSearchParams): Json | false {
    const since = params.get('last_history_update');
    if (since !== null && int(since) === this.historyCounter) return false;
    const ids = list(params.get('nzo_ids'));
    const failedOnly = params.get('failed_only') === '1';
    const start = int(params.get('start'));
    const limit = int(params.get('limit'));
    const matching = this.history.filter((h) => (!ids.length || ids.includes(h.nzo_id)) && (!failedOnly || h.status === 'Failed'));
    // Post-processing jobs first, then the finished ones newest first.
    const ordered = [...matching.filter((h) => h.status !== 'Completed' && h.status !== 'Failed'), ...matching.filter((h) => h.status === 'Completed' || h.status === 'Failed')];
    const slots = (limit > 0 ? ordered.slice(start, start + limit) : ordered.slice(start)).map((h) => ({
      completed: h.completed,
      name: h.name,
      nzb_name: `${h.name}.nzb`,
      category: h.category,
      pp: 'D',
      script: 'None',
      report: '',
      url: '',
      status: h.status,
      nzo_id: h.nzo_id,
      storage: h.storage,
      path: `/downloads/incomplete/${h.name}`,
      script_line: '',
      download_time: 600,
      postproc_time: 30,
      stage_log: h.status === 'Failed' ? [{ name: 'Download', actions: [h.fail_message] }] : [],
      downloaded: h.bytes,
      completeness: null,
      fail_message: h.fail_message,
      url_info: '',
      bytes: h.bytes,
      meta: null,
      series: '',
      md5sum: '',
      duplicate_key: h.name,
      archive: false,
      time_added: 1_765_000_000,
      size: `${units(h.bytes)}B`,
      loaded: h.status !== 'Completed' && h.status !== 'Failed',
      retry: h.status === 'Failed' ? 1 : 0,
      action_line: h.action_line,
    }));
    return {
      noofslots: ordered.length,
      ppslots: ordered.filter((h) => h.status !== 'Completed' && h.status !== 'Failed').length,
      day_size: '0 ',
      week_size: '0 ',
      month_size: '0 ',
      total_size: '0 ',
      last_history_update: this.historyCounter,
      slots,
    };
  }

  private fullstatusBody(): Json {
    const servers = (this.opts.servers ?? [{ servername: 'news.example.com' }]).map((s) => ({
      servername: s.servername,
      servertotalconn: 20,
      serverssl: 1,
      serveractiveconn: 0,
      serveroptional: 0,
      serveractive: s.serveractive ?? true,
      servererror: s.servererror ?? '',
      serverpriority: 0,
      serverbps: '0 ',
      serverconnections: [],
    }));
    return {
      localipv4: '127.0.0.1',
      ipv6: null,
      publicipv4: null,
      dnslookup: null,
      folders: [],
      loadavg: '0.1 | 0.1 | 0.1 | V=100M R=50M',
      pystone: 0,
      downloaddir: '/downloads/incomplete',
      completedir: '/downloads/complete',
      loglevel: '1',
      logfile: '/config/logs/sabnzbd.log',
      configfn: '/config/sabnzbd.ini',
      cpumodel: 'fake',
      servers,
      warnings: [],
      apikey: this.opts.apiKey,
    };
  }
}

function list(v: string | null): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function int(v: string | null): number {
  return v !== null && /^\d+$/.test(v) ? Number(v) : 0;
}
