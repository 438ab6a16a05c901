// A real Prometheus (Debian's) as a child process on a free loopback port, on a configuration the
// test writes, with PromQL and the rules/alerts API read the way Grafana and Alertmanager read them;
// and Debian's node-exporter beside it for the host figures.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { freePort } from "./stack.ts";
import { waitFor } from "./wait.ts";

const PROMETHEUS = process.env.FLEETSCOPE_TEST_PROMETHEUS ?? "prometheus";

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PromRule {
  name: string;
  type: "recording" | "alerting";
  health: string;
  lastError?: string;
  lastEvaluation: string;
}

export interface PromAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
}

export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

export interface RunningPrometheus {
  url: string;
  query(promql: string): Promise<PromSample[]>;
  /** A range query over the last `seconds`, as a Grafana panel sends it. */
  queryRange(promql: string, seconds: number, stepSeconds: number): Promise<PromSeries[]>;
  /** Values of `label` on the series matching `match`, as Grafana's label_values(match, label) asks. */
  labelValues(label: string, match: string): Promise<string[]>;
  rules(): Promise<PromRule[]>;
  alerts(): Promise<PromAlert[]>;
  stop(): Promise<void>;
}

/** `data` of a Prometheus API answer, or an error naming the path and what came back. */
async function apiData<T>(url: string, path: string): Promise<T> {
  const res = await fetch(`${url}${path}`);
  const body = (await res.json()) as { status: string; data: T };
  if (!res.ok || body.status !== "success")
    throw new Error(`GET ${path} → ${res.status}: ${JSON.stringify(body)}`);
  return body.data;
}

/**
 * Starts Prometheus on `config` (a prometheus.yml as an object) with its TSDB under `dir`, and waits
 * until it is ready. Stop it with stop(); the caller removes `dir`.
 */
export async function startPrometheus(dir: string, config: object): Promise<RunningPrometheus> {
  const file = join(dir, "prometheus.yml");
  await writeFile(file, stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [`--config.file=${file}`, `--storage.tsdb.path=${join(dir, "tsdb")}`];
  const child = spawn(PROMETHEUS, [...args, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  const stop = () => stopChild(child);
  await waitFor("Prometheus to be ready", async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited:\n${log.slice(-2000)}`);
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  return {
    url,
    query: async (promql) =>
      (await apiData<{ result: PromSample[] }>(url, `/api/v1/query?query=${encodeURIComponent(promql)}`))
        .result,
    queryRange: async (promql, seconds, step) => {
      const end = Date.now() / 1000;
      const q = `query=${encodeURIComponent(promql)}&start=${end - seconds}&end=${end}&step=${step}`;
      return (await apiData<{ result: PromSeries[] }>(url, `/api/v1/query_range?${q}`)).result;
    },
    labelValues: (label, match) =>
      apiData<string[]>(
        url,
        `/api/v1/label/${encodeURIComponent(label)}/values?match[]=${encodeURIComponent(match)}`,
      ),
    rules: async () =>
      (await apiData<{ groups: { rules: PromRule[] }[] }>(url, "/api/v1/rules")).groups.flatMap(
        (g) => g.rules,
      ),
    alerts: async () => (await apiData<{ alerts: PromAlert[] }>(url, "/api/v1/alerts")).alerts,
    stop,
  };
}

const NODE_EXPORTER = process.env.FLEETSCOPE_TEST_NODE_EXPORTER ?? "/usr/bin/prometheus-node-exporter";

/** Debian's prometheus-node-exporter on a free loopback port; resolves with its host:port once it serves. */
export async function startNodeExporter(): Promise<{ target: string; stop(): Promise<void> }> {
  const port = await freePort();
  const target = `127.0.0.1:${port}`;
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=${target}`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (d) => (log += d));
  const stop = () => stopChild(child);
  await waitFor("node-exporter to serve /metrics", async () => {
    if (child.exitCode !== null) throw new Error(`node-exporter exited:\n${log.slice(-2000)}`);
    return (await fetch(`http://${target}/metrics`).catch(() => undefined))?.ok === true;
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  return { target, stop };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}
