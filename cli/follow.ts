// Reading a newest-first API list (events, incidents) oldest first, and following it the way
// `logs -f` does: the first read takes the newest `limit` rows since `since`; each next read asks
// from the newest time seen (the API's `since` is inclusive) and drops the rows of that instant
// already printed. Times stay the API's exact strings: never rounded through Date.
import { Option } from "commander";
import { getAnswer, isTransient, type Params, Unreachable } from "../client/api-client.ts";
import { renderSafe } from "../client/render-safe.ts";
import { type Poller, TimeTail } from "../client/tail.ts";
import { type ApiFlags, apiClient } from "./api.ts";
import { parseCount, parseDurationArg } from "./options.ts";
import { type OutputFormat, printJson, printText } from "./output.ts";

export interface FollowFlags {
  follow?: boolean;
  interval: number;
  until?: string;
}

export const followOptions = (what: string) => [
  new Option("-f, --follow", `keep printing new ${what} as they are stored`).env("FLEETSCOPE_FOLLOW"),
  new Option("--interval <duration>", "how often --follow asks for more")
    .env("FLEETSCOPE_INTERVAL")
    .default(1000, "1s")
    .argParser(parseDurationArg),
];

export const timeOptions = (defaultSince: string) => [
  new Option("--since <time>", "from this time: RFC 3339 (up to nanoseconds) or relative (15m, 2h, 7d)")
    .env("FLEETSCOPE_SINCE")
    .default(defaultSince),
  new Option("--until <time>", "up to this time: RFC 3339 or relative; not with --follow").env(
    "FLEETSCOPE_UNTIL",
  ),
];

/** --until ends the window, --follow keeps it open: together they ask for two things. */
export function checkFollowUntil(f: FollowFlags): void {
  if (f.follow && f.until !== undefined)
    throw new Error("--until and --follow do not go together: --follow prints what comes after now");
}

const warn = (message: string) => process.stderr.write(`${renderSafe(message)}\n`);

/**
 * Prints the first read; with --follow, reads again every interval until killed. While the
 * aggregator cannot be reached (restarting, say) it says so once on stderr and keeps trying; the
 * tail keeps its place, so it goes on from where it was.
 */
export async function printAndFollow<T>(tail: Poller<T>, print: (rows: T[]) => void, f: FollowFlags) {
  if (!f.follow) {
    print(await tail.poll());
    return;
  }
  let outage = false;
  for (;;) {
    try {
      const rows = await tail.poll();
      if (outage) warn("fleetscope: the aggregator answers again; following on");
      outage = false;
      const gap = tail.takeGap?.();
      if (gap) warn(`fleetscope: ${gap}`);
      print(rows);
    } catch (err) {
      if (!isTransient(err)) throw err;
      const why = err instanceof Unreachable ? err.reason : (err as Error).message;
      if (!outage) warn(`fleetscope: aggregator unreachable — retrying every ${f.interval / 1000}s (${why})`);
      outage = true;
    }
    await new Promise((r) => setTimeout(r, f.interval));
  }
}

export const limitOption = () =>
  new Option("--limit <n>", "at most this many (the newest) before following")
    .env("FLEETSCOPE_LIMIT")
    .default(100)
    .argParser(parseCount());

export interface ListFlags extends ApiFlags, FollowFlags {
  since: string;
  limit: number;
  output: OutputFormat;
}

/**
 * GET `path` (a newest-first list under `key`) → printed oldest first as `format` lines or JSON
 * objects, then followed with --follow. `rowKey` tells rows of one instant apart.
 */
export async function printTimeList<T extends { time: string }>(
  f: ListFlags,
  list: { path: string; key: string; params: Params },
  rowKey: (row: T) => string,
  format: (row: T) => string,
): Promise<void> {
  checkFollowUntil(f);
  const client = apiClient(f);
  const read = async (since: string, limit: number, until = f.until) => {
    const params = { ...list.params, since, until, limit };
    return (await getAnswer<Record<string, T[]>>(client, list.path, params, list.key))[list.key] ?? [];
  };
  const tail = new TimeTail(read, rowKey, { since: f.since, limit: f.limit });
  const print = (rows: T[]) => {
    for (const r of rows) f.output === "json" ? printJson(r) : printText(format(r));
  };
  await printAndFollow(tail, print, f);
}
