// Time helpers shared by every part. Stored times are nanoseconds, so a point in time travels as
// an RFC 3339 string with up to nine fractional digits and is computed with as a bigint of
// nanoseconds: a JS number (or Date) holds only milliseconds, and rounding a time to the
// millisecond moves it past events of that same millisecond.

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** The store's range (ClickHouse DateTime64(9)): nothing outside it can be stored or asked for. */
export const MIN_TIME_NANOS = -2_208_988_800n * NS_PER_S; // 1900-01-01T00:00:00Z
export const MAX_TIME_NANOS = 9_223_372_036_854_775_807n; // 2262-04-11T23:47:16.854775807Z

/**
 * The times a record may carry: from the Unix epoch (the store's retention and partitions count
 * from there, so an older row would never expire) to one day past the receiving side's clock
 * (later is a wrong clock: the row would sit above every "latest" view, and past 2106 retention
 * overflows and the row vanishes). A record outside keeps its data with the time it was received.
 */
export const RECORD_TIME_MIN_NANOS = 0n;
export const RECORD_TIME_FUTURE_NANOS = 86_400n * NS_PER_S;
/** The attribute keeping a record's own time when it was replaced by the received time. */
export const TIME_ORIGINAL_ATTRIBUTE = "time.original";

/** RFC 3339 with up to nine fractional digits and a zone: the form of a record's time. */
export const RECORD_TIME_PATTERN =
  "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?(Z|[+-]\\d{2}:\\d{2})$";
const RECORD_TIME = new RegExp(RECORD_TIME_PATTERN);

const digits2 = (s: string, from: number) => (s.charCodeAt(from) - 48) * 10 + s.charCodeAt(from + 1) - 48;

/**
 * Whether `t` is a real time of the record form (RECORD_TIME_PATTERN) inside the record window
 * around `receivedIso` (the receiving side's now, `toISOString()` form). Every record's time is
 * checked, so the common case is decided on the digits alone: a real date (the 29th to 31st
 * included: for three days a month every record took the slow path), hour, minute, second and zone, and a wall time from 1970-01-02 up to the received time (any zone offset
 * is under a day, the window's slack on each side). The rest is parsed in full.
 */
export function isRecordTime(t: string, receivedIso: string): boolean {
  if (!RECORD_TIME.test(t)) return false;
  const zone = t.endsWith("Z") ? 0 : digits2(t, t.length - 5) * 100 + digits2(t, t.length - 2);
  const wall = t.slice(0, 19);
  const plain =
    wall >= "1970-01-02T00:00:00" &&
    wall <= receivedIso.slice(0, 19) &&
    digits2(t, 5) >= 1 &&
    digits2(t, 5) <= 12 &&
    digits2(t, 8) >= 1 &&
    digits2(t, 8) <= lastDay(Number(t.slice(0, 4)), digits2(t, 5)) &&
    digits2(t, 11) <= 23 &&
    digits2(t, 14) <= 59 &&
    digits2(t, 17) <= 59 &&
    zone <= 2359 &&
    zone % 100 <= 59;
  if (plain) return true;
  const nanos = rfc3339ToNanos(t);
  const received = rfc3339ToNanos(receivedIso) as bigint;
  return (
    nanos !== undefined && nanos >= RECORD_TIME_MIN_NANOS && nanos <= received + RECORD_TIME_FUTURE_NANOS
  );
}

/** A time argument that cannot be used; the message says why, without naming the argument. */
export class TimeArgError extends Error {}

const floorDiv = (a: bigint, b: bigint) => (a >= 0n || a % b === 0n ? a / b : a / b - 1n);

/** Nanoseconds since the epoch → RFC 3339 UTC with nine fractional digits. */
export function nanosToRfc3339(nanos: bigint): string {
  const seconds = floorDiv(nanos, NS_PER_S);
  const frac = (nanos - seconds * NS_PER_S).toString().padStart(9, "0");
  const iso = new Date(Number(seconds) * 1000).toISOString(); // 2026-11-22T02:18:35.000Z
  return `${iso.slice(0, 19)}.${frac}Z`;
}

export function nowRfc3339(): string {
  return new Date().toISOString();
}

export const msToNanos = (ms: number): bigint => BigInt(Math.round(ms)) * NS_PER_MS;
export const nanosToMs = (nanos: bigint): number => Number(floorDiv(nanos, NS_PER_MS));

const RELATIVE = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };
// 2026-11-22, 2026-11-22T02:18, 2026-11-22T02:18:35.123456789Z, …+02:00; a space for the T and
// no zone (UTC) too, as ClickHouse prints times.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
const MONTH_NAMES =
  "January February March April May June July August September October November December".split(" ");

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Days in month `m` (1–12) of year `y`; 0 for a month that does not exist. */
const lastDay = (y: number, m: number): number => (m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] ?? 0));

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Checks each field of a calendar time; throws naming the one that does not exist. */
function checkFields(y: number, mo: number, d: number, h: number, mi: number, s: number): void {
  if (mo < 1 || mo > 12) throw new TimeArgError(`has month ${mo}; months are 01 to 12`);
  const last = lastDay(y, mo);
  if (d < 1 || d > last)
    throw new TimeArgError(`is not a date: ${MONTH_NAMES[mo - 1]} ${y} has ${last} days`);
  if (h > 23) throw new TimeArgError(`has hour ${h}; hours are 00 to 23`);
  if (mi > 59) throw new TimeArgError(`has minute ${mi}; minutes are 00 to 59`);
  if (s > 59) throw new TimeArgError(`has second ${s}; seconds are 00 to 59`);
}

/** Seconds east of UTC of a zone suffix (Z, +02:00, -0530); 0 when none. */
function zoneSeconds(zone: string | undefined): number {
  if (!zone || zone === "Z" || zone === "z") return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone) as RegExpExecArray;
  const [h, mi] = [Number(m[2]), Number(m[3])];
  if (h > 23 || mi > 59) throw new TimeArgError(`has the zone offset ${zone}, which does not exist`);
  return (m[1] === "-" ? -1 : 1) * (h * 3600 + mi * 60);
}

/** RFC 3339 (up to nine fractional digits) → nanoseconds; undefined when it is not that form. */
function rfc3339Nanos(v: string): bigint | undefined {
  const m = RFC3339.exec(v);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as number[];
  checkFields(y as number, mo as number, d as number, h as number, mi as number, s as number);
  const frac = m[7] ?? "";
  if (frac.length > 9)
    throw new TimeArgError(`has ${frac.length} fractional digits; nanoseconds (9 digits) are the finest`);
  const days = daysFromCivil(y as number, mo as number, d as number);
  const seconds =
    days * 86400 + (h as number) * 3600 + (mi as number) * 60 + (s as number) - zoneSeconds(m[8]);
  return BigInt(seconds) * NS_PER_S + BigInt(frac.padEnd(9, "0"));
}

/** `15m`, `2h`, `1.5d` back from `nowNanos`; undefined when it is not that form. */
function relativeNanos(v: string, nowNanos: bigint): bigint | undefined {
  const rel = RELATIVE.exec(v);
  if (!rel) return undefined;
  const ns = Number(rel[1]) * (UNIT_MS[rel[2] as string] as number) * 1e6;
  if (!Number.isFinite(ns)) throw new TimeArgError("reaches back further than any time the store keeps");
  // Whole nanoseconds of a fractional duration: exact for any duration a person types.
  return nowNanos - BigInt(Math.round(ns));
}

/**
 * A user-given point in time → nanoseconds since the epoch, at full precision: RFC 3339 with up to
 * nine fractional digits (`2026-11-22T02:00:00.123456789Z`; no zone means UTC), a duration back
 * from now (`15m`, `2h`, `7d`), or `now`. Throws TimeArgError saying what is wrong: not a time,
 * an impossible date (2026-02-30, month 13), or outside the store's range (1900 to 2262).
 */
export function parseTimeNanos(value: string, nowMs: number = Date.now()): bigint {
  const v = value.trim();
  const now = msToNanos(nowMs);
  const nanos = v === "now" ? now : (relativeNanos(v, now) ?? rfc3339Nanos(v));
  if (nanos === undefined)
    throw new TimeArgError(
      "is neither RFC 3339 (2026-11-22T02:00:00Z, up to 9 fractional digits) nor relative (15m, 2h, 7d) nor now",
    );
  if (nanos < MIN_TIME_NANOS || nanos > MAX_TIME_NANOS)
    throw new TimeArgError(
      "is outside the times the store can hold (1900-01-01T00:00:00Z to 2262-04-11T23:47:16Z)",
    );
  return nanos;
}

/** RFC 3339 → nanoseconds, or undefined when it is not one (for times an API answered). */
export function rfc3339ToNanos(value: string): bigint | undefined {
  try {
    return rfc3339Nanos(value.trim());
  } catch {
    return undefined;
  }
}

/** Parses a duration such as `10s`, `500ms`, `2m` into milliseconds; undefined when invalid. */
export function parseDuration(value: string): number | undefined {
  const m = RELATIVE.exec(value.trim());
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
}

/**
 * A span for a person, one formatter for every renderer: 30 ms, 4.5 s, 10 s, 12 min, 5.2 h, 3 d
 * (milliseconds under a second, so a container that ran for 30 ms does not read "0s").
 */
export function humanDuration(ms: number): string {
  const a = Math.abs(ms);
  const sign = ms < 0 ? "-" : "";
  const one = (v: number) => v.toFixed(1).replace(/\.0$/, ""); // 4.5, 10 (not 10.0)
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 120_000) return `${sign}${one(a / 1000)} s`;
  if (a < 120 * 60_000) return `${sign}${Math.round(a / 60_000)} min`;
  if (a < 48 * 3600_000) return `${sign}${one(a / 3600_000)} h`;
  return `${sign}${one(a / 86400_000)} d`;
}

/** "1 start", "3 starts": the count and its noun, plural when it is not one. */
export const counted = (n: number, singular: string, plural = `${singular}s`) =>
  `${n} ${n === 1 ? singular : plural}`;
