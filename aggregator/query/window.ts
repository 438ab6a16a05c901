import { parseTimeArg } from "../../protocol/time.ts";
import { HttpError } from "../api/http-error.ts";

/** ClickHouse's DateTime64 text form, for query parameters: 2026-11-22 02:18:35.123 */
export function toChTime(d: Date): string {
  return d.toISOString().replace("T", " ").replace("Z", "");
}

/** The store's DateTime64 text (UTC) → RFC 3339, keeping every fractional digit. */
export function fromChTime(s: string): string {
  return `${s.replace(" ", "T")}Z`;
}

/** since/until query arguments → a checked time window; `since` defaults to `defaultSince` back. */
export function timeWindow(
  since: string | undefined,
  until: string | undefined,
  defaultSince = "1h",
): { since: string; until: string } {
  const s = parseTimeArg(since ?? defaultSince);
  if (!s)
    throw new HttpError(
      400,
      `since: "${since}" is neither RFC 3339 (2026-11-22T02:00:00Z) nor relative (15m, 2h, 7d)`,
    );
  const u = until === undefined ? new Date(Date.now() + 60_000) : parseTimeArg(until);
  if (!u)
    throw new HttpError(
      400,
      `until: "${until}" is neither RFC 3339 (2026-11-22T02:00:00Z) nor relative (15m, 2h, 7d)`,
    );
  if (u < s) throw new HttpError(400, "until is before since");
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
