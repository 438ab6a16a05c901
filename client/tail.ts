// Live tails over the API's newest-first lists (logs, events, incidents): each poll asks for rows
// since the newest one already seen. The cursor is that row's time exactly as the API wrote it
// (nine fractional digits), never a Date: `since` is inclusive and compared to the nanosecond, so
// only rows of that very nanosecond come again, and those already shown are remembered and dropped.

import type { LogLine } from "../protocol/api/logs.ts";
import { nanosToRfc3339, parseDuration, parseTimeNanos, rfc3339ToNanos } from "../protocol/time.ts";
import type { ApiClient } from "./api-client.ts";
import type { LogParams } from "./log-filter.ts";

export interface Poller<T> {
  poll(): Promise<T[]>;
}

export class TimeTail<T extends { time: string }> implements Poller<T> {
  readonly #read: (since: string, limit: number) => Promise<T[]>;
  readonly #key: (row: T) => string;
  readonly #first: { since: string; limit: number };
  /** The newest row's time, as text (for `since`) and as nanoseconds (to compare). */
  #cursor: { text: string; nanos: bigint } | undefined;
  #atCursor = new Set<string>();

  /** `read(since, limit)` answers newest first; `key` tells two rows of one instant apart. */
  constructor(
    read: (since: string, limit: number) => Promise<T[]>,
    key: (row: T) => string,
    first: { since: string; limit: number },
  ) {
    this.#read = read;
    this.#key = key;
    this.#first = { ...first, since: fixedSince(first.since) };
  }

  /** Rows since the last poll, oldest first (the first poll: the newest `limit` since `since`). */
  async poll(): Promise<T[]> {
    const rows = await this.#read(
      this.#cursor?.text ?? this.#first.since,
      this.#cursor ? 1000 : this.#first.limit,
    );
    const fresh = rows.filter((r) => !this.#atCursor.has(this.#key(r))).reverse();
    for (const r of fresh) {
      const nanos = rfc3339ToNanos(r.time);
      if (nanos === undefined) continue;
      if (this.#cursor === undefined || nanos > this.#cursor.nanos) {
        this.#cursor = { text: r.time, nanos };
        this.#atCursor = new Set();
      }
      if (nanos === this.#cursor.nanos) this.#atCursor.add(this.#key(r));
    }
    return fresh;
  }
}

/**
 * A relative since (`now`, `15m`) as the instant it means now; anything else as it is, for the
 * API to judge. Until the first row comes each poll asks with it: read again at every poll, a
 * short one ("now" then) passes over rows that arrive after the tail started.
 */
function fixedSince(since: string): string {
  const v = since.trim();
  if (v !== "now" && parseDuration(v) === undefined) return since;
  return nanosToRfc3339(parseTimeNanos(v));
}

const lineKey = (l: LogLine) => `${l.time}|${l.host}|${l.containerId}|${l.source}|${l.seq}`;

/** The tail of GET /api/v1/logs under `params` (the TUI's logs view and `fleetscope logs -f`). */
export class LogTail extends TimeTail<LogLine> {
  constructor(client: ApiClient, params: LogParams, { since = "15m", limit = 200 } = {}) {
    const read = async (since: string, limit: number) =>
      (await client.get<{ logs: LogLine[] }>("/api/v1/logs", { ...params, since, limit })).logs;
    super(read, lineKey, { since, limit });
  }
}
