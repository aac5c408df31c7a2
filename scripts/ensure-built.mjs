// Rebuilds dist/ when any source file is newer than the last build, and the panel
// (frontend/dist) when it is missing or older than its sources, so `npm start` works on a
// fresh clone and stays fast afterwards. With --bench: the benchmark's dist-bench/ instead of dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bench = process.argv.includes('--bench');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

function run(script, args) {
  const result = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', cwd: root });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** Runs `tsc -p <project>` when `stamp` is missing or older than any of `inputs` (directories or files). */
function compile(project, stamp, inputs) {
  const sources = Math.max(...inputs.map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= sources) return;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) {
    console.error('TypeScript is not installed: run `npm ci` first.');
    process.exit(1);
  }
  run(tsc, ['-p', project]);
}

if (bench) {
  const out = join(root, 'dist-bench');
  const inputs = ['src', 'bench', join('test', 'fakes'), join('test', 'helpers'), 'tsconfig.json'];
  compile(
    join(root, 'bench', 'tsconfig.json'),
    join(out, '.tsbuildinfo'),
    inputs.map((p) => join(root, p)),
  );
  // dist-bench/src is src compiled one level deeper than dist/: what src reads relative to
  // itself above src/ (../package.json, ../../frontend/dist) must be found in dist-bench/ too.
  for (const name of ['package.json', 'frontend']) {
    const link = join(out, name);
    if (!lstatSync(link, { throwIfNoEntry: false })) symlinkSync(join('..', name), link);
  }
} else {
  compile(join(root, 'tsconfig.build.json'), join(root, 'dist', '.tsbuildinfo'), [join(root, 'src'), join(root, 'tsconfig.json')]);
}

// The panel: frontend/src plus the few files next to it that shape the build.
const frontend = join(root, 'frontend');
const panel = join(frontend, 'dist', 'index.html');
const panelSources = Math.max(newestMtime(join(frontend, 'src')), ...['index.html', 'vite.config.ts', 'tsconfig.json'].map((f) => statSync(join(frontend, f)).mtimeMs));
if (!existsSync(panel) || statSync(panel).mtimeMs < panelSources) {
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) {
    // The tracker runs without its panel (ingress answers 503 at `/`); say why.
    console.error('The panel is not built and Vite is not installed (dev dependency): run `npm ci && npm run build:panel`.');
  } else {
    run(vite, ['build', frontend, '--logLevel', 'warn']);
  }
}
