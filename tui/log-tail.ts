// A live tail over GET /api/v1/logs: each poll asks for lines since the newest one already seen
// (the API's `since` is inclusive and millisecond-precise, so lines of that millisecond are
// remembered and dropped when they come again).
import type { LogParams } from "../cli/log-filter.ts";
import type { ApiClient } from "./api-client.ts";
import type { LogLine } from "./api-types.ts";

const lineKey = (l: LogLine) => `${l.time}|${l.host}|${l.containerId}|${l.source}|${l.seq}`;

export class LogTail {
  readonly #client: ApiClient;
  readonly #params: LogParams;
  readonly #firstSince: string;
  readonly #limit: number;
  #cursorMs: number | undefined;
  #atCursor = new Set<string>();

  constructor(client: ApiClient, params: LogParams, { since = "15m", limit = 200 } = {}) {
    this.#client = client;
    this.#params = params;
    this.#firstSince = since;
    this.#limit = limit;
  }

  /** New lines since the last poll, oldest first (the first poll: the last `limit` lines). */
  async poll(): Promise<LogLine[]> {
    const since = this.#cursorMs === undefined ? this.#firstSince : new Date(this.#cursorMs).toISOString();
    const { logs } = await this.#client.get<{ logs: LogLine[] }>("/api/v1/logs", {
      ...this.#params,
      since,
      limit: this.#cursorMs === undefined ? this.#limit : 1000,
    });
    const fresh = logs.filter((l) => !this.#atCursor.has(lineKey(l))).reverse();
    for (const l of fresh) {
      const ms = Date.parse(l.time);
      if (this.#cursorMs === undefined || ms > this.#cursorMs) {
        this.#cursorMs = ms;
        this.#atCursor = new Set();
      }
      if (ms === this.#cursorMs) this.#atCursor.add(lineKey(l));
    }
    return fresh;
  }
}
