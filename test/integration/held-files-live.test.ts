import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { findContainerCgroup } from "../../collector/cgroup/paths.ts";
import { CgroupUnreadableError, readCgroupStats } from "../../collector/cgroup/read-stats.ts";
import { DockerInventory } from "../../collector/docker/inventory.ts";
import { FdBudget, HeldFiles } from "../../collector/proc/held-files.ts";
import { ContainerStatsSource } from "../../collector/sources/container-stats/container-stats-source.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

// Cgroup files held open between readings (collector/proc/held-files.ts), on real containers.
const MiB = 1024 * 1024;
const names: string[] = [];
const openFds = () => readdirSync(`/proc/${process.pid}/fd`).length;

async function startSleeper(): Promise<{ id: string; pid: number; name: string }> {
  const name = uniqueName("held-files");
  names.push(name);
  const id = await docker("run", "-d", "--name", name, BUSYBOX, "sleep", "3600");
  const pid = Number(await docker("inspect", "-f", "{{.State.Pid}}", id));
  return { id, pid, name };
}

afterAll(async () => {
  await removeContainers(...names);
});

describe("held cgroup files of live containers", () => {
  it("see memory the container allocates after they were opened, through the same descriptor", async () => {
    const { id, pid, name } = await startSleeper();
    const cg = await findContainerCgroup(id, pid);
    const usageFile =
      cg.version === 2 ? join(cg.dir, "memory.current") : join(cg.dirs.memory, "memory.usage_in_bytes");
    const files = new HeldFiles(new FdBudget(10));
    const before = Number(files.read(usageFile));
    expect(files.held).toBe(1);
    // 16 MiB in the container's /dev/shm (tmpfs): charged to its memory cgroup while the file lives.
    await docker("exec", name, "dd", "if=/dev/zero", "of=/dev/shm/fill", "bs=1M", "count=16");
    const after = Number(files.read(usageFile));
    expect(files.held).toBe(1);
    // The kernel charges a cgroup in per-CPU batches of 64 pages, so each reading may be off by up
    // to 64 pages per CPU (seen: 16 MiB written, usage up by 180 KiB less).
    const chargeSlack = 2 * 64 * 4096 * availableParallelism();
    expect(after - before).toBeGreaterThanOrEqual(16 * MiB - chargeSlack);
    files.close();
  });

  it("read as gone once the container is removed: its stats are unreadable, nothing stays held", async () => {
    const { id, pid, name } = await startSleeper();
    const cg = await findContainerCgroup(id, pid);
    const files = new HeldFiles(new FdBudget(100));
    const stats = await readCgroupStats(cg, files);
    expect(stats.pids).toBeGreaterThanOrEqual(1);
    expect(files.held).toBeGreaterThan(5);
    await removeContainers(name);
    await expect(readCgroupStats(cg, files)).rejects.toBeInstanceOf(CgroupUnreadableError);
    expect(files.held).toBe(0);
  });
});

describe("the container-stats source's held files", () => {
  it("are closed when containers go away: start and remove containers three times, no fd left", async () => {
    const dockerClient = new Docker();
    const inventory = new DockerInventory(dockerClient, pino({ level: "silent" }));
    const source = new ContainerStatsSource({ intervalMs: 300, docker: dockerClient });
    const sampled = new Set<string>();
    const emit = async (records: FleetRecord[]) => {
      for (const r of records) if (r.kind === "sample") sampled.add(r.containerId);
    };
    await source.start({
      host: "test-host",
      cursor: undefined,
      inventory,
      spooled: async () => {},
      emit,
      log: pino({ level: "silent" }),
    });
    const fdsAfterCycle: number[] = [];
    try {
      for (let cycle = 0; cycle < 3; cycle++) {
        const started = await Promise.all([startSleeper(), startSleeper(), startSleeper()]);
        for (const c of started) await inventory.refresh(c.id);
        await waitFor("a sample of each container, with its files held", () =>
          started.every((c) => sampled.has(c.id)) && source.heldFiles() >= started.length * 5
            ? true
            : undefined,
        );
        await removeContainers(...started.map((c) => c.name));
        for (const c of started) await inventory.refresh(c.id); // 404: `removed`
        await waitFor("every held file closed", () => source.heldFiles() === 0);
        fdsAfterCycle.push(openFds());
      }
    } finally {
      await source.stop();
    }
    // Dockerode's keep-alive sockets come and go; held files would add 5+ per container each cycle.
    expect(Math.max(...fdsAfterCycle) - (fdsAfterCycle[0] as number)).toBeLessThan(5);
  });
});
