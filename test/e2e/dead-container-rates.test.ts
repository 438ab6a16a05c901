// A container that is no longer running uses no CPU or memory: the overview (the TUI's list) and
// the top lists must not show its last rate as current, nor rank it, whether Docker said it
// died or was removed, or its samples simply stopped while its host's went on.
import { beforeAll, describe, expect, it } from "vitest";
import type { ContainerRecord, FleetRecord, SampleRecord } from "../../protocol/records.ts";
import { postBatch } from "../helpers/ingest.ts";
import { getJson, useAggregator } from "../helpers/stack.ts";

const HOST = "dead-rates";
const MiB = 1024 * 1024;
const NOW = Date.now();
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const idOf = (name: string) => Buffer.from(name).toString("hex").padEnd(64, "0").slice(0, 64);

/** One sample a second from `fromMsAgo` to `toMsAgo`, using `cores` and `mib` of working set. */
function samples(
  name: string,
  cores: number,
  mib: number,
  fromMsAgo: number,
  toMsAgo: number,
): SampleRecord[] {
  const out: SampleRecord[] = [];
  for (let ago = fromMsAgo, i = 0; ago >= toMsAgo; ago -= 1000, i++)
    out.push({
      kind: "sample",
      time: at(ago),
      host: HOST,
      containerId: idOf(name),
      containerName: name,
      image: "busybox:fleetscope",
      origin: "cgroup",
      cpuUsageSeconds: 100 + cores * i,
      cpuUserSeconds: 0,
      cpuSystemSeconds: 0,
      cpuCores: cores,
      memoryUsageBytes: mib * MiB,
      memoryWorkingSetBytes: mib * MiB,
      memoryRssBytes: mib * MiB,
      memoryCacheBytes: 0,
      memoryLimitBytes: 512 * MiB,
      pids: 3,
      blkioReadBytes: 1000 * i,
      blkioWriteBytes: 0,
      networkRxBytes: 1000 * i,
      networkTxBytes: 0,
    });
  return out;
}

function inventory(name: string, state: string, msAgo: number): ContainerRecord {
  return {
    kind: "container",
    time: at(msAgo),
    host: HOST,
    containerId: idOf(name),
    containerName: name,
    image: "busybox:fleetscope",
    created: at(120_000),
    state,
    exitCode: state === "running" ? null : 137,
    oomKilled: false,
    logDriver: "json-file",
    labels: {},
    memoryLimitBytes: 512 * MiB,
    cpuLimitCores: 2,
    restartPolicy: "no",
  };
}

const RECORDS: FleetRecord[] = [
  // Running to the end, lightly loaded.
  inventory("alive", "running", 60_000),
  ...samples("alive", 0.2, 10, 60_000, 1_000),
  // Busy until `docker rm` 20 s ago.
  inventory("removed-hot", "running", 60_000),
  ...samples("removed-hot", 1.5, 300, 60_000, 21_000),
  inventory("removed-hot", "removed", 20_000),
  // Busy until it exited 20 s ago (still listed by `docker ps -a`).
  inventory("exited-hot", "running", 60_000),
  ...samples("exited-hot", 1.8, 400, 60_000, 21_000),
  inventory("exited-hot", "exited", 20_000),
  // The inventory still says running (its die was missed), but its samples stopped 30 s ago.
  inventory("vanished", "running", 60_000),
  ...samples("vanished", 1.2, 200, 60_000, 31_000),
];

interface OverviewRow {
  name: string;
  state: string;
  cpuCores: number;
  cpuPercentOfLimit: number | null;
  memoryWorkingSetBytes: number;
  memoryPercentOfLimit: number | null;
  networkRxBytesPerSecond: number;
  ioReadBytesPerSecond: number;
  pids: number;
  lastSample: string | null;
}

describe("dead containers' rates", () => {
  const agg = useAggregator("dead-rates");
  beforeAll(async () => {
    await postBatch(agg.url, RECORDS);
  });

  it("the overview shows no current CPU, memory or I/O for a container that is not running", async () => {
    const { containers } = await getJson<{ containers: OverviewRow[] }>(
      agg.url,
      `/api/v1/overview/containers?host=${HOST}`,
    );
    const byName = new Map(containers.map((c) => [c.name, c]));
    expect(containers[0]?.name).toBe("alive");
    expect(byName.get("alive")?.cpuCores).toBeCloseTo(0.2, 3);
    expect(byName.get("alive")?.memoryWorkingSetBytes).toBe(10 * MiB);
    for (const name of ["removed-hot", "exited-hot", "vanished"]) {
      expect({ name, ...byName.get(name) }).toMatchObject({
        name,
        cpuCores: 0,
        cpuPercentOfLimit: null,
        memoryWorkingSetBytes: 0,
        memoryPercentOfLimit: null,
        networkRxBytesPerSecond: 0,
        ioReadBytesPerSecond: 0,
        pids: 0,
      });
      // When it was last seen using something is still told.
      expect(byName.get(name)?.lastSample).toEqual(expect.any(String));
    }
  });

  it("the top lists rank only containers running at the window's end", async () => {
    for (const by of ["cpu", "memory", "network", "io"]) {
      const top = await getJson<{ containers: { name: string }[] }>(
        agg.url,
        `/api/v1/top/containers?by=${by}&host=${HOST}&since=5m`,
      );
      expect({ by, names: top.containers.map((c) => c.name) }).toEqual({ by, names: ["alive"] });
    }
  });

  it("a window that ends while they ran still ranks them", async () => {
    const until = encodeURIComponent(at(25_000));
    const top = await getJson<{ containers: { name: string }[] }>(
      agg.url,
      `/api/v1/top/containers?by=cpu&host=${HOST}&since=5m&until=${until}`,
    );
    expect(top.containers.map((c) => c.name)).toEqual(["exited-hot", "removed-hot", "alive"]);
  });
});
