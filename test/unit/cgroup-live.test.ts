import Docker from "dockerode";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import type { FleetRecord, SampleRecord } from "../../protocol/records.ts";
import { findContainerCgroup } from "../../collector/cgroup/paths.ts";
import { DockerInventory } from "../../collector/docker/inventory.ts";
import { ContainerStatsSource, readCgroupStats } from "../../collector/sources/container-stats.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

// A real container spinning one core under a 32 MiB limit, read through the host's cgroup files.
const MiB = 1024 * 1024;
const names: string[] = [];

async function startSpinner(): Promise<{ id: string; pid: number }> {
  const name = uniqueName("cgroup-live");
  names.push(name);
  const id = await docker("run", "-d", "--name", name, "--memory", "32m", BUSYBOX, "sh", "-c", "while :; do :; done");
  const pid = Number(await docker("inspect", "-f", "{{.State.Pid}}", id));
  return { id, pid };
}

afterAll(async () => {
  await removeContainers(...names);
});

describe("cgroup stats of a live container", () => {
  it("reads one busy core and the 32 MiB limit", async () => {
    const { id, pid } = await startSpinner();
    const cg = await findContainerCgroup(id, pid);
    expect(cg.guessed).toBe(false);
    const first = await readCgroupStats(cg);
    const t0 = performance.now();
    const second = await waitFor("a reading at least 1.5 s after the first", async () => {
      const stats = await readCgroupStats(cg);
      const seconds = (performance.now() - t0) / 1000;
      return seconds >= 1.5 ? { stats, seconds } : undefined;
    }, { intervalMs: 250, timeoutMs: 10_000 });
    const cores = (second.stats.cpuUsageSeconds - first.cpuUsageSeconds) / second.seconds;
    expect(cores).toBeGreaterThanOrEqual(0.75);
    expect(cores).toBeLessThanOrEqual(1.25);
    expect(second.stats.memoryLimitBytes).toBe(32 * MiB);
    expect(second.stats.pids).toBeGreaterThanOrEqual(1);
    expect(second.stats.memoryUsageBytes).toBeGreaterThan(0);
  });

  it("emits samples from the source: at once on start, then each interval with cpuCores", async () => {
    const log = pino({ level: "silent" });
    const inventory = new DockerInventory(new Docker(), log);
    const samples: SampleRecord[] = [];
    const source = new ContainerStatsSource({ intervalMs: 500 });
    await source.start({
      host: "test-host",
      cursor: undefined,
      inventory,
      log,
      async emit(records: FleetRecord[], cursor?: unknown) {
        expect(cursor).toBeUndefined();
        for (const r of records) if (r.kind === "sample") samples.push(r);
      },
    });
    try {
      const { id } = await startSpinner();
      await inventory.refresh(id); // a `change` event with state running: sampled right away
      const mine = () => samples.filter((s) => s.containerId === id);
      await waitFor("the first sample", () => mine().length >= 1, { timeoutMs: 10_000 });
      expect(mine()[0]?.cpuCores).toBe(0);
      const busy = await waitFor(
        "a sample with cpuCores over 2+ seconds",
        () => (mine().length >= 5 ? mine() : undefined),
        { timeoutMs: 20_000 },
      );
      const last = busy.at(-1) as SampleRecord;
      expect(last).toMatchObject({ origin: "cgroup", host: "test-host", memoryLimitBytes: 32 * MiB });
      expect(last.containerName).toMatch(/^fs-test-cgroup-live-/);
      // Average over all intervals so one late timer tick does not decide the outcome.
      const first = busy[0] as SampleRecord;
      const seconds = (Date.parse(last.time) - Date.parse(first.time)) / 1000;
      const avg = (last.cpuUsageSeconds - first.cpuUsageSeconds) / seconds;
      expect(avg).toBeGreaterThanOrEqual(0.75);
      expect(avg).toBeLessThanOrEqual(1.25);
      expect(last.cpuCores).toBeGreaterThan(0.5);
    } finally {
      await source.stop();
    }
  });
});
