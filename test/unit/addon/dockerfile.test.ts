/**
 * The add-on image without a Docker engine: the Dockerfile's stages, base pin, HEALTHCHECK and
 * entry point are read from the file, then both stages are replayed on this machine — the build
 * stage's COPY instructions from the build context (.dockerignore applied to the tracked files)
 * and its build command, the release stage's COPY --from instructions — and the image's entry
 * command starts the result as an add-on against a fake Supervisor, until the HEALTHCHECK
 * command passes. `npm ci` is the one step not replayed: the repository's node_modules stand in.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsSchema } from '../../../src/config/schema.js';
import { startSupervisorFake, type SupervisorFake } from '../../fakes/supervisor.js';
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

const expand = (s: string, args: Map<string, string>) => s.replace(/\$\{?(\w+)\}?/g, (_, k: string) => args.get(k) ?? '');
const of = (stage: Stage, op: string) => stage.body.filter((i) => i.op === op);
const execForm = (args: string): string[] => JSON.parse(args) as string[];

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

  it('the release stage holds only the built app, the panel and production dependencies', () => {
    const copies = of(release, 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    const sources = copies.map((c) => {
      const parts = c.args.split(/\s+/);
      expect(parts[0], `${c.args}: from the build stage only`).toBe(`--from=${build.name}`);
      return parts.slice(1, -1).map((p) => relative('/src', p));
    });
    expect(sources.flat().sort()).toEqual(['dist', 'frontend/dist', 'node_modules', 'package.json']);
    expect(
      of(release, 'RUN')
        .map((r) => r.args)
        .join('\n'),
    ).not.toMatch(/\bnpm\b/);
    expect(of(release, 'ENV').map((e) => e.args)).toContain('NODE_ENV=production');
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

  it('the entry point is Node on dist/main.js, consistent with config.yaml init', () => {
    const [entry] = of(release, 'ENTRYPOINT');
    const cmd = execForm(entry!.args);
    expect(cmd[0]).toBe('node');
    expect(cmd[1]).toMatch(/\/dist\/main\.js$/);
    // init defaults to true: Docker's init is PID 1, so s6-overlay (/init) must not be the entry.
    expect(manifest.init ?? true).toBe(true);
    expect(existsSync(join(ROOT, 'rootfs', 'etc', 's6-overlay'))).toBe(false);
    // npm start runs the same file.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string>; main: string };
    expect(pkg.scripts.start).toMatch(/node dist\/main\.js$/);
    expect(pkg.main).toBe('dist/main.js');
  });
});

describe('the image, replayed on this machine', () => {
  let work = '';
  let buildDir = '';
  let appDir = '';
  let supervisor: SupervisorFake;
  let app: AppProcess | null = null;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'media-tracker-image-'));
    supervisor = await startSupervisorFake({ token: 'image-test-token-0123456789', addon: fakeAddonFromManifest(manifest) });
  });

  afterAll(async () => {
    await app?.dispose();
    await supervisor?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Replays COPY <src...> <dest> from `fromDir` into `toDir`, relative to the stage's WORKDIR. */
  function replayCopy(ins: Instruction, fromDir: string, fromRoot: string, toDir: string, workdir: string) {
    const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    const dest = parts.pop()!;
    const target = join(toDir, relative(workdir, resolve(workdir, dest)));
    for (const src of parts) {
      const from = join(fromDir, relative(fromRoot, resolve(fromRoot, src)));
      const to = parts.length > 1 || dest.endsWith('/') ? join(target, src.split('/').at(-1)!) : target;
      mkdirSync(dirname(to), { recursive: true });
      // node_modules stands in for `npm ci` / `npm prune`; linking keeps the replay cheap.
      if (src.endsWith('node_modules')) symlinkSync(join(ROOT, 'node_modules'), to, 'dir');
      else cpSync(from, to, { recursive: true });
    }
  }

  it('the build stage builds from the build context alone', { timeout: 240_000 }, () => {
    const ignored = dockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
    const context = join(work, 'context');
    const tracked = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
    const included = tracked.filter((f) => !ignored(f) && existsSync(join(ROOT, f)));
    for (const f of included) {
      mkdirSync(dirname(join(context, f)), { recursive: true });
      cpSync(join(ROOT, f), join(context, f));
    }
    // Nothing test-only or generated reaches the image.
    expect(included.filter((f) => /^(test|bench|docs|scripts|\.ci)\//.test(f) || f.startsWith('frontend/test/'))).toEqual([]);

    const workdir = of(build, 'WORKDIR')[0]!.args;
    buildDir = join(work, 'build');
    mkdirSync(buildDir, { recursive: true });
    for (const ins of build.body) {
      if (ins.op === 'COPY') replayCopy(ins, context, '/', buildDir, workdir);
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

  it('the entry command starts the release stage as an add-on and the HEALTHCHECK passes, then fails once stopped', async () => {
    const workdir = of(release, 'WORKDIR')[0]!.args;
    appDir = join(work, 'app');
    mkdirSync(appDir, { recursive: true });
    for (const ins of of(release, 'COPY')) replayCopy(ins, buildDir, of(build, 'WORKDIR')[0]!.args, appDir, workdir);
    expect(readdirSync(appDir).sort()).toEqual(['dist', 'frontend', 'node_modules', 'package.json']);

    const entry = execForm(of(release, 'ENTRYPOINT')[0]!.args).map((a) => (a.startsWith(`${workdir}/`) ? join(appDir, a.slice(workdir.length + 1)) : a));
    const env = Object.fromEntries(of(release, 'ENV').map((e) => e.args.split('=') as [string, string]));
    app = await spawnApp({
      command: [process.execPath, ...entry.slice(1)],
      cwd: appDir,
      env: { ...env, SUPERVISOR_TOKEN: supervisor.token, MEDIA_TRACKER_SUPERVISOR_URL: supervisor.url },
    });
    await untilHealthy(app);
    // As an add-on without a broker add-on, the embedded broker was offered to Home Assistant.
    expect([...supervisor.state.discovery.values()].map((m) => m.service)).toEqual(['mqtt']);

    const hc = /CMD (.*)$/.exec(of(release, 'HEALTHCHECK')[0]!.args)![1]!.replace(`:${DEFAULTS.webhook_port}/`, `:${app.ports.webhook}/`);
    expect(spawnSync('sh', ['-c', hc]).status, hc).toBe(0);
    const exit = await app.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(spawnSync('sh', ['-c', hc]).status).not.toBe(0);
  });
});
