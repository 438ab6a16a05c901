// Queries have limits: abandoned ones stop holding the store, a token gets a few at a time (429
// with Retry-After beyond), and a query over --query-timeout is stopped with a plain 504.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { loadLogLines, startAggregatorWith, WIDE_SEARCH } from "../helpers/network.ts";
import { type FleetscopeProcess, freePort, metricTotal, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const LINES = 30_000;

/** The aggregator's in-flight gauge (running + waiting read requests). */
async function inFlight(url: string): Promise<number> {
  const text = await (await apiFetch(url, "/metrics")).text();
  let total = 0;
  for (const line of text.split("\n"))
    if (line.startsWith("fleetscope_aggregator_queries_in_flight{"))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  return total;
}

/** Starts `n` wide searches at once; their statuses, or "aborted" for the ones `signal` ended. */
function searches(url: string, n: number, signal?: AbortSignal): Promise<(number | "aborted")[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      apiFetch(url, WIDE_SEARCH, { signal }).then(
        async (res) => {
          if (res.status === 429) expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
          await res.body?.cancel();
          return res.status;
        },
        () => "aborted" as const,
      ),
    ),
  );
}

describe("query limits", () => {
  let dir: { path: string; remove: () => Promise<void> };
  const procs: FleetscopeProcess[] = [];
  let url = "";
  beforeAll(async () => {
    dir = await tempDir("query-limits");
    const agg = await startAggregatorWith(join(dir.path, "agg"), await freePort(), [
      "--max-queries",
      "2",
      "--max-queries-per-token",
      "100",
    ]);
    procs.push(agg.proc);
    url = agg.url;
    await loadLogLines(url, LINES);
  });
  afterAll(async () => {
    for (const p of procs) await p.stop();
    await dir?.remove();
  });

  it("cancels 40 abandoned wide searches, so the next small query does not wait for them", async () => {
    const abandon = new AbortController();
    const pending = searches(url, 40, abandon.signal);
    // 2 run, up to 32 wait for them, the rest are told to come back (503).
    await waitFor("the searches in flight", async () => (await inFlight(url)) >= 30, { intervalMs: 20 });
    abandon.abort();
    const statuses = await pending;
    const aborted = statuses.filter((s) => s === "aborted").length;
    expect(aborted).toBeGreaterThanOrEqual(28);
    expect(statuses.every((s) => s === "aborted" || s === 200 || s === 503)).toBe(true);
    // Each search its client abandoned stops (or never starts) in the aggregator.
    const cancelled = await waitFor("the abandoned searches counted as cancelled", async () => {
      const n = await metricTotal(url, "fleetscope_aggregator_queries_stopped_total", 'reason="cancelled"');
      return n >= aborted - 2 && n;
    });
    expect(cancelled).toBeLessThanOrEqual(aborted);
    await waitFor("no search in flight", async () => (await inFlight(url)) === 0);
    const small = await apiFetch(url, "/api/v1/logs?since=1h&limit=1");
    expect(small.status).toBe(200);
  });

  it("answers 429 with Retry-After beyond --max-queries-per-token", async () => {
    const dataDir = join(dir.path, "per-token");
    const agg = await startAggregatorWith(dataDir, await freePort(), ["--max-queries-per-token", "1"]);
    procs.push(agg.proc);
    await loadLogLines(agg.url, LINES / 3);
    const statuses = await searches(agg.url, 10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
    expect(
      await metricTotal(agg.url, "fleetscope_aggregator_queries_refused_total", 'reason="per_token"'),
    ).toBe(statuses.filter((s) => s === 429).length);
  });

  it("stops a query over --query-timeout with a plain 504 naming the flag", async () => {
    const dataDir = join(dir.path, "timeout");
    const agg = await startAggregatorWith(dataDir, await freePort(), ["--query-timeout", "20ms"]);
    procs.push(agg.proc);
    await loadLogLines(agg.url, LINES);
    const res = await apiFetch(agg.url, WIDE_SEARCH);
    const body = (await res.json()) as { error: string; statusCode: number };
    expect(res.status).toBe(504);
    expect(body.error).toContain("--query-timeout");
    expect(body.error).not.toContain("internal error");
    expect(
      await metricTotal(agg.url, "fleetscope_aggregator_queries_stopped_total", 'reason="timeout"'),
    ).toBe(1);
    // Every read route has the limits, not only those under /api/: the same search as LogQL.
    const logql = `{host=~".+"} |~ ${JSON.stringify("(\\w+\\s*){1,30}\\d{9}")}`;
    const loki = await apiFetch(
      agg.url,
      `/loki/api/v1/query_range?${new URLSearchParams({ query: logql, limit: "5000" })}`,
    );
    expect([loki.status, await loki.text()]).toEqual([504, expect.stringContaining("--query-timeout")]);
  });
});
