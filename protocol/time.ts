// Time helpers shared by both ends. Nanosecond timestamps travel as RFC 3339 strings because a
// JS number cannot hold them; Date only when millisecond precision is enough.

/** Nanoseconds since the epoch → RFC 3339 UTC with nine fractional digits. */
export function nanosToRfc3339(nanos: bigint): string {
  const ms = nanos / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString(); // 2026-11-22T02:18:35.123Z
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, "0");
  return `${iso.slice(0, 19)}.${frac}Z`;
}

export function nowRfc3339(): string {
  return new Date().toISOString();
}

const RELATIVE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };

/**
 * Parses a user-given point in time: RFC 3339 (`2026-11-22T02:00:00Z`), a relative duration
 * back from now (`15m`, `2h`, `7d`), or `now`. Returns undefined when it is neither.
 */
export function parseTimeArg(value: string, now: number = Date.now()): Date | undefined {
  const v = value.trim();
  if (v === "now") return new Date(now);
  const rel = RELATIVE.exec(v);
  if (rel) return new Date(now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number));
  if (!/^\d{4}-\d{2}-\d{2}/.test(v)) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Parses a duration such as `10s`, `500ms`, `2m` into milliseconds; undefined when invalid. */
export function parseDuration(value: string): number | undefined {
  const m = RELATIVE.exec(value.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
}
