// GET /api/v1/top/containers (sysdig's topcontainers_* chisels): on samples with known counters
// posted to a real aggregator, each metric ranks the container built to lead it; on a real stack,
// a container spinning one core leads an idle one by CPU.
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { sampleRecord } from "../helpers/records.ts";
import {
  type FleetscopeProcess,
  freePort,
  getJson,
  startAggregator,
  tempDir,
  useUpStack,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

interface TopRow {
  host: string;
  id: string;
  name: string;
  image: string;
  samples: number;
  cpuCores: number;
  memoryWorkingSetBytes: number;
  networkBytesPerSecond: number;
  ioBytesPerSecond: number;
}
type Top = { by: string; count: number; containers: TopRow[] };

const MiB = 1024 * 1024;

/** 11 samples one second apart ending 30 s ago; `at(i)` gives each sample's counters. */
function series(host: string, name: string, at: (i: number) => Record<string, number>) {
  const start = Date.now() - 40_000;
  return Array.from({ length: 11 }, (_, i) =>
    sampleRecord({
      time: new Date(start + i * 1000).toISOString(),
      host,
      containerId: `${name}-id`.padEnd(64, "0"),
      containerName: name,
      image: "synthetic:1",
      memoryWorkingSetBytes: MiB,
      ...at(i),
    }),
  );
}

describe("top containers on known counters", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let agg: FleetscopeProcess;
  let url: string;

  beforeAll(async () => {
    dir = await tempDir("top");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    agg = await startAggregator(dir.path, port);
    const records = [
      // 0.5 CPU seconds a second.
      ...series("top-a", "cpu-lead", (i) => ({ cpuUsageSeconds: 10 + 0.5 * i, cpuCores: 0.5 })),
      // A working set peaking at 100 MiB halfway.
      ...series("top-a", "mem-lead", (i) => ({
        cpuUsageSeconds: 0.1 * i,
        memoryWorkingSetBytes: (i === 5 ? 100 : 20) * MiB,
      })),
      // 600 B/s received + 400 B/s sent.
      ...series("top-a", "net-lead", (i) => ({ networkRxBytes: 5000 + 600 * i, networkTxBytes: 400 * i })),
      // 3000 B/s read + 2000 B/s written.
      ...series("top-a", "io-lead", (i) => ({ blkioReadBytes: 3000 * i, blkioWriteBytes: 1e6 + 2000 * i })),
      // Another host's busier container.
      ...series("top-b", "other-host", (i) => ({ cpuUsageSeconds: 2 * i, cpuCores: 2 })),
    ];
    const body = [
      JSON.stringify({ v: 1, batchId: "top-1", collectorId: "t", host: "top-a", count: records.length }),
      ...records.map((r) => JSON.stringify(r)),
    ].join("\n");
    const res = await apiFetch(url, "/api/v1/ingest", {
      method: "POST",
      headers: { "content-type": "application/x-ndjson", "content-encoding": "gzip" },
      body: gzipSync(body),
    });
    expect(await res.json()).toMatchObject({ accepted: records.length, rejected: 0 });
  });
  afterAll(async () => {
    await agg?.stop();
    await dir?.remove();
  });

  const top = (q: string) => getJson<Top>(url, `/api/v1/top/containers?${q}`);

  it("ranks by mean CPU cores, per host when asked", async () => {
    const mine = await top("by=cpu&host=top-a&since=5m");
    expect(mine.containers.map((c) => c.name)).toEqual(["cpu-lead", "mem-lead", "io-lead", "net-lead"]);
    expect(mine.containers[0]).toMatchObject({ host: "top-a", image: "synthetic:1", samples: 11 });
    expect(mine.containers[0]?.cpuCores).toBeCloseTo(0.5, 3);
    expect(mine.containers[1]?.cpuCores).toBeCloseTo(0.1, 3);
    const all = await top("by=cpu&since=5m&limit=2");
    expect(all.containers.map((c) => [c.host, c.name])).toEqual([
      ["top-b", "other-host"],
      ["top-a", "cpu-lead"],
    ]);
  });

  it("ranks by peak working set, network and block I/O rates", async () => {
    const mem = await top("by=memory&host=top-a&since=5m");
    expect(mem.containers[0]).toMatchObject({ name: "mem-lead", memoryWorkingSetBytes: 100 * MiB });
    const net = await top("by=network&host=top-a&since=5m");
    expect(net.containers[0]?.name).toBe("net-lead");
    expect(net.containers[0]?.networkBytesPerSecond).toBeCloseTo(1000, 0);
    const io = await top("by=io&host=top-a&since=5m");
    expect(io.containers[0]?.name).toBe("io-lead");
    expect(io.containers[0]?.ioBytesPerSecond).toBeCloseTo(5000, 0);
    expect(io.containers.slice(1).every((c) => c.ioBytesPerSecond === 0)).toBe(true);
  });

  it("refuses an unknown metric and an empty window finds nothing", async () => {
    const bad = await apiFetch(url, "/api/v1/top/containers?by=disk");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/by/);
    expect((await top("by=cpu&since=5m&until=3m")).containers).toEqual([]);
  });
});

describe("top containers on a real stack", () => {
  const burner = uniqueName("topburn");
  const idle = uniqueName("topidle");
  const up = useUpStack("top-real", [burner, idle]);

  it("puts a container spinning a core ahead of an idle one", async () => {
    await docker("run", "-d", "--name", burner, BUSYBOX, "sh", "-c", "while :; do :; done");
    await docker("run", "-d", "--name", idle, BUSYBOX, "sleep", "3600");
    const rows = await waitFor("both containers with 6+ samples in the window", async () => {
      const { containers } = await getJson<Top>(up.url, "/api/v1/top/containers?by=cpu&since=30s&limit=1000");
      const mine = containers.filter((c) => c.name === burner || c.name === idle);
      return mine.length === 2 && mine.every((c) => c.samples >= 6) ? mine : undefined;
    });
    expect(rows.map((c) => c.name)).toEqual([burner, idle]);
    expect(rows[0]?.cpuCores).toBeGreaterThan(0.6);
    expect(rows[0]?.cpuCores).toBeLessThan(1.3);
    expect(rows[1]?.cpuCores).toBeLessThan(0.1);
    expect(rows[0]?.image).toBe(BUSYBOX);
  });
});
