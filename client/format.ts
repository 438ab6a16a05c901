// Short, fixed-width renderings of numbers for table cells.

const UNITS = ["B", "K", "M", "G", "T"];

/** Bytes in at most 6 characters: 812K, 14.6M, 2.0G. */
export function bytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)}${UNITS[u]}`;
}

export const rate = (bytesPerSecond: number) => `${bytes(bytesPerSecond)}/s`;
export const percent = (p: number | null) => (p === null ? "-" : `${p.toFixed(p >= 100 ? 0 : 1)}%`);
export const cores = (c: number) => c.toFixed(c >= 10 ? 1 : 2);

/** Seconds as the largest two units: 45s, 3m12s, 5h03m, 12d04h. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, "0")}h`;
}

/**
 * How long something has been up, rounded as `docker ps` rounds "Up …" but short: 45s, then 1m …
 * 59m, 1h … 47h (hours to the nearest), 2d … 13d, 2w … 8w, 2mo … 23mo, 2y. Seconds only in the
 * first minute: a screen of long-running containers need not change every second.
 */
export function upFor(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  const hours = Math.floor(s / 3600 + 0.5);
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / (24 * 7))}w`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / (24 * 30))}mo`;
  return `${Math.floor(s / (3600 * 24 * 365))}y`;
}

/** How long ago an RFC 3339 time was, as `duration`. */
export const ago = (time: string, now = Date.now()) => duration((now - Date.parse(time)) / 1000);

/** 2026-11-22T02:50:28.178Z → 02:50:28 (or with milliseconds). */
export const clock = (time: string, ms = false) => time.slice(11, ms ? 23 : 19);

/** Pads or cuts `s` to exactly `width` characters (an ellipsis marks a cut). */
export function padCell(s: string, width: number, align: "left" | "right" = "left"): string {
  if (width <= 0) return "";
  const chars = [...s];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
  return align === "right" ? s.padStart(width) : s.padEnd(width);
}
