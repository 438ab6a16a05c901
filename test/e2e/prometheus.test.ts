// A real Prometheus (Debian's) scrapes a real collector's cAdvisor-compatible /metrics every
// second; the assertions go through Prometheus' own HTTP API and PromQL, the way a dashboard would
// read them. promtool lints the exposition of the standalone collector and of `fleetscope up`.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { type RunningPrometheus, startPrometheus } from "../helpers/prometheus.ts";
import { PROMTOOL, runWithInput } from "../helpers/run.ts";
import {
  type FleetscopeProcess,
  freePort,
  startAggregator,
  startCollector,
  startUp,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const MiB = 1024 * 1024;
async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return res.text();
}

/** The container's working set as the kernel has it right now: usage − inactive file (v1 or v2 layout). */
async function workingSetFromCgroup(id: string): Promise<number> {
  const v1 = `/sys/fs/cgroup/memory/docker/${id}`;
  const stat = async (dir: string, usageFile: string, inactiveKey: string) => {
    const usage = Number((await readFile(join(dir, usageFile), "utf8")).trim());
    const m = new RegExp(`^${inactiveKey} (\\d+)$`, "m").exec(
      await readFile(join(dir, "memory.stat"), "utf8"),
    );
    return Math.max(0, usage - Number(m?.[1] ?? 0));
  };
  try {
    return await stat(v1, "memory.usage_in_bytes", "total_inactive_file");
  } catch {
    return stat(`/sys/fs/cgroup/system.slice/docker-${id}.scope`, "memory.current", "inactive_file");
  }
}

describe("Prometheus scraping the collector", () => {
  const burner = uniqueName("prom-burn");
  const writer = uniqueName("prom-write");
  const oomer = uniqueName("prom-oom");
  const dirs: { remove: () => Promise<void> }[] = [];
  let aggregator: FleetscopeProcess | undefined;
  let collector: FleetscopeProcess | undefined;
  let prometheus: RunningPrometheus | undefined;
  let metricsUrl = "";
  let promUrl = "";
  let burnerId = "";

  function query(promql: string) {
    if (!prometheus) throw new Error("Prometheus is not started");
    return prometheus.query(promql);
  }

  /** The single value of an instant query, once it has one. */
  async function scalar(promql: string): Promise<number | undefined> {
    const result = await query(promql);
    return result.length === 1 ? Number(result[0]?.value[1]) : undefined;
  }

  beforeAll(async () => {
    const dir = await tempDir("prometheus");
    dirs.push(dir);
    const aggregatorPort = await freePort();
    aggregator = await startAggregator(join(dir.path, "aggregator"), aggregatorPort);
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    collector = await startCollector(`http://127.0.0.1:${aggregatorPort}`, join(dir.path, "spool"), [
      "--metrics-listen",
      `127.0.0.1:${metricsPort}`,
    ]);
    expect(collector.stdout).toContain(`metrics: ${metricsUrl}`);

    burnerId = await docker(
      "run",
      "-d",
      "--name",
      burner,
      "--memory",
      "64m",
      BUSYBOX,
      "sh",
      "-c",
      "while :; do :; done",
    );
    // 20 MiB through the page cache (no fsync: on cgroup v1 the blkio counters miss it), then idle.
    await docker(
      "run",
      "-d",
      "--name",
      writer,
      BUSYBOX,
      "sh",
      "-c",
      "dd if=/dev/zero of=/tmp/twenty bs=1M count=20 && sleep 3600",
    );

    prometheus = await startPrometheus(dir.path, {
      global: { scrape_interval: "1s", evaluation_interval: "1s" },
      scrape_configs: [
        { job_name: "fleetscope-collector", static_configs: [{ targets: [`127.0.0.1:${metricsPort}`] }] },
      ],
    });
    promUrl = prometheus.url;
  });

  afterAll(async () => {
    await prometheus?.stop();
    await removeContainers(burner, writer, oomer);
    await collector?.stop();
    await aggregator?.stop();
    for (const d of dirs) await d.remove();
  });

  it("has the collector as an `up` target", async () => {
    await waitFor("the scrape target to be up", async () => {
      const body = JSON.parse(await fetchText(`${promUrl}/api/v1/targets`)) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      const t = body.data.activeTargets[0];
      if (t?.lastError) throw new Error(t.lastError);
      return t?.health === "up";
    });
    expect(await scalar('up{job="fleetscope-collector"}')).toBe(1);
  });

  it("shows a container spinning one core at rate(container_cpu_usage_seconds_total[30s]) ≈ 1", async () => {
    const selector = `container_cpu_usage_seconds_total{name="${burner}",cpu="total"}`;
    // The series must be older than the 30 s window: over a window it only partly covers, rate()
    // extrapolates at most half an interval past its first point and reads low.
    await waitFor(
      "over 35 s of 1 s scrapes of the burner",
      async () => ((await scalar(`count_over_time(${selector}[40s])`)) ?? 0) >= 36,
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    const rate = await scalar(`rate(${selector}[30s])`);
    console.log(`rate(container_cpu_usage_seconds_total{name=burner}[30s]) = ${rate}`);
    if (rate === undefined || Math.abs(rate - 1) >= 0.25) {
      const raw = (await query(`${selector}[30s]`)) as unknown as { values: [number, string][] }[];
      console.log("the points in the window:", JSON.stringify(raw[0]?.values));
    }
    expect(rate).toBeGreaterThan(0.75);
    expect(rate).toBeLessThan(1.25);
    const [sample] = await query(selector);
    expect(sample?.metric).toMatchObject({
      id: `/docker/${burnerId}`,
      image: BUSYBOX,
      name: burner,
      job: "fleetscope-collector",
    });
  });

  it("matches the container's memory limit exactly and its working set closely", async () => {
    expect(await scalar(`container_spec_memory_limit_bytes{name="${burner}"}`)).toBe(64 * MiB);
    const fromProm = await scalar(`container_memory_working_set_bytes{name="${burner}"}`);
    const fromCgroup = await workingSetFromCgroup(burnerId);
    console.log(`working set: prometheus ${fromProm}, cgroup now ${fromCgroup}`);
    expect(fromProm).toBeGreaterThan(0);
    // A spinning shell's memory barely moves; the scraped value is at most ~2 s old.
    expect(Math.abs((fromProm as number) - fromCgroup)).toBeLessThanOrEqual(
      Math.max(512 * 1024, fromCgroup * 0.1),
    );
  });

  it("counts the 20 MiB a container wrote in container_fs_writes_bytes_total", async () => {
    const written = await waitFor(
      "20 MiB of writes",
      async () => {
        const v = await scalar(`sum(container_fs_writes_bytes_total{name="${writer}"})`);
        return v !== undefined && v >= 20 * MiB ? v : undefined;
      },
      { timeoutMs: 30_000 },
    );
    console.log(
      `container_fs_writes_bytes_total{name=writer} = ${written} (${(written / MiB).toFixed(2)} MiB)`,
    );
    // dd's 20 MiB plus little else: the counter is not inflated by counting a reaped child twice.
    expect(written).toBeLessThan(22 * MiB);
  });

  it("raises container_oom_events_total for a container the kernel OOM-killed", async () => {
    await docker(
      "run",
      "-d",
      "--name",
      oomer,
      "--memory",
      "16m",
      "--memory-swap",
      "16m",
      BUSYBOX,
      "tail",
      "/dev/zero",
    );
    const exit = await waitFor("the container to be OOM-killed", async () => {
      const s = await docker(
        "inspect",
        "-f",
        "{{.State.Status}} {{.State.OOMKilled}} {{.State.ExitCode}}",
        oomer,
      );
      return s.startsWith("exited") ? s : undefined;
    });
    expect(exit).toBe("exited true 137");
    // Its cgroup is gone by now; the collector keeps the dead container's last counters for 5 min.
    const ooms = await waitFor(
      "container_oom_events_total ≥ 1",
      async () => {
        const v = await scalar(`container_oom_events_total{name="${oomer}"}`);
        return v !== undefined && v >= 1 ? v : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(ooms).toBe(1);
  });

  it("serves an exposition promtool finds nothing wrong with", async () => {
    const text = await fetchText(metricsUrl);
    expect(text).toContain(`container_cpu_usage_seconds_total{id="/docker/${burnerId}"`);
    expect(text).toMatch(/^machine_cpu_cores \d+$/m);
    expect(text).toMatch(/^fleetscope_collector_records_read_total\{/m);
    const lint = await runWithInput(PROMTOOL, ["check", "metrics"], text);
    expect(lint.output).toBe("");
    expect(lint.code).toBe(0);
  });

  it("serves the same container metrics on the aggregator's /metrics under `fleetscope up`", async () => {
    const dir = await tempDir("prometheus-up");
    dirs.push(dir);
    const up = await startUp(dir.path);
    try {
      const text = await waitFor("the burner on up's /metrics", async () => {
        const t = await (await apiFetch(up.url, "/metrics")).text();
        return t.includes(`name="${burner}"`) ? t : undefined;
      });
      expect(text).toMatch(/^fleetscope_aggregator_/m);
      expect(text).toMatch(/^fleetscope_collector_/m);
      expect(text).toMatch(new RegExp(`^container_memory_working_set_bytes\\{.*name="${burner}"`, "m"));
      const lint = await runWithInput(PROMTOOL, ["check", "metrics"], text);
      expect(lint.output).toBe("");
      expect(lint.code).toBe(0);
    } finally {
      await up.proc.stop();
    }
  });
});
