import type { LogLine } from "../../protocol/api/logs.ts";
import { BUSYBOX, docker } from "./docker.ts";
import { spooledBatches } from "./spool.ts";
import { getJson } from "./stack.ts";
import { waitFor } from "./wait.ts";

/** A busybox shell loop printing `<marker> <i>` for i in 1..n (to stderr when `stream` says so). */
export function printLinesScript(
  marker: string,
  n: number,
  { stderr = false, sleepEvery = 0, sleepUs = 0 } = {},
): string {
  const redirect = stderr ? " >&2" : "";
  const pause = sleepEvery ? `; [ $((i % ${sleepEvery})) -eq 0 ] && usleep ${sleepUs}` : "";
  return `i=1; while [ $i -le ${n} ]; do echo "${marker} $i"${redirect}${pause}; i=$((i+1)); done`;
}

/** Every stored log line of a container (oldest first), paging through the API. */
export async function containerLines(url: string, container: string, extra = ""): Promise<LogLine[]> {
  const { logs } = await getJson<{ logs: LogLine[] }>(
    url,
    `/api/v1/logs?container=${encodeURIComponent(container)}&since=2h&limit=10000${extra}`,
  );
  return logs.reverse();
}

/** How many lines of a container are stored (GET /api/v1/logs/count; `extra`: more filters, `&stream=…`). */
export async function storedLineCount(url: string, container: string, extra = ""): Promise<number> {
  const path = `/api/v1/logs/count?container=${encodeURIComponent(container)}&since=2h${extra}`;
  return (await getJson<{ count: number }>(url, path)).count;
}

/** The numbers after the marker, in the order given. */
export function numbersOf(rows: LogLine[], marker: string): number[] {
  return rows
    .filter((r) => r.body.startsWith(`${marker} `))
    .map((r) => Number(r.body.slice(marker.length + 1)));
}

/** `<marker> out 1..nOut` on stdout, then `<marker> err 1..nErr` on stderr (same options as above). */
export function bothStreamsScript(
  marker: string,
  nOut: number,
  nErr = nOut,
  pace: { sleepEvery?: number; sleepUs?: number } = {},
): string {
  return `${printLinesScript(`${marker} out`, nOut, pace)}; ${printLinesScript(`${marker} err`, nErr, { ...pace, stderr: true })}`;
}

/** The numbers of each stream's lines (as printed by bothStreamsScript), in stored order. */
export function numbersByStream(rows: LogLine[], marker: string): { stdout: number[]; stderr: number[] } {
  return {
    stdout: numbersOf(
      rows.filter((r) => r.stream === "stdout"),
      `${marker} out`,
    ),
    stderr: numbersOf(
      rows.filter((r) => r.stream === "stderr"),
      `${marker} err`,
    ),
  };
}

/** 1..n */
export const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Asserts-friendly summary: how many distinct numbers, how many duplicates, how many missing of 1..n. */
export function tally(
  numbers: number[],
  n: number,
): { distinct: number; duplicates: number; missing: number } {
  const seen = new Set(numbers);
  let missing = 0;
  for (let i = 1; i <= n; i++) if (!seen.has(i)) missing++;
  return { distinct: seen.size, duplicates: numbers.length - seen.size, missing };
}

/**
 * Waits until at least `n` lines of the container are stored and the collector's spool is
 * drained (so no replay is still on its way), then returns the marker numbers in stored order.
 */
export async function storedNumbersOnceDrained(
  url: string,
  container: string,
  marker: string,
  n: number,
  spoolDir: string,
  timeoutMs = 90_000,
): Promise<number[]> {
  const rows = await waitFor(
    "all lines stored and the spool drained",
    async () => {
      const r = await containerLines(url, container);
      return r.length >= n && (await spooledBatches(spoolDir)) === 0 ? r : undefined;
    },
    { timeoutMs },
  );
  return numbersOf(rows, marker);
}

/**
 * Starts a container printing `<marker> 1..n` over ~6 s (80 pauses of 75 ms), so a test can
 * break something mid-stream, and waits until the first `storedBefore` lines are stored.
 */
export async function startSlowPrinter(
  url: string,
  name: string,
  marker: string,
  n: number,
  storedBefore = 500,
) {
  const script = printLinesScript(marker, n, { sleepEvery: 100, sleepUs: 75_000 });
  await docker("run", "-d", "--name", name, BUSYBOX, "sh", "-c", script);
  await waitFor("some lines stored", async () => (await containerLines(url, name)).length >= storedBefore);
}
