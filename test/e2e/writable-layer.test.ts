// container_fs_usage_bytes from a du-like walk of each container's overlay2 upper directory (and
// its own directory under the Docker root), as cAdvisor reports it; a layer with more entries than
// the walk's budget is cut, counted and logged once, never shown from a partial walk.
import { statfs } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { getJson, metricTotal, useUpStack } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 * 1024;

interface CadvisorFs {
  device: string;
  capacity: number;
  usage: number;
  has_inodes: boolean;
  inodes: number;
}
const MAX_ENTRIES = 2000;

/** The value and labels of `name`'s series for the container named `container` on `path`, if any. */
async function series(
  url: string,
  name: string,
  container: string,
  path = "/metrics",
): Promise<{ value: number; labels: string } | undefined> {
  const text = await (await apiFetch(url, path)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && l.includes(`name="${container}"`));
  if (!line) return undefined;
  return { value: Number(line.slice(line.lastIndexOf(" ") + 1)), labels: line.slice(0, line.indexOf("}")) };
}

/** The writable layer in the cAdvisor API's latest stats of the container, if shown. */
async function layerStats(url: string, container: string): Promise<CadvisorFs | undefined> {
  const id = (await docker("inspect", "-f", "{{.Id}}", container)).trim();
  const map = await getJson<Record<string, { stats: { filesystem?: CadvisorFs[] }[] }>>(
    url,
    `/api/v1.3/docker/${container}?num_stats=1`,
  );
  return map[`/docker/${id}`]?.stats.at(-1)?.filesystem?.[0];
}

describe("writable-layer usage (container_fs_usage_bytes)", () => {
  const writer = uniqueName("fs-writer");
  const crowded = uniqueName("fs-crowded");
  const up = useUpStack(
    "fsusage",
    [writer, crowded],
    ["--fs-usage-interval", "1s", "--fs-usage-max-entries", String(MAX_ENTRIES)],
  );

  it("rises by a 3 MiB file written into the container, on the device and filesystem holding its layer", async () => {
    await docker("run", "-d", "--name", writer, BUSYBOX, "sleep", "3600");
    const before = await waitFor("a first walk of the writer's layer", () =>
      series(up.url, "container_fs_usage_bytes", writer),
    );
    await docker("exec", writer, "dd", "if=/dev/zero", "of=/three-mib", "bs=1048576", "count=3");
    const after = await waitFor("the 3 MiB file counted", async () => {
      const s = await series(up.url, "container_fs_usage_bytes", writer);
      return s && s.value >= before.value + 3 * MiB ? s : undefined;
    });
    // 3 MiB is a whole number of 4 KiB blocks: exactly 3 MiB more, plus at most a few blocks the
    // filesystem adds for the new entry (an extent block, the root directory growing).
    expect(after.value - before.value).toBeLessThanOrEqual(3 * MiB + 64 * 1024);
    const upperDir = await docker("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", writer);
    const fs = await statfs(upperDir.trim());
    const limit = await series(up.url, "container_fs_limit_bytes", writer);
    expect(limit?.value).toBe(fs.blocks * fs.bsize);
    expect(after.labels).toMatch(/device="[^"]+"/);
    expect(limit?.labels).toBe(after.labels.replace("container_fs_usage_bytes", "container_fs_limit_bytes"));
    const device = /device="([^"]+)"/.exec(after.labels)?.[1];

    // Shipped on the samples: the aggregator's fleet view and its cAdvisor API show it too.
    const fleet = await waitFor("the 3 MiB in /metrics/fleet", async () => {
      const s = await series(up.url, "container_fs_usage_bytes", writer, "/metrics/fleet");
      return s && s.value >= before.value + 3 * MiB ? s : undefined;
    });
    expect(fleet.labels).toContain(`device="${device}"`);
    expect(fleet.labels).toMatch(/host="[^"]+"/);
    const layer = await layerStats(up.url, writer);
    expect(layer).toMatchObject({ device, capacity: fs.blocks * fs.bsize, has_inodes: true });
    expect(layer?.usage).toBeGreaterThanOrEqual(before.value + 3 * MiB);
  });

  it("cuts a walk past --fs-usage-max-entries, counts it and never shows the partial figure", async () => {
    const cut = () =>
      metricTotal(up.url, "fleetscope_collector_samples_skipped_total", 'reason="fs-usage-over-budget"');
    const cutBefore = await cut();
    await docker(
      "run",
      "-d",
      "--name",
      crowded,
      BUSYBOX,
      "sh",
      "-c",
      `mkdir /many && cd /many && seq 1 ${MAX_ENTRIES * 2} | xargs touch && sleep 3600`,
    );
    const warned = () =>
      (up.proc.stdout + up.proc.stderr)
        .split("\n")
        .filter((l) => l.includes("--fs-usage-max-entries") && l.includes(crowded));
    await waitFor("the crowded layer's walk cut and said", () => warned().length > 0);
    const cutOnce = await cut();
    expect(cutOnce).toBeGreaterThan(cutBefore);
    // Its next walk is cut again (every pass); the log still says so once.
    await waitFor("another cut walk", async () => (await cut()) > cutOnce);
    expect(warned()).toHaveLength(1);
    // A walk may have finished before the files were all there; none shows more than the budget.
    const layer = await layerStats(up.url, crowded);
    if (layer) expect(layer.inodes).toBeLessThan(MAX_ENTRIES);
  });
});
