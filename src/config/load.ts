/** Finds, reads and validates the options; an invalid value stops start-up with exit code 2. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { optionsSchema, type Options } from './schema.js';

export const ADDON_OPTIONS_PATH = '/data/options.json';

export class ConfigError extends Error {
  readonly exitCode = 2;
}

export interface OptionsSource {
  path: string | null;
  options: Options;
}

/** `/data/options.json` (add-on), else `$MEDIA_TRACKER_OPTIONS`, else defaults. */
export function loadOptions(env: NodeJS.ProcessEnv = process.env, addonPath = ADDON_OPTIONS_PATH): OptionsSource {
  const path = existsSync(addonPath) ? addonPath : env.MEDIA_TRACKER_OPTIONS || null;
  if (path === null) return { path: null, options: parseOptions({}) };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read options from ${path}: ${(err as Error).message}`);
  }
  return { path, options: parseOptions(path === addonPath ? withAddonDefaults(raw, addonPath) : raw, path) };
}

/**
 * As an add-on, state belongs in `/data` (private to the add-on and in its backups), not in the
 * working directory: `data_dir` is not an add-on option, so the Supervisor never writes it.
 */
function withAddonDefaults(raw: unknown, addonPath: string): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || 'data_dir' in raw) return raw;
  return { ...raw, data_dir: dirname(addonPath) };
}

export function parseOptions(raw: unknown, origin = 'options'): Options {
  const result = optionsSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(`Invalid ${origin}:\n${describeIssues(result.error)}`);
}

/** The keys an object schema accepts at `path` (defaults and optionals unwrapped). */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType = schema;
  const unwrap = (t: z.ZodType): z.ZodType => {
    let cur = t;
    while (cur instanceof z.ZodDefault || cur instanceof z.ZodOptional) cur = cur.unwrap() as z.ZodType;
    return cur;
  };
  node = unwrap(node);
  for (const key of path) {
    if (!(node instanceof z.ZodObject)) return [];
    const next = (node.shape as Record<string, z.ZodType>)[String(key)];
    if (!next) return [];
    node = unwrap(next);
  }
  return node instanceof z.ZodObject ? Object.keys(node.shape as object) : [];
}

/** One line per problem: `- mqtt.port: Invalid input: expected number, received string`. */
export function describeIssues(error: z.ZodError, schema: z.ZodType = optionsSchema): string {
  return error.issues
    .flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = knownKeys(schema, issue.path);
        return issue.keys.map((key) => `- ${[...issue.path, key].join('.')}: unknown key; expected one of ${known.join(', ')}`);
      }
      return [`- ${issue.path.join('.') || '(root)'}: ${issue.message}`];
    })
    .join('\n');
}
