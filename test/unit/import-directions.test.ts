/**
 * The architecture's import directions (docs/architecture.md), read from the sources:
 * - the contract imports nothing outside itself;
 * - the domain imports only the domain and the contract;
 * - an integration never imports another one, except the shared `integrations/arr/`;
 * - features reach integrations only through the registry and the capability interfaces.
 * And no source file is over 400 lines.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `src/`-relative paths (forward slashes) of the relative imports of a source file; bare packages as `pkg:<name>`. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) return `pkg:${fileName}`;
    return relative(SRC, resolve(dirname(file), fileName))
      .split(sep)
      .join('/')
      .replace(/\.js$/, '.ts');
  });
}

const sources = files(SRC).map((f) => ({ path: relative(SRC, f).split(sep).join('/'), imports: importsOf(f), lines: readFileSync(f, 'utf8').split('\n').length }));
const under = (dir: string) => sources.filter((s) => s.path.startsWith(`${dir}/`));

function violations(list: typeof sources, allowed: (path: string, imp: string) => boolean): string[] {
  return list.flatMap((s) => s.imports.filter((imp) => !allowed(s.path, imp)).map((imp) => `${s.path} → ${imp}`));
}

describe('import directions', () => {
  it('finds the folders it checks', () => {
    for (const dir of ['contract', 'domain', 'integrations', 'features']) expect(under(dir).length, dir).toBeGreaterThan(0);
  });

  it('the contract imports nothing outside itself (no package either)', () => {
    expect(violations(under('contract'), (_p, imp) => imp.startsWith('contract/'))).toEqual([]);
  });

  it('the domain imports only the domain and the contract (no I/O, no packages)', () => {
    expect(violations(under('domain'), (_p, imp) => imp.startsWith('domain/') || imp.startsWith('contract/'))).toEqual([]);
  });

  it('an integration imports no other integration except the shared arr folder', () => {
    const own = (p: string) => p.split('/')[1];
    const bad = violations(under('integrations'), (p, imp) => {
      if (!imp.startsWith('integrations/')) return true;
      const target = imp.split('/');
      // The seam (files at the integrations root) may use itself; the registry may list every integration.
      if (p.split('/').length === 2) return target.length === 2 || p === 'integrations/registry.ts';
      // An integration uses the seam's types and shared services, never the registry (which lists it).
      if (target.length === 2) return target[1] !== 'registry.ts';
      return target[1] === own(p) || target[1] === 'arr';
    });
    expect(bad).toEqual([]);
  });

  it('features reach integrations only through the registry and the capability interfaces', () => {
    const bad = violations(under('features'), (_p, imp) => !imp.startsWith('integrations/') || imp.split('/').length === 2);
    expect(bad).toEqual([]);
  });

  it('no source file is over 400 lines', () => {
    expect(sources.filter((s) => s.lines > 400).map((s) => `${s.path}: ${s.lines}`)).toEqual([]);
  });

  it('reads imports as the rules expect (a known import is seen)', () => {
    const app = sources.find((s) => s.path === 'app.ts');
    expect(app?.imports.some((i) => i.startsWith('features/'))).toBe(true);
  });
});
