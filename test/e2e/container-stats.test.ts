// Spine test 4: samples from cgroups show a CPU burner at about one core and a container's
// memory limit as set with --memory.
import { describe, expect, it } from "vitest";
import type { SampleRow } from "../helpers/api-types.ts";
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
  const up = useUpStack("stats", [burner]);

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
});
