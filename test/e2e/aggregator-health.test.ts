// /healthz tells whether the aggregator can take batches: the store's free disk against a floor,
// and inserts that failed (counted, the last one shown), here on a real tmpfs that fills up.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Health } from "../../protocol/api/ops.ts";
import { apiFetch } from "../helpers/api.ts";
import { fillDisk, mountTmpfs } from "../helpers/disk.ts";
import { logRecord } from "../helpers/log-record.ts";
import { startAggregatorWith } from "../helpers/network.ts";
import { type FleetscopeProcess, freePort, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 ** 2;

async function health(url: string): Promise<{ status: number; body: Health }> {
  const res = await apiFetch(url, "/healthz", { token: null });
  return { status: res.status, body: (await res.json()) as Health };
}

/** Posts a few lines as one batch; the status ingest answered. */
async function ingest(url: string, text: string): Promise<number> {
  const records = Array.from({ length: 50 }, (_, i) =>
    logRecord({ time: new Date().toISOString(), host: "health", body: `${text} ${i}`, seq: i }),
  );
  const header = {
    v: 1,
    batchId: `health-${text}-${Date.now()}`,
    collectorId: "health",
    host: "health",
    count: 50,
  };
  const res = await apiFetch(url, "/api/v1/ingest", {
    method: "POST",
    headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
    body: gzipSync([header, ...records].map((r) => JSON.stringify(r)).join("\n")) as Uint8Array<ArrayBuffer>,
  });
  await res.body?.cancel();
  return res.status;
}

describe("/healthz on a store whose disk fills", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let unmount: (() => Promise<void>) | undefined;
  let proc: FleetscopeProcess | undefined;
  let url = "";
  let data = "";
  beforeAll(async () => {
    dir = await tempDir("health");
    data = join(dir.path, "agg");
    unmount = await mountTmpfs(data, "160m");
    const agg = await startAggregatorWith(data, await freePort(), ["--min-free-disk", "32MiB"]);
    proc = agg.proc;
    url = agg.url;
  });
  afterAll(async () => {
    await proc?.stop();
    await unmount?.();
    await dir?.remove();
  });

  it("answers ok with the store's disk and no insert failures", async () => {
    const { status, body } = await health(url);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: "ok",
      store: { kind: "chdb" },
      inserts: { failures: 0 },
      problems: [],
    });
    expect(body.store.totalBytes).toBeGreaterThan(100 * MiB);
    expect(body.store.freeBytes).toBeGreaterThan(32 * MiB);
    // The same disk on /metrics, for an alert without node_exporter.
    const metrics = await (await apiFetch(url, "/metrics")).text();
    const gauge = (name: string) => Number(metrics.match(new RegExp(`^${name} (\\S+)$`, "m"))?.[1]);
    expect(gauge("fleetscope_aggregator_store_disk_total_bytes")).toBe(body.store.totalBytes);
    expect(gauge("fleetscope_aggregator_store_disk_free_bytes")).toBeGreaterThan(32 * MiB);
    expect(await ingest(url, "before")).toBe(200);
  });

  it("is degraded (503) below --min-free-disk and while inserts fail, and counts the failures", async () => {
    const filler = join(data, "filler");
    await fillDisk(filler);
    const full = await health(url);
    expect(full.status).toBe(503);
    expect(full.body.status).toBe("degraded");
    expect(full.body.problems.join(" ")).toContain("--min-free-disk");

    const failed = await ingest(url, "while full");
    expect(failed).toBeGreaterThanOrEqual(500);
    const after = await health(url);
    expect(after.body.inserts.failures).toBe(1);
    expect(after.body.inserts.lastFailure?.error).toBeTruthy();
    expect(after.body.problems.join(" ")).toContain("last insert failed");
    const metrics = await (await apiFetch(url, "/metrics")).text();
    expect(metrics).toMatch(/^fleetscope_aggregator_insert_failures_total 1$/m);

    await rm(filler);
    await waitFor("an insert to succeed again", async () => (await ingest(url, "after")) === 200);
    const recovered = await health(url);
    expect(recovered.status).toBe(200);
    expect(recovered.body).toMatchObject({ status: "ok", inserts: { failures: 1 }, problems: [] });
  });
});
