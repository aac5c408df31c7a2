/**
 * A v4 UUID for command transactions. `crypto.randomUUID` only exists in secure contexts,
 * and Home Assistant is often opened over plain http on the LAN; `getRandomValues` is
 * available everywhere.
 */
interface RandomSource {
  getRandomValues<T extends Uint8Array>(array: T): T;
}

export function uuid(random: RandomSource | null = (globalThis as { crypto?: RandomSource }).crypto ?? null): string {
  const b = new Uint8Array(16);
  if (random) random.getRandomValues(b);
  else for (let i = 0; i < b.length; i++) b[i] = Math.floor(Math.random() * 256);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
