// A small batch goes out ahead of the big ones queued before it: while a flood is paced, a quiet
// container's line is read into a batch of its own (json-file-source.ts), and the collector's
// sender for small batches ships it at once instead of after the flood's backlog (shipper.ts).
// A real collector ships a spool written beforehand to a real aggregator.
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { logRecord } from "../helpers/log-record.ts";
import { openSpool, spooledBatchFiles } from "../helpers/spool.ts";
import { type FleetscopeProcess, startCollector, tempDir, useAggregator } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const BIG_BATCHES = 12;
const BIG_RECORDS = 5000;

describe("a small batch behind big ones", () => {
  const agg = useAggregator("small-first");
  let collector: FleetscopeProcess | undefined;
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  afterAll(async () => {
    await collector?.stop();
    await dir?.remove();
  });

  it("is stored while most of the big batches spooled before it still wait", async () => {
    dir = await tempDir("small-first");
    const spoolDir = join(dir.path, "spool");
    const spool = await openSpool(spoolDir, "small-first");
    const time = new Date().toISOString();
    const line = (body: string) => logRecord({ time, host: "small-first", body });
    for (let b = 0; b < BIG_BATCHES; b++)
      await spool.append(
        Array.from({ length: BIG_RECORDS }, (_, i) => line(`flood ${b}-${i} served in 12ms status=200`)),
        {},
      );
    const big = await spooledBatchFiles(spoolDir);
    expect(big).toHaveLength(BIG_BATCHES);
    const marker = `quiet-${Date.now()}`;
    await spool.append([line(marker)], {});

    collector = await startCollector(agg.url, spoolDir);
    await waitFor(
      "the small batch stored",
      async () => {
        const res = await apiFetch(agg.url, `/api/v1/logs/count?q=${marker}&since=1h`);
        return ((await res.json()) as { count: number }).count === 1;
      },
      { intervalMs: 10, timeoutMs: 60_000 },
    );
    // In order, it would have waited for all twelve; two senders take the big ones two at a time.
    const waiting = (await spooledBatchFiles(spoolDir)).filter((f) => big.includes(f));
    expect(waiting.length).toBeGreaterThanOrEqual(BIG_BATCHES / 2);
    // And none of them is lost for it.
    await waitFor(
      "every big batch acked",
      async () => (await spooledBatchFiles(spoolDir)).every((f) => !big.includes(f)),
      {
        timeoutMs: 120_000,
      },
    );
  }, 180_000);
});
