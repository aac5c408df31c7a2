/** Text for numbers, durations and dates, shared by the components. Pure and locale-light. */

export function percent(progress: number | null): string {
  if (progress === null || !Number.isFinite(progress)) return '';
  // One decimal below 100 %, none when it is .0: "42 %", "42.5 %", "99.9 %", "100 %".
  const p = Math.floor(Math.max(0, Math.min(1, progress)) * 1000) / 10;
  return `${Number.isInteger(p) ? p.toFixed(0) : p.toFixed(1)} %`;
}

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

export function bytes(n: number | null): string {
  if (n === null || !Number.isFinite(n) || n < 0) return '';
  let value = n;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? value.toFixed(0) : value.toFixed(1)} ${UNITS[unit]}`;
}

/** `via SABnzbd (usenet)`: the download client of the download followed, when known. */
export function via(client: string | null | undefined, protocol: string | null | undefined): string {
  if (!client) return protocol ? `via ${protocol}` : '';
  return `via ${client}${protocol ? ` (${protocol})` : ''}`;
}

export function speed(bps: number | null): string {
  const b = bytes(bps);
  return b ? `${b}/s` : '';
}

/** "45 s", "12 min", "3 h 20 min", "2 d 4 h". */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d} d ${h % 24} h` : `${d} d`;
}

/** How long ago `iso` was, relative to `now`: "just now", "5 min", "2 h 3 min". */
export function age(iso: string | null | undefined, now: number): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '';
  const s = (now - t) / 1000;
  if (s < 5) return 'just now';
  return duration(s);
}

export function ago(iso: string | null | undefined, now: number): string {
  const a = age(iso, now);
  return a === '' || a === 'just now' ? a : `${a} ago`;
}

/** "2026-11-22 03:46:07" in the browser's time zone (the panel is used where the user is). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function episodeCode(season: number, episode: number): string {
  return `S${String(season).padStart(2, '0')}E${String(episode).padStart(2, '0')}`;
}

/** "1 problem", "0 problems", "3 problems" (English: the plural adds an s). */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function titleWithYear(title: string, year: number | null): string {
  return year ? `${title} (${year})` : title;
}

/** "2026-12-14": the day of `iso` in the browser's time zone. */
export function day(iso: string | null | undefined): string {
  return dateTime(iso).slice(0, 10);
}
