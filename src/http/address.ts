/** Peer addresses as the listeners compare them. */
import { isIP } from 'node:net';

/** `::ffff:172.30.32.2` and `172.30.32.2` are the same peer. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address.toLowerCase();
}

export function isLoopback(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}
