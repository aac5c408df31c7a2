/**
 * The add-on image without a Docker engine: the Dockerfile's stages, base pin, HEALTHCHECK and
 * s6-overlay service are read from the files, then both stages are replayed on this machine — the
 * build stage's COPY instructions from the build context (.dockerignore applied to the tracked
 * files) and its build command, the release stage's COPY instructions (the built app, and
 * rootfs/ onto the image's root) into a directory standing for the image's `/` — and the
 * service's `run` script starts the result as s6-overlay would, against a fake Supervisor, until
 * the HEALTHCHECK command passes; SIGTERM stops it, and its `finish` script records how it ended.
 * Not replayed: `npm ci` (the repository's node_modules stand in) and s6-overlay itself —
 * `/command/with-contenv` and `bashio` are stand-ins from test/fixtures/s6, and paths inside the
 * image (/app, /data, /run, /etc) are rewritten into the replayed root.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { constants as osConstants, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsSchema } from '../../../src/config/schema.js';
import { startSupervisorFake, type SupervisorFake } from '../../fakes/supervisor.js';
import { STOP_DEADLINE_MS } from '../../../src/supervisor/stop-budget.js';
import { fakeAddonFromManifest, readManifest, ROOT } from '../../helpers/addon.js';
import { spawnApp, untilHealthy, type AppProcess } from '../../helpers/child.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  body: Instruction[];
}

/** Instructions with continuations joined and comments dropped, grouped by FROM. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!pending && (line === '' || line.startsWith('#'))) continue;
    if (pending && line.startsWith('#')) continue;
    if (line.endsWith('\\')) pending += `${line.slice(0, -1).trim()} `;
    else {
      lines.push(`${pending}${line}`.trim());
      pending = '';
    }
  }
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const ins = { op: op.toUpperCase(), args: rest.join(' ') };
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      stages.push({ from: m?.[1] ?? '', name: m?.[2], body: [] });
    } else if (stages.length === 0 && ins.op === 'ARG') {
      const [k = '', v = ''] = ins.args.split('=');
      args.set(k, v);
    } else stages.at(-1)?.body.push(ins);
  }
  return { args, stages };
}

/** ENV instructions as a map (`ENV K=V [K2=V2…]`; values without spaces or quotes). */
const envOf = (stage: Stage): Record<string, string> =>
  Object.fromEntries(
    stage.body
      .filter((i) => i.op === 'ENV')
      .flatMap((i) => i.args.split(/\s+/))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
const expand = (s: string, args: Map<string, string>) => s.replace(/\$\{?(\w+)\}?/g, (_, k: string) => args.get(k) ?? '');
const of = (stage: Stage, op: string) => stage.body.filter((i) => i.op === op);

/** Docker's .dockerignore: patterns in order, the last one matching a path (or a parent) wins. */
function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/\/+$/, '');
      const re = new RegExp(
        `^${pattern
          .replace(/[.+^$()|[\]\\]/g, '\\$&')
          .replace(/\*\*\//g, '(?:.*/)?')
          .replace(/\*\*/g, '.*')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}$`,
      );
      return { negate, re };
    });
  return (path) => {
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const { negate, re } of rules) if (candidates.some((c) => re.test(c))) excluded = !negate;
    return excluded;
  };
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const build = dockerfile.stages[0]!;
const release = dockerfile.stages.at(-1)!;
const manifest = readManifest();
const DEFAULTS = optionsSchema.parse({});
const SERVICE = 'media-tracker';
const S6_RC = join(ROOT, 'rootfs', 'etc', 's6-overlay', 's6-rc.d');
const serviceFile = (name: string) => readFileSync(join(S6_RC, SERVICE, name), 'utf8');
/** The stand-ins for s6-overlay's /command/with-contenv and the base image's bashio. */
const S6_FIXTURES = join(ROOT, 'test', 'fixtures', 's6');

describe('Dockerfile', () => {
  it('has a build stage and a release stage on a pinned Home Assistant base', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    expect(build.name).toBeTruthy();
    for (const stage of [build, release]) {
      const image = expand(stage.from, dockerfile.args);
      // A FROM that only names a build argument without a default is the deprecated BUILD_FROM hand-off.
      expect(image, stage.from).toMatch(/^ghcr\.io\/home-assistant\/[a-z0-9-]+:[\w.-]+$/);
      const tag = image.split(':').at(-1)!;
      expect(tag, `${image} must be pinned`).not.toMatch(/^(latest|edge|dev)$/);
      expect(tag).toMatch(/\d/);
      expect(
        of(stage, 'RUN').some((r) => /\bapk add\b[^&]*\bnodejs\b/.test(r.args)),
        `${stage.name ?? 'release'}: Node from apk`,
      ).toBe(true);
    }
  });

  it('builds with npm ci and npm run build, then drops the dev dependencies', () => {
    const runs = of(build, 'RUN').map((r) => r.args);
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r));
    const compile = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(compile).toBeGreaterThan(ci);
    expect(runs.slice(compile).join('\n')).toMatch(/npm (prune|ci) [^\n]*--omit=dev/);
    // npm ci runs once the lockfile is in; sources come after, so a source change keeps the install layer.
    const order = build.body.map((i) => `${i.op} ${i.args}`);
    const lockCopied = order.findIndex((l) => l.startsWith('COPY') && l.includes('package-lock.json'));
    expect(lockCopied).toBeGreaterThanOrEqual(0);
    expect(lockCopied).toBeLessThan(order.findIndex((l) => /npm ci/.test(l)));
  });

  it('the release stage holds only the built app, the panel, production dependencies and rootfs/', () => {
    const copies = of(release, 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    const fromBuild = copies.filter((c) => c.args.startsWith('--from='));
    const sources = fromBuild.map((c) => {
      const parts = c.args.split(/\s+/);
      expect(parts[0], `${c.args}: from the build stage only`).toBe(`--from=${build.name}`);
      return parts.slice(1, -1).map((p) => relative('/src', p));
    });
    expect(sources.flat().sort()).toEqual(['dist', 'frontend/dist', 'node_modules', 'package.json']);
    // From the build context, only the s6-overlay service definition, onto the image's root.
    expect(copies.filter((c) => !c.args.startsWith('--from=')).map((c) => c.args)).toEqual(['rootfs /']);
    expect(
      of(release, 'RUN')
        .map((r) => r.args)
        .join('\n'),
    ).not.toMatch(/\bnpm\b/);
    expect(envOf(release).NODE_ENV).toBe('production');
  });

  it('HEALTHCHECK asks the webhook listener for /health on the port config.yaml maps', () => {
    const [hc] = of(release, 'HEALTHCHECK');
    expect(hc).toBeDefined();
    expect(hc!.args).toMatch(/--start-period=\d+s/);
    const url = /CMD .*(http:\/\/127\.0\.0\.1:(\d+)\/health)\b/.exec(hc!.args);
    expect(url, hc!.args).not.toBeNull();
    expect(Number(url![2])).toBe(DEFAULTS.webhook_port);
    expect(Object.keys(manifest.ports as object)).toContain(`${DEFAULTS.webhook_port}/tcp`);
  });

  it("keeps the base image's s6-overlay entry point, which runs Node on dist/main.js as an s6-rc longrun", () => {
    // No ENTRYPOINT or CMD: the base image's /init (s6-overlay) is PID 1, so Docker's init is off.
    expect(of(release, 'ENTRYPOINT')).toEqual([]);
    expect(of(release, 'CMD')).toEqual([]);
    expect(manifest.init).toBe(false);
    // The service: a longrun in the `user` bundle (the bundle's place in s6-overlay 3.2.2.0, the
    // base image's), started once the overlay's `base` is up.
    expect(serviceFile('type').trim()).toBe('longrun');
    expect(existsSync(join(S6_RC, SERVICE, 'dependencies.d', 'base'))).toBe(true);
    expect(readFileSync(join(S6_RC, 'user', 'contents.d', SERVICE), 'utf8')).toBe('');
    // run and finish are bashio scripts with the container's environment (SUPERVISOR_TOKEN), executable in git.
    const modes = execFileSync('git', ['ls-files', '-s', '--', 'rootfs'], { cwd: ROOT, encoding: 'utf8' });
    for (const script of ['run', 'finish']) {
      expect(serviceFile(script).split('\n')[0]).toBe('#!/command/with-contenv bashio');
      expect(modes, script).toMatch(new RegExp(`^100755 \\S+ \\d+\\trootfs/etc/s6-overlay/s6-rc.d/${SERVICE}/${script}$`, 'm'));
    }
    // Node replaces the run script (`exec`), so s6's SIGTERM reaches it; the file is the one npm start runs.
    const workdir = of(release, 'WORKDIR')[0]!.args;
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; main: string };
    expect(serviceFile('run')).toMatch(new RegExp(`^exec node ${workdir}/${pkg.main}$`, 'm'));
    expect(pkg.scripts.start).toMatch(/node dist\/main\.js$/);
    expect(pkg.main).toBe('dist/main.js');
    // Every bashio function the scripts call is one the stand-in has (and bashio 0.17.5 has).
    const shim = readFileSync(join(S6_FIXTURES, 'bashio'), 'utf8');
    for (const script of ['run', 'finish']) for (const [fn] of serviceFile(script).matchAll(/bashio::[\w.]+/g)) expect(shim, `${script}: ${fn}`).toContain(`${fn}()`);
  });

  it("the stop fits the Supervisor's timeout: Node's deadline, then s6's kill, finish and grace times", () => {
    const ms = (name: string) => Number(serviceFile(name).trim());
    const killAfter = ms('timeout-kill');
    const finishMax = ms('timeout-finish');
    const grace = Number(envOf(release).S6_KILL_GRACETIME ?? 3000);
    // Node ends its own stop first, so it is never SIGKILLed while it still can exit cleanly…
    expect(STOP_DEADLINE_MS).toBeLessThan(killAfter);
    // …and the whole shutdown (s6's SIGKILL, the finish script, the final grace) ends before Docker's SIGKILL.
    expect(killAfter + finishMax + grace).toBeLessThan(Number(manifest.timeout) * 1000);
    // S6_SERVICES_GRACETIME only covers legacy /etc/services.d services, which the image has none of.
    expect(existsSync(join(ROOT, 'rootfs', 'etc', 'services.d'))).toBe(false);
  });
});

describe('the image, replayed on this machine', () => {
  let work = '';
  let context = '';
  let buildRoot = '';
  let buildDir = '';
  let imageRoot = '';
  let supervisor: SupervisorFake;
  const apps: AppProcess[] = [];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'media-tracker-image-'));
    supervisor = await startSupervisorFake({ token: 'image-test-token-0123456789', addon: fakeAddonFromManifest(manifest) });
  });

  afterAll(async () => {
    for (const app of apps) await app.dispose();
    await supervisor?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /**
   * Replays COPY <src...> <dest>: sources from `fromDir` (a directory's contents, as Docker copies
   * them), the destination resolved against the stage's WORKDIR inside `toRoot`, the stage's `/`.
   */
  function replayCopy(ins: Instruction, fromDir: string, toRoot: string, workdir: string) {
    const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    const dest = parts.pop()!;
    const target = join(toRoot, resolve(workdir, dest));
    for (const src of parts) {
      const from = join(fromDir, resolve('/', src));
      const into = (parts.length > 1 || dest.endsWith('/')) && !statSync(from).isDirectory();
      const to = into ? join(target, src.split('/').at(-1)!) : target;
      mkdirSync(dirname(to), { recursive: true });
      // node_modules stands in for `npm ci` / `npm prune`; linking keeps the replay cheap.
      if (src.endsWith('node_modules')) symlinkSync(join(ROOT, 'node_modules'), to, 'dir');
      else cpSync(from, to, { recursive: true });
    }
  }

  it('the build stage builds from the build context alone', { timeout: 240_000 }, () => {
    const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    context = join(work, 'context');
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const included = tracked.filter((f) => !ignored(f) && existsSync(join(ROOT, f)));
    for (const f of included) {
      mkdirSync(dirname(join(context, f)), { recursive: true });
      cpSync(join(ROOT, f), join(context, f));
    }
    // Nothing test-only or generated reaches the image.
    expect(included.filter((f) => /^(test|bench|docs|scripts|\.ci)\//.test(f) || f.startsWith('frontend/test/'))).toEqual([]);
    expect(included.filter((f) => f.startsWith('rootfs/')).length).toBeGreaterThan(0);

    const workdir = of(build, 'WORKDIR')[0]!.args;
    buildRoot = join(work, 'build');
    buildDir = join(buildRoot, workdir);
    mkdirSync(buildDir, { recursive: true });
    for (const ins of build.body) {
      if (ins.op === 'COPY') replayCopy(ins, context, buildRoot, workdir);
      if (ins.op === 'RUN' && /\bnpm ci\b/.test(ins.args)) symlinkSync(join(ROOT, 'node_modules'), join(buildDir, 'node_modules'), 'dir');
    }
    const result = spawnSync('npm', ['run', 'build'], { cwd: buildDir, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(existsSync(join(buildDir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(buildDir, 'frontend', 'dist', 'index.html'))).toBe(true);
    // The benchmark is built apart (bench/tsconfig.json), never by the add-on's build.
    expect(existsSync(join(buildDir, 'dist', 'bench'))).toBe(false);
  });

  it('the built app imports nothing but Node built-ins and production dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const imported = new Set<string>();
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.js')) {
          const text = readFileSync(p, 'utf8');
          for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g)) imported.add(m[1]!);
        }
      }
    };
    walk(join(buildDir, 'dist'));
    const packages = [...imported]
      .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtins.has(s))
      .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
    expect(packages.length).toBeGreaterThan(0);
    expect([...new Set(packages)].filter((p) => !(p in pkg.dependencies))).toEqual([]);
  });

  // The service as s6-overlay runs it, inside the replayed image.
  const serviceDir = () => join(imageRoot, 'etc', 's6-overlay', 's6-rc.d', SERVICE);
  const lastExit = () => JSON.parse(readFileSync(join(imageRoot, 'data', 'last-exit.json'), 'utf8')) as Record<string, unknown>;
  const containerExitcode = () => join(imageRoot, 'run', 's6-linux-init-container-results', 'exitcode');
  const halted = () => join(imageRoot, 'run', 's6', 'basedir', 'bin', 'halt.called');
  const env = () => ({ ...envOf(release), PATH: [S6_FIXTURES, dirname(process.execPath), process.env.PATH].join(':') });

  /** The command the kernel runs for a script with `#!/command/with-contenv bashio`, with the stand-in for with-contenv. */
  function scriptCommand(script: string): string[] {
    const [interpreter, ...args] = readFileSync(script, 'utf8').split('\n')[0]!.slice(2).trim().split(/\s+/);
    expect(interpreter).toBe('/command/with-contenv');
    return [join(S6_FIXTURES, 'with-contenv'), ...args, script];
  }

  /** s6-supervise's call of `finish` once the service's process has ended: the exit code (256 if a signal killed it) and the signal. */
  function finish(exit: { code: number | null; signal: NodeJS.Signals | null }) {
    const code = exit.signal ? 256 : exit.code!;
    const signal = exit.signal ? osConstants.signals[exit.signal] : 0;
    const [cmd, ...args] = scriptCommand(join(serviceDir(), 'finish'));
    const result = spawnSync(cmd!, [...args, String(code), String(signal)], { cwd: serviceDir(), env: env(), encoding: 'utf8', timeout: Number(serviceFile('timeout-finish')) * 5 });
    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    return `${result.stdout}${result.stderr}`;
  }

  it('the release stage replays into an image root: the app in its WORKDIR, rootfs/ at /', () => {
    imageRoot = join(work, 'image');
    const workdir = of(release, 'WORKDIR')[0]!.args;
    for (const ins of of(release, 'COPY')) replayCopy(ins, ins.args.startsWith('--from=') ? buildRoot : context, imageRoot, workdir);
    expect(readdirSync(join(imageRoot, workdir)).sort()).toEqual(['dist', 'frontend', 'node_modules', 'package.json']);
    expect(readdirSync(imageRoot).sort()).toEqual(['app', 'etc']);
    // COPY keeps the context's modes: s6 runs both scripts directly.
    for (const script of ['run', 'finish']) expect(statSync(join(serviceDir(), script)).mode & 0o111, script).not.toBe(0);

    // What exists at run time without coming from the Dockerfile: the Supervisor's /data mount and s6-overlay's /run.
    mkdirSync(join(imageRoot, 'data'));
    mkdirSync(dirname(containerExitcode()), { recursive: true });
    mkdirSync(dirname(halted()), { recursive: true });
    cpSync(join(S6_FIXTURES, 'halt'), join(dirname(halted()), 'halt'));
    // Paths inside the image point into the replayed root (a chroot, without one).
    const tops = readdirSync(imageRoot).join('|');
    for (const script of ['run', 'finish']) {
      const path = join(serviceDir(), script);
      const text = readFileSync(path, 'utf8').replace(new RegExp(`(?<=^|[\\s"'=(<>])/(?=(?:${tops})(?:/|$|\\s))`, 'gm'), `${imageRoot}/`);
      writeFileSync(path, text);
      chmodSync(path, 0o755);
    }
    expect(readFileSync(join(serviceDir(), 'run'), 'utf8')).toContain(`exec node ${imageRoot}/app/dist/main.js`);
  });

  it('run starts the tracker as an add-on, the HEALTHCHECK passes, SIGTERM stops it cleanly and finish records the stop', { timeout: 60_000 }, async () => {
    const app = await spawnApp({
      command: scriptCommand(join(serviceDir(), 'run')),
      cwd: serviceDir(),
      env: { ...env(), SUPERVISOR_TOKEN: supervisor.token, MEDIA_TRACKER_SUPERVISOR_URL: supervisor.url },
    });
    apps.push(app);
    await untilHealthy(app);
    expect(app.output()).toMatch(/INFO: Starting Media Tracker/);
    // As an add-on without a broker add-on, the embedded broker was offered to Home Assistant.
    expect([...supervisor.state.discovery.values()].map((m) => m.service)).toEqual(['mqtt']);

    const hc = /CMD (.*)$/.exec(of(release, 'HEALTHCHECK')[0]!.args)![1]!.replace(`:${DEFAULTS.webhook_port}/`, `:${app.ports.webhook}/`);
    expect(spawnSync('sh', ['-c', hc]).status, hc).toBe(0);
    // `exec`: s6's SIGTERM goes to the run script's process, which is Node by then.
    const exit = await app.stop('SIGTERM');
    expect(exit, app.output()).toMatchObject({ code: 0, signal: null });
    expect(app.output()).toMatch(/SIGTERM: stopping/);
    // The stop was graceful: the discovery offer was withdrawn before the exit.
    expect(supervisor.state.discovery.size).toBe(0);
    expect(spawnSync('sh', ['-c', hc]).status).not.toBe(0);

    // A clean stop: logged and recorded, the container is left to s6's own shutdown.
    expect(finish(exit)).toMatch(/INFO: Media Tracker stopped/);
    expect(lastExit()).toMatchObject({ code: 0, signal: null, reason: 'stopped' });
    expect(existsSync(halted())).toBe(false);
    expect(existsSync(containerExitcode())).toBe(false);
  });

  it('an unexpected exit halts the container with its code, and the next start logs why the previous run ended', { timeout: 60_000 }, async () => {
    // Invalid options: the tracker exits 2 at start-up.
    const app = await spawnApp({ command: scriptCommand(join(serviceDir(), 'run')), cwd: serviceDir(), env: env(), options: { log_level: 'loud' } });
    apps.push(app);
    const exit = await app.exited;
    expect(exit, app.output()).toEqual({ code: 2, signal: null });
    expect(app.output()).toMatch(/INFO: Previous run: \{.*"code":0,"signal":null,"reason":"stopped"\}/);

    expect(finish(exit)).toMatch(/ERROR: Media Tracker invalid options \(exit code 2\); halting the add-on \(exit code 2\)/);
    expect(lastExit()).toMatchObject({ code: 2, signal: null, reason: 'invalid options (exit code 2)' });
    expect(readFileSync(halted(), 'utf8')).toBe('halt\n');
    expect(readFileSync(containerExitcode(), 'utf8').trim()).toBe('2');
    // A second failure while the container goes down keeps the first code.
    finish({ code: 1, signal: null });
    expect(readFileSync(containerExitcode(), 'utf8').trim()).toBe('2');
    expect(lastExit()).toMatchObject({ code: 1, reason: 'failed (exit code 1)' });

    // Killed (s6's timeout-kill, the OOM killer): the container exits 128 + the signal.
    rmSync(containerExitcode());
    expect(finish({ code: null, signal: 'SIGKILL' })).toMatch(/ERROR: Media Tracker killed by SIGKILL; halting the add-on \(exit code 137\)/);
    expect(lastExit()).toMatchObject({ code: null, signal: 9, reason: 'killed by SIGKILL' });
    expect(readFileSync(containerExitcode(), 'utf8').trim()).toBe('137');
  });
});
