// Every query of every shipped Grafana dashboard (dashboards/grafana/*.json, as checked in) returns
// data from a real Prometheus (Debian's) that scrapes a real `fleetscope up` through the shipped scrape
// jobs with the shipped rules loaded, and Debian's node-exporter, under a small load: a container at
// its CPU and memory limits writing lines and files, and one the kernel OOM-kills again and again
// under a restart policy (OOM and restart panels). Queries go through Prometheus's HTTP API as
// Grafana sends them: panels as range queries, variables as label values.
// Test-only: scrapes and rule evaluations every second instead of every 15-30 s.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Dashboard } from "../../dashboards/grafana/common.ts";
import { apiFetch, createToken } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { interpolate, panelQueries, variableQueries } from "../helpers/grafana.ts";
import { type RunningPrometheus, startNodeExporter, startPrometheus } from "../helpers/prometheus.ts";
import { REPO, startUp, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const PROM_DIR = join(REPO, "dashboards", "prometheus");
const GRAFANA_DIR = join(REPO, "dashboards", "grafana");
const SHIPPED = ["fleet.json", "container.json", "fleetscope.json"];
const RANGE_SECONDS = 300;
const COMMUNITY = join(REPO, "test", "fixtures", "grafana");
// A container_*/machine_* metric name (followed by its selector, range or end), not a label like container_group.
const CADVISOR_METRIC = /\b(container|machine)_[a-z_]+(?=[{[)\s]|$)/;
// Dashboard 893 was written for node_exporter before 0.16 (2018), which renamed these (node_cpu →
// node_cpu_seconds_total, node_boot_time → node_boot_time_seconds, node_memory_MemTotal →
// node_memory_MemTotal_bytes, node_filesystem_size → node_filesystem_size_bytes, node_disk_bytes_read
// → node_disk_read_bytes_total …): no current node-exporter answers them, and its $server
// variable reads node_boot_time, so its `instance=~"$server:.*"` selectors match nothing either.
const OLD_NODE_EXPORTER =
  /\bnode_(boot_time|cpu|memory_[A-Za-z]+|filesystem_(size|free)|disk_bytes_(read|written))\b/;

/** The shipped jobs aimed at `target` with `tokenFile`, node-exporter labelled with the fleet's `host`. */
async function prometheusConfig(
  target: string,
  tokenFile: string,
  node: string,
  host: string,
): Promise<object> {
  const shipped = parse(await readFile(join(PROM_DIR, "fleetscope-scrape.yml"), "utf8")) as {
    scrape_configs: object[];
  };
  const jobs = shipped.scrape_configs.map((job) => ({
    ...job,
    authorization: { credentials_file: tokenFile },
    static_configs: [{ targets: [target] }],
  }));
  const nodeJob = { job_name: "node", static_configs: [{ targets: [node], labels: { host } }] };
  return {
    global: { scrape_interval: "1s", evaluation_interval: "1s" },
    rule_files: [join(PROM_DIR, "rules.yml")],
    scrape_configs: [...jobs.map((j) => ({ ...j, scrape_interval: "1s" })), nodeJob],
  };
}

/** The `host` label the fleet view gives this stack's collector. */
async function fleetHost(url: string): Promise<string> {
  return waitFor("the collector's host on /metrics/fleet", async () => {
    const text = await (await apiFetch(url, "/metrics/fleet")).text();
    return /^machine_cpu_cores\{[^}]*host="([^"]+)"/m.exec(text)?.[1];
  });
}

/**
 * `probe`'s list once `done` with it (by default: empty), else its last answer after two minutes:
 * the data of a container started with the stack takes a few scrapes to reach every series, and
 * the assertion that follows names what is still missing.
 */
async function settled(
  what: string,
  probe: () => Promise<string[]>,
  done = (list: string[]) => list.length === 0,
): Promise<string[]> {
  let last: string[] = [];
  await waitFor(
    what,
    async () => {
      last = await probe();
      return done(last);
    },
    { timeoutMs: 120_000, intervalMs: 1000 },
  ).catch(() => undefined);
  return last;
}

/** The queries of `d` that return nothing with `selection` (panel title or variable name, and the query). */
async function emptyQueries(
  prom: RunningPrometheus,
  d: Dashboard,
  selection: Record<string, string[] | "All">,
  allValue?: string,
  plain?: Record<string, string>,
): Promise<string[]> {
  const empty: string[] = [];
  for (const v of variableQueries(d)) {
    const match = interpolate(v.metric, selection, RANGE_SECONDS, allValue, plain);
    if ((await prom.labelValues(v.label, match)).length === 0) empty.push(`$${v.variable}: ${match}`);
  }
  for (const q of panelQueries(d)) {
    const expr = interpolate(q.expr, selection, RANGE_SECONDS, allValue, plain);
    if ((await prom.queryRange(expr, RANGE_SECONDS, 15)).length === 0) empty.push(`${q.panel}: ${expr}`);
  }
  return empty;
}

describe("the shipped Grafana dashboards on a real Prometheus scraping `fleetscope up` and node-exporter", () => {
  const busy = uniqueName("grafana-busy");
  const oomer = uniqueName("grafana-oom");
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined;
  let up: Awaited<ReturnType<typeof startUp>> | undefined;
  let node: Awaited<ReturnType<typeof startNodeExporter>> | undefined;
  let prom: RunningPrometheus | undefined;
  let host = "";

  beforeAll(async () => {
    dir = await tempDir("grafana-dashboards");
    up = await startUp(join(dir.path, "data"));
    const tokenFile = join(dir.path, "fleetscope.token");
    const { secret } = await createToken(up.url, { name: "prometheus", role: "read" });
    await writeFile(tokenFile, `${secret}\n`, { mode: 0o600 });
    // At its CPU limit (throttled), writing lines and syncing files to disk (file I/O panels).
    const work =
      "while :; do dd if=/dev/zero of=/tmp/f bs=1M count=4 conv=fsync 2>/dev/null; echo wrote; done";
    await docker("run", "-d", "--name", busy, "--memory", "64m", "--cpus", "0.2", BUSYBOX, "sh", "-c", work);
    // OOM-killed two seconds after each start (its main process: the container dies), restarted by
    // Docker, OOM-killed again: the OOM and restart panels' subject.
    const eat = "sleep 2; tail /dev/zero";
    await docker(
      "run",
      "-d",
      "--name",
      oomer,
      "--restart",
      "always",
      "--memory",
      "16m",
      "--memory-swap",
      "16m",
      BUSYBOX,
      "sh",
      "-c",
      eat,
    );
    host = await fleetHost(up.url);
    node = await startNodeExporter();
    prom = await startPrometheus(
      dir.path,
      await prometheusConfig(new URL(up.url).host, tokenFile, node.target, host),
    );
  });

  afterAll(async () => {
    await prom?.stop();
    await node?.stop();
    await removeContainers(busy, oomer);
    await up?.proc.stop();
    await dir?.remove();
  });

  it("scrapes fleetscope's two jobs and node-exporter", async () => {
    await waitFor("three targets up", async () => (await prom?.query("up == 1"))?.length === 3);
  });

  it.each(SHIPPED)("every panel and variable query of %s returns data with All selected", async (file) => {
    const d = JSON.parse(await readFile(join(GRAFANA_DIR, file), "utf8")) as Dashboard;
    const selection = { host: "All", container: "All" } as const;
    const empty = await settled(`every query of ${file} to return data`, async () =>
      prom ? await emptyQueries(prom, d, selection) : ["no prometheus"],
    );
    expect(empty).toEqual([]);
  });

  it("every query of the community cAdvisor dashboard 14282 returns data (test/fixtures/grafana/SOURCE.md)", async () => {
    const file = join(REPO, "test", "fixtures", "grafana", "cadvisor-exporter-14282.json");
    const d = JSON.parse(await readFile(file, "utf8")) as Dashboard;
    expect(panelQueries(d).length).toBe(6);
    // Its variables' "All" is `.*`; instance is the scrape target, as with cAdvisor.
    const empty = prom
      ? await emptyQueries(prom, d, { host: "All", container: "All" }, ".*")
      : ["no prometheus"];
    expect(empty).toEqual([]);
  });

  it("every query of the community dashboard 193 returns data (test/fixtures/grafana/SOURCE.md)", async () => {
    const d = JSON.parse(await readFile(join(COMMUNITY, "docker-monitoring-193.json"), "utf8")) as Dashboard;
    // Old "rows" layout (schemaVersion 12): its seven queries sit under rows[].panels.
    expect(panelQueries(d).length).toBe(7);
    const empty = await settled("every query of 193 to return data", async () =>
      prom ? await emptyQueries(prom, d, {}) : ["no prometheus"],
    );
    expect(empty).toEqual([]);
  });

  it('every container_* query of the community dashboard 893 returns data, the machine\'s `id="/"` included', async () => {
    const d = JSON.parse(
      await readFile(join(COMMUNITY, "docker-and-system-monitoring-893.json"), "utf8"),
    ) as Dashboard;
    const queries = panelQueries(d); // hidden targets left out: Grafana never sends them
    expect(queries.filter((q) => CADVISOR_METRIC.test(q.expr)).length).toBe(11);
    expect(queries.some((q) => q.expr.includes('container_network_receive_bytes_total{id="/"}'))).toBe(true);
    // Its interval variable on auto is ≈ 1m over five minutes (auto_min 50s); $server has no value
    // (see OLD_NODE_EXPORTER) and $containergroup, used by no panel, reads a label no exporter sets.
    const empty = await settled(
      "every container_* query of 893 to return data",
      async () =>
        prom
          ? await emptyQueries(prom, d, { server: [], containergroup: "All" }, ".+", { interval: "1m" })
          : ["no prometheus"],
      (list) => !list.some((e) => CADVISOR_METRIC.test(e)),
    );
    expect(empty.filter((e) => CADVISOR_METRIC.test(e))).toEqual([]);
    expect(empty.filter((e) => !OLD_NODE_EXPORTER.test(e))).toEqual([
      '$containergroup: {container_group!=""}',
    ]);
  });

  it("every query of the Container dashboard returns data for one host and one container", async () => {
    const d = JSON.parse(await readFile(join(GRAFANA_DIR, "container.json"), "utf8")) as Dashboard;
    const empty = await settled("every Container query of one container to return data", async () =>
      prom ? await emptyQueries(prom, d, { host: [host], container: [busy] }) : ["no prometheus"],
    );
    expect(empty).toEqual([]);
    const throttled = await waitFor("the busy container's throttled ratio", async () => {
      const [t] = (await prom?.query(`container:cpu_cfs_throttled_periods:ratio5m{name="${busy}"}`)) ?? [];
      return Number(t?.value[1]) > 0 && Number(t?.value[1]);
    });
    expect(throttled).toBeGreaterThan(0);
  });

  it("marks the OOM-killed container's deaths and incidents through the Loki API's annotation streams", async () => {
    for (const file of ["fleet.json", "container.json"]) {
      const d = JSON.parse(await readFile(join(GRAFANA_DIR, file), "utf8")) as Dashboard;
      const marks = (d.annotations?.list ?? []) as { name: string; target?: { expr?: string } }[];
      expect(marks.map((m) => m.name)).toEqual(["Container deaths", "Incidents"]);
      for (const mark of marks) {
        const expr = interpolate(mark.target?.expr ?? "", { host: "All", container: "All" }, RANGE_SECONDS);
        const lines = await waitFor(`${file} ${mark.name}: ${expr}`, async () => {
          const res = await apiFetch(
            up?.url ?? "",
            `/loki/api/v1/query_range?${new URLSearchParams({ query: expr })}`,
          );
          const body = (await res.json()) as { data: { result: { stream: { container?: string } }[] } };
          return body.data.result.some((s) => s.stream.container === oomer) || undefined;
        });
        expect(lines).toBe(true);
      }
    }
  });

  it("counts the restarts of the container the kernel keeps OOM-killing", async () => {
    const restarts = await waitFor("restarts of the OOM-killed container", async () => {
      const [s] = (await prom?.query(`max(container:restarts:changes15m{name="${oomer}"})`)) ?? [];
      return Number(s?.value[1]) > 0 && Number(s?.value[1]);
    });
    expect(restarts).toBeGreaterThan(0);
  });
});
