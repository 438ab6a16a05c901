// An ingest body is bounded by what it inflates to and by its records, not only by its compressed
// size: a small gzip bomb is refused with 413 without the aggregator inflating it.
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { logRecord } from "../helpers/log-record.ts";
import { peakRss, startAggregatorWith } from "../helpers/network.ts";
import { type FleetscopeProcess, freePort, metricTotal, tempDir } from "../helpers/stack.ts";

const MiB = 1024 ** 2;
const MAX_RECORDS = 100;

function post(url: string, body: Buffer): Promise<Response> {
  return apiFetch(url, "/api/v1/ingest", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
    body: body as Uint8Array<ArrayBuffer>, // gzipSync never returns a shared buffer
  });
}

const header = (count: number) =>
  JSON.stringify({
    v: 1,
    batchId: `bounds-${count}-${Date.now()}`,
    collectorId: "bounds",
    host: "bounds",
    count,
  });

/** `n` log records as one gzip batch. */
function batchOf(n: number): Buffer {
  const records = Array.from({ length: n }, (_, i) =>
    JSON.stringify(logRecord({ time: new Date().toISOString(), host: "bounds", body: `line ${i}`, seq: i })),
  );
  return gzipSync([header(n), ...records].join("\n"));
}

describe("ingest bounds", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: FleetscopeProcess | undefined;
  let url = "";
  beforeAll(async () => {
    dir = await tempDir("ingest-bounds");
    const agg = await startAggregatorWith(join(dir.path, "agg"), await freePort(), [
      "--max-batch-records",
      String(MAX_RECORDS),
    ]);
    proc = agg.proc;
    url = agg.url;
  });
  afterAll(async () => {
    await proc?.stop();
    await dir?.remove();
  });

  it("refuses a gzip body inflating to 250 MiB with 413, its memory far below that", async () => {
    // One header line, then 250 MiB of one long line: about 250 KB compressed.
    const bomb = gzipSync(Buffer.concat([Buffer.from(`${header(1)}\n`), Buffer.alloc(250 * MiB, "a")]), {
      level: 9,
    });
    expect(bomb.length).toBeLessThan(MiB);
    const pid = proc?.child.pid as number;
    const before = await peakRss(pid);
    const res = await post(url, bomb);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toContain("--max-batch-bytes");
    expect((await peakRss(pid)) - before).toBeLessThan(100 * MiB);
    expect(await metricTotal(url, "fleetscope_aggregator_batches_total", 'outcome="too_large"')).toBe(1);
  });

  it("refuses a batch over --max-batch-records with 413 and stores one at the limit", async () => {
    const over = await post(url, batchOf(MAX_RECORDS + 1));
    expect(over.status).toBe(413);
    expect(((await over.json()) as { error: string }).error).toContain("--max-batch-records");
    const at = await post(url, batchOf(MAX_RECORDS));
    expect(at.status).toBe(200);
    expect(((await at.json()) as { accepted: number }).accepted).toBe(MAX_RECORDS);
  });
});
