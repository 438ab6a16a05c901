import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import pino, { type Logger } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { findContainerCgroup } from "../../collector/cgroup/paths.ts";
import { readCgroupStats } from "../../collector/cgroup/read-stats.ts";
import { DockerInventory } from "../../collector/docker/inventory.ts";
import {
  type ContainerStatsOptions,
  ContainerStatsSource,
} from "../../collector/sources/container-stats/container-stats-source.ts";
import type { SourceContext } from "../../collector/sources/source.ts";
import type { FleetRecord, SampleRecord } from "../../protocol/records.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

// A real container spinning one core under a 32 MiB limit, read through the host's cgroup files.
const MiB = 1024 * 1024;
const names: string[] = [];

async function startSpinner(): Promise<{ id: string; pid: number; name: string }> {
  const name = uniqueName("cgroup-live");
  names.push(name);
  const id = await docker(
    "run",
    "-d",
    "--name",
    name,
    "--memory",
    "32m",
    BUSYBOX,
    "sh",
    "-c",
    "while :; do :; done",
  );
  const pid = Number(await docker("inspect", "-f", "{{.State.Pid}}", id));
  return { id, pid, name };
}

/**
 * The stats source on a real inventory, shown a new spinner; `check` gets the spinner, and the
 * source and the spinner are stopped after it, whatever it throws. The context's `emit` and
 * `skipped` are the test's.
 */
async function withSampledSpinner(
  options: ContainerStatsOptions,
  context: Pick<SourceContext, "emit" | "skipped"> & { log?: Logger },
  check: (spinner: { id: string; name: string }) => Promise<void>,
): Promise<void> {
  const log = context.log ?? pino({ level: "silent" });
  const inventory = new DockerInventory(options.docker ?? new Docker(), log);
  const source = new ContainerStatsSource(options);
  await source.start({
    host: "test-host",
    cursor: undefined,
    inventory,
    async spooled() {},
    ...context,
    log,
  });
  let spinner = "";
  try {
    const started = await startSpinner();
    spinner = started.name;
    await inventory.refresh(started.id); // a `change` event with state running: sampled right away
    await check(started);
  } finally {
    await source.stop();
    await removeContainers(spinner);
  }
}

afterAll(async () => {
  await removeContainers(...names);
});

describe("cgroup stats of a live container", () => {
  it("reads one busy core and the 32 MiB limit", async () => {
    const { id, pid, name } = await startSpinner();
    const cg = await findContainerCgroup(id, pid);
    expect(cg.guessed).toBe(false);
    // The first moments after `docker run` include the runtime's own setup: start measuring once
    // the loop has clearly been spinning for a while.
    const first = await waitFor(
      "the spinner to have used 0.3 s of CPU",
      async () => {
        const stats = await readCgroupStats(cg);
        return stats.cpuUsageSeconds >= 0.3 ? stats : undefined;
      },
      { intervalMs: 100, timeoutMs: 10_000 },
    );
    const t0 = performance.now();
    const second = await waitFor(
      "a reading at least 1.5 s after the first",
      async () => {
        const stats = await readCgroupStats(cg);
        const seconds = (performance.now() - t0) / 1000;
        return seconds >= 1.5 ? { stats, seconds } : undefined;
      },
      { intervalMs: 250, timeoutMs: 10_000 },
    );
    const cores = (second.stats.cpuUsageSeconds - first.cpuUsageSeconds) / second.seconds;
    expect(cores).toBeGreaterThanOrEqual(0.75);
    expect(cores).toBeLessThanOrEqual(1.25);
    expect(second.stats.memoryLimitBytes).toBe(32 * MiB);
    expect(second.stats.pids).toBeGreaterThanOrEqual(1);
    expect(second.stats.memoryUsageBytes).toBeGreaterThan(0);
    // Two spinners on this two-core machine would starve each other in the next test.
    await removeContainers(name);
  });

  it("emits samples from the source: at once on start, then each interval with cpuCores", async () => {
    const samples: SampleRecord[] = [];
    const emit = async (records: FleetRecord[], cursor?: unknown) => {
      expect(cursor).toBeUndefined();
      for (const r of records) if (r.kind === "sample") samples.push(r);
    };
    await withSampledSpinner({ intervalMs: 500 }, { emit }, async ({ id }) => {
      const mine = () => samples.filter((s) => s.containerId === id);
      await waitFor("the first sample", () => mine().length >= 1, { timeoutMs: 10_000 });
      expect(mine()[0]?.cpuCores).toBe(0);
      // Skip the runtime's start-up moments (as above), then average over ≥ 1.5 s of intervals so
      // one late timer tick does not decide the outcome.
      const spinning = () => mine().filter((s) => s.cpuUsageSeconds >= 0.3);
      const busy = await waitFor(
        "samples spanning 1.5 s of spinning",
        () => {
          const list = spinning();
          const a = list[0];
          const b = list.at(-1);
          return a && b && Date.parse(b.time) - Date.parse(a.time) >= 1500 ? list : undefined;
        },
        { timeoutMs: 20_000 },
      );
      const first = busy[0] as SampleRecord;
      const last = busy.at(-1) as SampleRecord;
      expect(last).toMatchObject({ origin: "cgroup", host: "test-host", memoryLimitBytes: 32 * MiB });
      expect(last.containerName).toMatch(/^fs-test-cgroup-live-/);
      const seconds = (Date.parse(last.time) - Date.parse(first.time)) / 1000;
      const avg = (last.cpuUsageSeconds - first.cpuUsageSeconds) / seconds;
      expect(avg).toBeGreaterThanOrEqual(0.75);
      expect(avg).toBeLessThanOrEqual(1.25);
      expect(last.cpuCores).toBeGreaterThan(0.5);
    });
  });

  it("falls back to the Docker stats API when the cgroup directory cannot be read", async () => {
    const samples: SampleRecord[] = [];
    const emit = async (records: FleetRecord[]) => {
      for (const r of records) if (r.kind === "sample") samples.push(r);
    };
    // A cgroup root that does not exist stands in for one the collector may not read.
    const options = { intervalMs: 500, cgroupRoot: "/nonexistent-cgroup-root", docker: new Docker() };
    await withSampledSpinner(options, { emit }, async ({ id }) => {
      const [sample] = await waitFor(
        "a docker-api sample",
        () => {
          const mine = samples.filter((s) => s.containerId === id && s.cpuUsageSeconds > 0);
          return mine.length > 0 ? mine : undefined;
        },
        { timeoutMs: 30_000 },
      );
      expect(sample).toMatchObject({ origin: "docker-api", memoryLimitBytes: 32 * MiB });
      expect(sample?.pids).toBeGreaterThanOrEqual(1);
      expect(sample?.memoryUsageBytes).toBeGreaterThan(0);
    });
  });

  it("says once what to mount when no running container's cgroup is under the cgroup root", async () => {
    // What a collector in a container sees without --cgroup-root: a readable hierarchy (its own
    // /sys/fs/cgroup) holding none of the host's containers.
    const dir = await mkdtemp(join(tmpdir(), "fs-cgroup-root-"));
    await mkdir(join(dir, "memory"));
    const lines: string[] = [];
    let gone = 0;
    const context = {
      log: pino({ level: "warn" }, { write: (line: string) => void lines.push(line) }),
      async emit() {},
      skipped: (reason: string) => void (reason === "cgroup-gone" && gone++),
    };
    try {
      await withSampledSpinner({ intervalMs: 300, cgroupRoot: dir }, context, async () => {
        const warning = await waitFor("the warning", () =>
          lines.find((l) => l.includes("has a cgroup under")),
        );
        expect(JSON.parse(warning).msg).toMatch(
          /none of the \d+ running containers has a cgroup under .*fs-cgroup-root-.*--cgroup-root and --proc-root/,
        );
        // Once: three more rounds without cgroups do not repeat it.
        const after = gone;
        await waitFor("three more rounds", () => gone >= after + 3);
        expect(lines.filter((l) => l.includes("has a cgroup under"))).toHaveLength(1);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
