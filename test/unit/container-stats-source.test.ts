// ContainerStatsSource on cgroup v1 and /proc trees captured on this machine (see
// test/fixtures/cgroup/v1/SOURCE.md and test/fixtures/proc/SOURCE.md): a container whose init the
// inventory still names after it exited, and one whose cgroup is gone. Neither may be read from a
// cgroup that is not its own.
import { EventEmitter } from "node:events";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import type { ContainerInventory } from "../../collector/docker/inventory.ts";
import { ContainerStatsSource } from "../../collector/sources/container-stats/container-stats-source.ts";
import type { FleetRecord, SampleRecord } from "../../protocol/records.ts";

const FIXTURES = join(import.meta.dirname, "../fixtures");
const roots = { procRoot: join(FIXTURES, "proc"), cgroupRoot: join(FIXTURES, "cgroup/v1") };
const MiB = 1024 * 1024;
/** fs-fixture-v1-zombie: its cgroup holds its init 10886; 10918, an exited child, reads `/`. */
const ZOMBIE_ID = "f18202c03824b6219acd1856218ec02b8ae645d24af938549ce95a39d731edb2";

const container = (id: string, name: string, pid: number) =>
  ({ id, name, image: "busybox:fleetscope", state: "running", pid, memoryLimitBytes: 0 }) as ContainerInfo;

/** One round of the source over `containers`: what it emitted and the readings it skipped. */
async function oneRound(containers: ContainerInfo[]) {
  const inventory = Object.assign(new EventEmitter(), {
    list: () => containers,
    get: (id: string) => containers.find((c) => c.id === id),
  }) as unknown as ContainerInventory;
  const samples: SampleRecord[] = [];
  const skipped: string[] = [];
  const source = new ContainerStatsSource({ intervalMs: 3_600_000, ...roots });
  await source.start({
    host: "vm",
    cursor: undefined,
    spooled: async () => {},
    emit: async (records: FleetRecord[]) => {
      for (const r of records) if (r.kind === "sample") samples.push(r);
    },
    skipped: (reason) => skipped.push(reason),
    inventory,
    log: pino({ level: "silent" }),
  });
  await source.stop();
  return { samples, skipped };
}

describe("ContainerStatsSource never reads a container from a cgroup that is not its own", () => {
  it("reads the container's own cgroup when the PID it has is an exited task's (root cgroup)", async () => {
    const { samples, skipped } = await oneRound([container(ZOMBIE_ID, "zombie", 10918)]);
    expect(skipped).toEqual([]);
    expect(samples).toHaveLength(1);
    // Its own 32 MiB limit and usage, not the root's (2 GB in use, no limit, 1069 CPU-seconds).
    expect(samples[0]).toMatchObject({ memoryLimitBytes: 32 * MiB, origin: "cgroup" });
    expect(samples[0]?.memoryUsageBytes).toBeLessThan(32 * MiB);
    expect(samples[0]?.cpuUsageSeconds).toBeLessThan(1);
  });

  it("skips and counts a container whose own cgroup is gone", async () => {
    const { samples, skipped } = await oneRound([container("e".repeat(64), "gone", 10918)]);
    expect(samples).toEqual([]);
    expect(skipped).toEqual(["cgroup-gone"]);
  });
});
