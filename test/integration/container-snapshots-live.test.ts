import Docker from "dockerode";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DockerInventory } from "../../collector/docker/inventory.ts";
import { ContainerStatsSource } from "../../collector/sources/container-stats/container-stats-source.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

// The snapshots /metrics is rendered from, read off a real container with known processes, open
// files and a quota, then kept (frozen) after the container stops.
const MiB = 1024 * 1024;
const name = uniqueName("snapshots");

afterAll(async () => {
  await removeContainers(name);
});

describe("ContainerStatsSource snapshots", () => {
  it("fills processes, threads, fds, spec and I/O, and keeps a stopped container's last reading", async () => {
    const log = pino({ level: "silent" });
    const inventory = new DockerInventory(new Docker(), log);
    const source = new ContainerStatsSource({ intervalMs: 300 });
    await source.start({
      host: "test-host",
      cursor: undefined,
      inventory,
      log,
      async emit() {},
      async spooled() {},
    });
    try {
      // PID 1 holds fds 3 and 4 open and has one `sleep` child; 8 MiB go through the page cache.
      const id = await docker(
        "run",
        "-d",
        "--name",
        name,
        "--memory",
        "48m",
        "--memory-reservation",
        "24m",
        "--cpus",
        "0.5",
        BUSYBOX,
        "sh",
        "-c",
        "dd if=/dev/zero of=/tmp/eight bs=1M count=8 2>/dev/null; exec 3</bin/busybox 4</bin/busybox; sleep 3600 & while :; do sleep 1; done",
      );
      await inventory.refresh(id);
      const snap = await waitFor(
        "a snapshot with both processes and the written bytes",
        () => {
          const s = source.snapshots().find((x) => x.sample.containerId === id);
          return s && s.processes >= 2 && s.sample.blkioWriteBytes >= 8 * MiB ? s : undefined;
        },
        { timeoutMs: 20_000 },
      );
      expect(snap.cgroupPath).toMatch(new RegExp(`/${id}(\\.scope)?$`));
      expect(snap.measured).toBe(true);
      expect(snap.cpuQuotaMicros).toBe(50_000);
      expect(snap.cpuPeriodMicros).toBe(100_000);
      expect(snap.cpuShares).toBeGreaterThan(0);
      expect(snap.sample.memoryLimitBytes).toBe(48 * MiB);
      expect(snap.sample.memoryReservationBytes).toBe(24 * MiB);
      expect(snap.sample.threads).toBeGreaterThanOrEqual(2);
      // sh: 0,1,2 + 3,4; sleep children: 0,1,2 each (one long-lived, maybe one per-second `sleep 1`).
      expect(snap.sample.fileDescriptors).toBeGreaterThanOrEqual(8);
      expect(snap.sample.blkioWriteBytes).toBeLessThan(10 * MiB);
      expect(snap.sample.interfaces?.map((i) => i.name)).toEqual(["eth0"]);

      await docker("stop", "-t", "1", name);
      await inventory.refresh(id);
      const stopped = source.snapshots().find((x) => x.sample.containerId === id);
      expect(stopped?.stoppedAtMs).toBeGreaterThan(0);
      expect(stopped?.sample.blkioWriteBytes).toBeGreaterThanOrEqual(8 * MiB);
      expect(stopped?.sample.oomKills).toBe(0);
    } finally {
      await source.stop();
    }
  });
});
