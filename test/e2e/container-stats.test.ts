// Spine test 4: samples from cgroups show a CPU burner at about one core and a container's
// memory limit as set with --memory.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { SampleRow } from "../../protocol/api/containers.ts";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { getJson, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 * 1024;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

describe("container stats from cgroups", () => {
  const burner = uniqueName("burn");
  const looper = uniqueName("crashloop");
  const held = uniqueName("held-death");
  const up = useUpStack("stats", [burner, looper, held]);

  it("shows a spinning container at ~1 core and its 48 MiB limit", async () => {
    await docker(
      "run",
      "-d",
      "--name",
      burner,
      "--memory",
      "48m",
      BUSYBOX,
      "sh",
      "-c",
      "while :; do :; done",
    );
    const samples = await waitFor("six samples with a CPU rate", async () => {
      const { samples } = await getJson<{ samples: SampleRow[] }>(
        up.url,
        `/api/v1/containers/${burner}/samples?since=10m`,
      );
      const rated = samples.filter((s) => s.cpuCores > 0);
      return rated.length >= 6 ? rated : undefined;
    });
    expect(samples.every((s) => s.origin === "cgroup")).toBe(true);
    const cores = median(samples.slice(1).map((s) => s.cpuCores));
    expect(cores).toBeGreaterThan(0.75);
    expect(cores).toBeLessThan(1.25);
    expect(new Set(samples.map((s) => s.memoryLimitBytes))).toEqual(new Set([48 * MiB]));
    expect(samples.every((s) => s.memoryWorkingSetBytes > 0 && s.memoryWorkingSetBytes < 48 * MiB)).toBe(
      true,
    );
  });

  it("never gives a crash-looping container a sample or processes from a cgroup that is not its own", async () => {
    // Between a death and the next start its init is gone (on cgroup v1 an exited task's
    // /proc/<pid>/cgroup reads `/`, the root cgroup): such readings are skipped and counted.
    await docker(
      "run",
      "-d",
      "--name",
      looper,
      "--restart",
      "always",
      "--memory",
      "24m",
      BUSYBOX,
      "sh",
      "-c",
      "exit 1",
    );
    // Docker restarts it after 100 ms, 200 ms, 400 ms …: eight deaths take ~30 s.
    await waitFor(
      "eight restarts",
      async () => Number(await docker("inspect", "-f", "{{.RestartCount}}", looper)) >= 8,
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    const { samples } = await getJson<{ samples: SampleRow[] }>(
      up.url,
      `/api/v1/containers/${looper}/samples?since=10m`,
    );
    for (const s of samples) {
      // Its own limit, never 0 (the root cgroup has none) …
      expect(s.memoryLimitBytes).toBe(24 * MiB);
      expect(s.memoryUsageBytes).toBeLessThanOrEqual(24 * MiB);
      // … and its own CPU time, not the whole host's since boot.
      expect(s.cpuUsageSeconds).toBeLessThan(5);
    }
    // Its only processes are its shell and, caught between a restart and the shell's exec, runc's
    // init (runc:[2:INIT], already in the container's cgroup): host processes are never filed
    // under it.
    const { processes } = await getJson<{ processes: { containerName: string; command: string }[] }>(
      up.url,
      "/api/v1/processes/top?since=10m&limit=1000",
    );
    const own = (command: string) => command === "sh" || command === "runc:[2:INIT]";
    expect(processes.filter((p) => p.containerName === looper && !own(p.command))).toEqual([]);
  });

  it("skips and counts the readings of a container whose init died but is not yet reaped", async () => {
    // The moment between a death and Docker knowing of it, held open: the runtime's shim (the
    // init's parent, which reaps it and reports the exit) is paused while the init exits. The
    // init is then a zombie, which on cgroup v1 reads the root cgroup, and Docker still says
    // running, so the collector keeps reading it.
    await docker("run", "-d", "--name", held, "--memory", "24m", BUSYBOX, "sh", "-c", "sleep 3; exit 1");
    const pid = Number(await docker("inspect", "-f", "{{.State.Pid}}", held));
    const shim = Number(/^PPid:\s+(\d+)$/m.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1]);
    expect(await readFile(`/proc/${shim}/comm`, "utf8")).toMatch(/^containerd-shim/);
    const samplesOf = async () =>
      (await getJson<{ samples: SampleRow[] }>(up.url, `/api/v1/containers/${held}/samples?since=10m`))
        .samples;
    await waitFor("a sample while it lives", async () => (await samplesOf()).length > 0);
    const before = await skippedReadings(up.url);
    process.kill(shim, "SIGSTOP");
    let samples: SampleRow[] = [];
    try {
      await waitFor("the init to have exited, unreaped", async () =>
        /^State:\s+Z/m.test(await readFile(`/proc/${pid}/status`, "utf8")),
      );
      const diedBy = Date.now();
      // A reading after the death: skipped (and counted), or stored — and then checked below.
      samples = await waitFor("a reading of the dead container", async () => {
        const list = await samplesOf();
        const after = list.some((s) => Date.parse(s.time) > diedBy + 500);
        return after || (await skippedReadings(up.url)) > before ? list : undefined;
      });
    } finally {
      process.kill(shim, "SIGCONT");
    }
    for (const s of samples) {
      expect(s.memoryUsageBytes).toBeLessThanOrEqual(24 * MiB);
      expect(s.cpuUsageSeconds).toBeLessThan(5);
    }
    expect(await skippedReadings(up.url)).toBeGreaterThan(before);
    const { processes } = await getJson<{ processes: { containerName: string; command: string }[] }>(
      up.url,
      "/api/v1/processes/top?since=10m&limit=1000",
    );
    expect(processes.filter((p) => p.containerName === held && !["sh", "sleep"].includes(p.command))).toEqual(
      [],
    );
  });
});

/** fleetscope_collector_samples_skipped_total of the container-stats source, all reasons. */
async function skippedReadings(url: string): Promise<number> {
  const metrics = await (await apiFetch(url, "/metrics")).text();
  const counted = metrics.matchAll(
    /^fleetscope_collector_samples_skipped_total\{[^}]*source="container-stats"[^}]*\} (\d+)/gm,
  );
  return [...counted].reduce((sum, m) => sum + Number(m[1]), 0);
}
