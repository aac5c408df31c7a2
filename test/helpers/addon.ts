/** The add-on's files as the Supervisor reads them (PyYAML, i.e. YAML 1.1). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export type Rec = Record<string, unknown>;

export function readYaml(relative: string): Rec {
  const value: unknown = parse(readFileSync(join(ROOT, relative), 'utf8'), { version: '1.1' });
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error(`${relative}: not a YAML mapping`);
  return value as Rec;
}

export const readManifest = (): Rec => readYaml('config.yaml');
export const readTranslations = (): Rec => readYaml('translations/en.yaml');

/** A deep copy to mutate in a test. */
export const clone = <T>(value: T): T => structuredClone(value);

/** The add-on's entry in the Supervisor fake: services and discovery exactly as config.yaml declares them. */
export function fakeAddonFromManifest(manifest: Rec = readManifest()): { slug: string; services: string[]; discovery: string[] } {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return { slug: `local_${String(manifest.slug)}`, services: list(manifest.services), discovery: list(manifest.discovery) };
}
