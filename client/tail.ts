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
  /** Once, after a poll that had to pass over rows (more came than it reads): what to tell. */
  takeGap?(): string | undefined;
}

/** `read(since, limit, until?)` answers newest first. */
export type TailRead<T> = (since: string, limit: number, until?: string) => Promise<T[]>;

/** Rows one read after the cursor asks for. */
const PAGE = 1000;

/** The first read's since and limit; later polls keep at most `maxPerPoll` (default 50,000). */
export interface TailStart {
  since: string;
  limit: number;
  maxPerPoll?: number;
}

export class TimeTail<T extends { time: string }> implements Poller<T> {
  readonly #read: TailRead<T>;
  readonly #key: (row: T) => string;
  readonly #first: { since: string; limit: number };
  readonly #maxPages: number;
  /** The newest row's time, as text (for `since`) and as nanoseconds (to compare). */
  #cursor: { text: string; nanos: bigint } | undefined;
  #atCursor = new Set<string>();
  #gap: string | undefined;

  /** `key` tells two rows of one instant apart. */
  constructor(read: TailRead<T>, key: (row: T) => string, first: TailStart) {
    this.#read = read;
    this.#key = key;
    this.#first = { since: fixedSince(first.since), limit: first.limit };
    this.#maxPages = Math.max(1, Math.ceil((first.maxPerPoll ?? 50_000) / PAGE));
  }

  takeGap(): string | undefined {
    const gap = this.#gap;
    this.#gap = undefined;
    return gap;
  }

  /** Rows since the last poll, oldest first (the first poll: the newest `limit` since `since`). */
  async poll(): Promise<T[]> {
    const rows = this.#cursor
      ? await this.#sinceCursor(this.#cursor.text)
      : await this.#read(this.#first.since, this.#first.limit);
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

  /**
   * Every row since the cursor, newest first: a burst bigger than one read is read back page by
   * page, each up to the oldest time of the one before (inclusive: rows of that instant come
   * twice and are kept once), until a page comes short. Past maxPerPoll the older rows are passed
   * over and said (takeGap), so memory stays bounded and nothing is lost silently.
   */
  async #sinceCursor(since: string): Promise<T[]> {
    const out: T[] = [];
    const kept = new Set<string>();
    let until: string | undefined;
    for (let page = 0; page < this.#maxPages; page++) {
      const rows = await this.#read(since, PAGE, until);
      for (const r of rows) {
        const k = this.#key(r);
        if (!kept.has(k)) out.push(r);
        kept.add(k);
      }
      const oldest = rows.at(-1)?.time;
      if (rows.length < PAGE || oldest === undefined) return out;
      if (oldest === until) break; // a whole page of one instant: no further back to ask
      until = oldest;
    }
    this.#gap = `more than ${out.length} rows came between two reads; those before ${out.at(-1)?.time} were passed over`;
    return out;
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
  constructor(
    client: ApiClient,
    params: LogParams,
    { since = "15m", limit = 200, maxPerPoll }: Partial<TailStart> = {},
  ) {
    const read = async (since: string, limit: number, until?: string) =>
      (
        await client.get<{ logs: LogLine[] }>("/api/v1/logs", {
          ...params,
          since,
          ...(until && { until }),
          limit,
        })
      ).logs;
    super(read, lineKey, { since, limit, maxPerPoll });
  }
}
