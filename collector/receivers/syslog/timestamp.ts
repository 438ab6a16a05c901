// Timestamps of the two syslog formats, as RFC 3339 UTC for LogRecord.time.
import { isRecordTime, nanosToRfc3339 } from "../../../protocol/time.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAY_MS = 86_400_000;

/**
 * RFC 3164 `Mmm dd hh:mm:ss` (day space-padded). It has no year and no zone: the sender's local
 * time is taken to be ours (Docker's driver runs on this host), and the year is the one that puts
 * it nearest to `now` (a December line read in January is last year's).
 */
export function parseRfc3164Stamp(stamp: string, now: Date): string | undefined {
  const m = /^([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2})$/.exec(stamp);
  const month = m ? MONTHS.indexOf(m[1] as string) : -1;
  if (!m || month < 0) return undefined;
  const [day, h, min, s] = [m[2], m[3], m[4], m[5]].map(Number) as [number, number, number, number];
  if (h > 23 || min > 59 || s > 60) return undefined;
  for (const year of [now.getFullYear(), now.getFullYear() - 1, now.getFullYear() + 1]) {
    const d = new Date(year, month, day, h, min, Math.min(s, 59));
    const off = d.getTime() - now.getTime();
    if (d.getDate() === day && off < 7 * DAY_MS && off > -358 * DAY_MS) return d.toISOString();
  }
  return undefined;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/**
 * RFC 5424 TIMESTAMP (RFC 3339, up to nanoseconds: Docker's rfc5424micro sends microseconds), in
 * UTC. A stamp of that form that is no real time or lies outside the record window (before 1970,
 * more than a day after `nowIso`) is returned as it came: the pipeline (processors/bounds.ts) gives
 * the record its received time and keeps this one, as the sender wrote it, in `time.original`.
 */
export function parseRfc5424Time(value: string, nowIso = new Date().toISOString()): string | undefined {
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  if (!isRecordTime(value, nowIso)) return value;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return value;
  const zone = m[8] as string;
  const offsetMin =
    zone === "Z" ? 0 : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
  const ms = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59)) - offsetMin * 60_000;
  if (ms < 0 || new Date(Date.UTC(y, mo - 1, d)).getUTCDate() !== d) return value;
  const frac = BigInt((m[7] ?? "").padEnd(9, "0"));
  return nanosToRfc3339(BigInt(ms) * 1_000_000n + frac);
}
