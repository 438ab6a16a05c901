// A batch the aggregator refuses must not stop the ones behind it: a real aggregator refuses a
// spooled batch larger than its --max-batch-bytes decompressed (413); the collector moves it to
// <spool>/rejected/, counts and logs it, and ships the batch written after it.
import { mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_BATCH_LIMITS } from "../../protocol/batch.ts";
import { apiFetch } from "../helpers/api.ts";
import { logRecord } from "../helpers/log-record.ts";
import { openSpool } from "../helpers/spool.ts";
import {
  type FleetscopeProcess,
  freePort,
  startCollector,
  tempDir,
  useAggregator,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

/** The sum of a counter's series with `label` on a /metrics page. */
async function counter(metricsUrl: string, name: string, label: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", metricsUrl))).text();
  let total = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(`${name}{`) && line.includes(label))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  return total;
}

describe("a batch the aggregator refuses", () => {
  const agg = useAggregator("set-aside");
  let collector: FleetscopeProcess | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  afterAll(async () => {
    await collector?.stop();
    await dir?.remove();
  });

  it("is set aside in rejected/, counted and logged, and the batch behind it ships", async () => {
    dir = await tempDir("set-aside");
    const spoolDir = join(dir.path, "spool");
    await mkdir(spoolDir, { recursive: true });
    // The collector's own spool writes the batches, as it would have before a restart.
    const spool = await openSpool(spoolDir, "set-aside");
    const now = new Date().toISOString();
    // Over the aggregator's decompressed bound (--max-batch-bytes): 512 KiB bodies, gzip makes them small.
    const body = "x".repeat(512 * 1024);
    const tooMany = Math.ceil(DEFAULT_BATCH_LIMITS.maxBytes / body.length) + 1;
    await spool.append(
      Array.from({ length: tooMany }, (_, i) =>
        logRecord({ time: now, host: "set-aside", body: `${i} ${body}` }),
      ),
      {},
    );
    const marker = `behind-${Date.now()}`;
    await spool.append([logRecord({ time: now, host: "set-aside", body: marker })], {});

    const metricsPort = await freePort();
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    collector = await startCollector(agg.url, spoolDir, ["--metrics-listen", `127.0.0.1:${metricsPort}`]);
    await waitFor("the batch behind it stored", async () => {
      const res = await apiFetch(agg.url, `/api/v1/logs?q=${marker}&since=1h`);
      return ((await res.json()) as { count: number }).count === 1;
    });
    // Two batches are in flight at once: the refusal may come after the younger batch's ack.
    await waitFor(
      "the refused batch counted",
      async () =>
        (await counter(metricsUrl, "fleetscope_collector_batches_set_aside_total", 'reason="refused"')) === 1,
      { timeoutMs: 30_000 },
    ).catch((err) => {
      throw new Error(`${err}\n${collector?.stdout.slice(-3000)}\n${collector?.stderr.slice(-2000)}`);
    });
    expect(await readdir(join(spoolDir, "rejected"))).toEqual(["000000000001.batch"]);
    // Neither of the two is queued any more (the collector's own sources spool batches after them).
    const queued = await readdir(spoolDir);
    expect(["000000000001.batch", "000000000002.batch"].filter((n) => queued.includes(n))).toEqual([]);
    // Said with the aggregator's own words, so a person knows what to fix.
    const log = collector.stdout + collector.stderr;
    expect(log).toContain("rejected/");
    expect(log).toContain("--max-batch-bytes");
  });
});
