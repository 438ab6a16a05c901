// Whether a record's time (already in RFC 3339 form: its schema's pattern) is one the store can
// hold. The store refuses an impossible date (month 13, February 30) or one outside
// DateTime64(9)'s range (1900 to 2262) for the whole insert, so such a record would turn its
// batch into one the collector resends forever; ingest rejects it alone instead.
import { MAX_TIME_NANOS, MIN_TIME_NANOS, rfc3339ToNanos } from "../../protocol/time.ts";

const num = (s: string, from: number) => (s.charCodeAt(from) - 48) * 10 + s.charCodeAt(from + 1) - 48;

/**
 * Most times are checked by their digits alone (a year well inside the range, a day every month
 * has, a real hour, minute, second and zone); the rest are parsed in full. Ingest checks every
 * record's time, so the common case must cost next to nothing.
 */
export function isStorableTime(t: string): boolean {
  const year = num(t, 0) * 100 + num(t, 2);
  const zone = t.endsWith("Z") ? 0 : num(t, t.length - 5) * 100 + num(t, t.length - 2);
  const plain =
    year > 1900 &&
    year < 2262 &&
    num(t, 5) >= 1 &&
    num(t, 5) <= 12 &&
    num(t, 8) >= 1 &&
    num(t, 8) <= 28 &&
    num(t, 11) <= 23 &&
    num(t, 14) <= 59 &&
    num(t, 17) <= 59 &&
    zone <= 2359 &&
    zone % 100 <= 59;
  if (plain) return true;
  const nanos = rfc3339ToNanos(t);
  return nanos !== undefined && nanos >= MIN_TIME_NANOS && nanos <= MAX_TIME_NANOS;
}
