// The shipped rules (dashboards/prometheus/rules.yml) loaded, unchanged, into a real Prometheus that
// scrapes a real `fleetscope up` through the shipped scrape jobs (fleetscope-scrape.yml, pointed at
// this stack with a read token): a container the kernel OOM-kills raises ContainerOOMKilled, every
// rule evaluates without error, and the recording rules find fleetscope's real series.
// Test-only: scrapes and rule evaluations every second instead of every 15-30 s. The OOM alert has
// `for: 0m`, so the rules need no rewriting for it to fire at once.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createToken } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, runUntilOomKilled, uniqueName } from "../helpers/docker.ts";
import { type RunningPrometheus, startPrometheus } from "../helpers/prometheus.ts";
import { REPO, startUp, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const DIR = join(REPO, "dashboards", "prometheus");

interface ScrapeJob {
  job_name: string;
  scrape_interval?: string;
  authorization?: { credentials_file: string };
  static_configs: { targets: string[] }[];
}

/** prometheus.yml: the shipped jobs aimed at `target` with `tokenFile`, every 1 s, plus the shipped rules. */
async function prometheusConfig(target: string, tokenFile: string): Promise<object> {
  const shipped = parse(await readFile(join(DIR, "fleetscope-scrape.yml"), "utf8")) as {
    scrape_configs: ScrapeJob[];
  };
  const jobs = shipped.scrape_configs.map((job) => ({
    ...job,
    scrape_interval: "1s",
    authorization: { credentials_file: tokenFile },
    static_configs: [{ targets: [target] }],
  }));
  return {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: [join(DIR, "rules.yml")],
    scrape_configs: jobs,
  };
}

describe("the shipped Prometheus rules on a real Prometheus scraping `fleetscope up`", () => {
  const oomer = uniqueName("rules-oom");
  const bounded = uniqueName("rules-bounded");
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  let up: Awaited<ReturnType<typeof startUp>> | undefined;
  let prom: RunningPrometheus | undefined;

  beforeAll(async () => {
    dir = await tempDir("prometheus-rules");
    up = await startUp(join(dir.path, "data"));
    const tokenFile = join(dir.path, "fleetscope.token");
    const { secret } = await createToken(up.url, { name: "prometheus", role: "read" });
    await writeFile(tokenFile, `${secret}\n`, { mode: 0o600 });
    // A container with a memory limit that lives on: the memory and CPU recording rules' subject.
    await docker("run", "-d", "--name", bounded, "--memory", "64m", BUSYBOX, "sleep", "3600");
    prom = await startPrometheus(dir.path, await prometheusConfig(new URL(up.url).host, tokenFile));
  });

  afterAll(async () => {
    await prom?.stop();
    await removeContainers(oomer, bounded);
    await up?.proc.stop();
    await dir?.remove();
  });

  it("scrapes both shipped jobs", async () => {
    await waitFor("both jobs up", async () => {
      const targets = await prom?.query('up{job=~"fleetscope-aggregator|fleetscope-fleet"} == 1');
      return targets?.length === 2;
    });
  });

  it("raises ContainerOOMKilled, with the container and a summary naming it, when the kernel OOM-kills one", async () => {
    await runUntilOomKilled(oomer);
    expect(await docker("inspect", "-f", "{{.State.OOMKilled}}", oomer)).toBe("true");
    const alert = await waitFor(
      "ContainerOOMKilled for the container",
      async () =>
        // The aggregator job's alert: the fleet job's series give one too, listed in no fixed order.
        (await prom?.alerts())?.find(
          (a) =>
            a.labels.alertname === "ContainerOOMKilled" &&
            a.labels.name === oomer &&
            a.labels.job === "fleetscope-aggregator",
        ),
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(alert.state).toBe("firing");
    expect(alert.labels).toMatchObject({ severity: "warning", image: BUSYBOX, job: "fleetscope-aggregator" });
    expect(alert.annotations.summary).toBe(
      `Container ${oomer} on ${new URL(up?.url ?? "").host} was OOM-killed`,
    );
    expect(alert.annotations.description).toContain(`fleetscope why ${oomer}`);
  });

  it("raises no fleetscope self-alert on a healthy stack", async () => {
    const own = (await prom?.alerts())?.filter((a) => a.labels.alertname?.startsWith("Fleetscope"));
    expect(own).toEqual([]);
  });

  it("evaluates every rule without error", async () => {
    const rules = await waitFor("every rule evaluated", async () => {
      const all = (await prom?.rules()) ?? [];
      return all.length > 0 && all.every((r) => !r.lastEvaluation.startsWith("0001-")) ? all : undefined;
    });
    const shipped = (
      parse(await readFile(join(DIR, "rules.yml"), "utf8")) as { groups: { rules: unknown[] }[] }
    ).groups.flatMap((g) => g.rules);
    expect(rules.length).toBe(shipped.length);
    expect(rules.filter((r) => r.health !== "ok").map((r) => `${r.name}: ${r.lastError}`)).toEqual([]);
  });

  it("finds fleetscope's real series with the recording rules dashboards use", async () => {
    const recorded = [
      `container:memory_working_set_over_limit:ratio{name="${bounded}"}`,
      `container:cpu_usage_cores:rate5m{name="${bounded}"}`,
      "fleetscope_collector:records_read:rate5m",
      "fleetscope_aggregator:rows:rate5m",
    ];
    for (const series of recorded)
      await waitFor(`${series} to have a value`, async () => ((await prom?.query(series))?.length ?? 0) > 0, {
        timeoutMs: 30_000,
        intervalMs: 500,
      });
    const [ratio] = (await prom?.query(recorded[0] as string)) ?? [];
    // `sleep` uses a few hundred KiB of its 64 MiB.
    expect(Number(ratio?.value[1])).toBeGreaterThan(0);
    expect(Number(ratio?.value[1])).toBeLessThan(0.2);
  });
});
