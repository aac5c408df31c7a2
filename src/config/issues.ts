/**
 * Zod problems in words, one line each: used for the options and for answers from upstream
 * services (net/service.ts and the integrations' clients), so it knows no schema of its own.
 */
import { z } from 'zod';

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

/** One line per problem: `- mqtt.port: Invalid input: expected number, received string`; unknown keys name the known ones when `schema` is given. */
export function describeIssues(error: z.ZodError, schema?: z.ZodType): string {
  return error.issues
    .flatMap((issue) => {
      if (issue.code === 'unrecognized_keys') {
        const known = schema ? knownKeys(schema, issue.path) : [];
        return issue.keys.map((key) => `- ${[...issue.path, key].join('.')}: unknown key; expected one of ${known.join(', ')}`);
      }
      return [`- ${issue.path.join('.') || '(root)'}: ${issue.message}`];
    })
    .join('\n');
}
