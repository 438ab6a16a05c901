// The since of both journal sources (--journal-since, --journal-gateway-since), read once.
// A relative since ("now", "-1h") must be turned into an instant when the collector starts: a
// reader that passed the text on would have it read again by each journalctl it starts, and a
// follower started a moment after the first read ("now" then) passes over what came in between.
import { InvalidArgumentError } from "commander";
import { parseDuration, parseTimeNanos, TimeArgError } from "../../protocol/time.ts";

/**
 * A since → microseconds since the epoch (the journal's `__REALTIME_TIMESTAMP`). Takes what the
 * API's `since` takes (`now`, `15m`, RFC 3339) and journalctl's `-1h` form.
 */
export function journalSinceMicros(value: string, nowMs: number = Date.now()): bigint {
  const v = value.trim().replace(/^-(?=\d)/, "");
  try {
    return parseTimeNanos(v, nowMs) / 1000n;
  } catch (err) {
    if (!(err instanceof TimeArgError)) throw err;
    throw new InvalidArgumentError(`"${value}" ${err.message}`);
  }
}

/** Commander's parser for a since flag: checks the value now, keeps the text (read at start). */
export function checkJournalSince(value: string): string {
  journalSinceMicros(value);
  return value;
}

/**
 * journalctl's --since for `value`, fixed at `nowMs`: `@seconds.micros` for a relative one (`now`,
 * `-1h`, `15m`); any other as it is, for journalctl to read in its own way (`2026-11-22 00:00:00`
 * in local time, `today`), which means the same instant each time it is read.
 */
export function journalctlSince(value: string, nowMs: number = Date.now()): string {
  const v = value.trim();
  if (v !== "now" && parseDuration(v.replace(/^-(?=\d)/, "")) === undefined) return value;
  const micros = journalSinceMicros(v, nowMs);
  return `@${micros / 1_000_000n}.${(micros % 1_000_000n).toString().padStart(6, "0")}`;
}
