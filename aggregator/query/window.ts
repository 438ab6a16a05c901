import { nanosToRfc3339, parseTimeNanos, TimeArgError } from "../../protocol/time.ts";
import { InvalidArgument } from "./errors.ts";

/**
 * ClickHouse's DateTime64 text form, for query parameters typed `DateTime64(9, 'UTC')`:
 * 2026-11-22 02:18:35.123456789. A bigint keeps every nanosecond; a Date (a time the aggregator
 * computed, such as "an hour ago") has milliseconds only.
 */
export function toChTime(t: bigint | Date): string {
  const rfc = typeof t === "bigint" ? nanosToRfc3339(t) : t.toISOString();
  return rfc.replace("T", " ").replace("Z", "");
}

/**
 * The rows of `newestFirst` (a SELECT of `toString(time) AS time_text` … ORDER BY time DESC LIMIT n)
 * put back oldest first: a window holding more rows than the limit keeps its newest, not its
 * oldest (a chart of a long window ends now; a detector run sees the latest deaths).
 * toString(DateTime64) has a fixed width, so its text sorts as the time does.
 */
export const oldestFirst = (newestFirst: string) => `SELECT * FROM (${newestFirst}) ORDER BY time_text`;

/** The store's DateTime64 text (UTC) → RFC 3339, keeping every fractional digit. */
export function fromChTime(s: string): string {
  return `${s.replace(" ", "T")}Z`;
}

/**
 * A time query argument → nanoseconds since the epoch; InvalidArgument, naming the argument,
 * when it is not a time, not a possible date, or outside what the store can hold.
 */
export function timeArg(name: string, value: string, nowMs?: number): bigint {
  try {
    return parseTimeNanos(value, nowMs);
  } catch (err) {
    if (!(err instanceof TimeArgError)) throw err;
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    throw new InvalidArgument(`${name}: ${JSON.stringify(shown)} ${err.message}`);
  }
}

/**
 * since/until query arguments → a checked time window as `DateTime64(9, 'UTC')` parameter texts;
 * `since` defaults to `defaultSince` back, `until` to a minute ahead (clocks a little ahead).
 */
export function timeWindow(
  since: string | undefined,
  until: string | undefined,
  defaultSince = "1h",
): { since: string; until: string } {
  const now = Date.now();
  const s = timeArg("since", since ?? defaultSince, now);
  const u = until === undefined ? timeArg("until", "now", now + 60_000) : timeArg("until", until, now);
  if (u < s) throw new InvalidArgument(`until (${nanosToRfc3339(u)}) is before since (${nanosToRfc3339(s)})`);
  return { since: toChTime(s), until: toChTime(u) };
}

/** SQL fragment matching a container by name, full id, or an id prefix of 12+ characters. */
export const CONTAINER_MATCH =
  "(container_name = {container:String} OR container_id = {container:String} OR (length({container:String}) >= 12 AND startsWith(container_id, {container:String})))";

/**
 * Rows select `toString(time) AS time_text` (an alias named `time` would shadow the column in
 * WHERE); this puts it back as an RFC 3339 `time`, first.
 */
export function withRfc3339Time<T extends { time_text: string }>({ time_text, ...rest }: T) {
  return { time: fromChTime(time_text), ...rest };
}
