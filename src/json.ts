/** JSON text as a value; null when empty or not JSON. For text a zod schema judges next. */
export function jsonOrNull(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : null;
  } catch {
    return null;
  }
}
