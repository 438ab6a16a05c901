// `why` against a big store, and how soon an incident follows a death — each beside a reference
// measured in the same run:
//   - GET /api/v1/why (p50/p95) over a store of --logs log rows and --samples samples spread over
//     1000 containers on 10 hosts, beside GET /api/v1/logs?container=…&limit=50 (one of the
//     queries `why` makes) on the same store;
//   - the delay from a container's death to its OOM incident being visible, beside the delay
//     until its die event is queryable, on a live `fleetscope up`.
// Writes its section of BENCHMARKS.md.
//
//   node bench/why-latency.ts [--logs 10000000] [--samples 1000000] [--calls 40] [--deaths 5]
import { parseArgs } from "node:util";
import { pino } from "pino";
import { Store } from "../aggregator/store/store.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../test/helpers/docker.ts";
import { freePort, getJson, startAggregator, startUp, tempDir } from "../test/helpers/stack.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { fmt, percentile, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    logs: { type: "string", default: "10000000" },
    samples: { type: "string", default: "1000000" },
    calls: { type: "string", default: "40" },
    deaths: { type: "string", default: "5" },
  },
});
const LOGS = Number(values.logs);
const SAMPLES = Number(values.samples);
const CALLS = Number(values.calls);
const DEATHS = Number(values.deaths);
const CONTAINERS = 1000;
const HOSTS = 10;
const BATCH = 100_000;
const now = Date.now();
const hostOf = (c: number) => `host-${c % HOSTS}`;
const idOf = (c: number) => c.toString(16).padStart(64, "0");

async function fill(dir: string): Promise<number> {
  const store = await Store.open({ dataDir: dir, retentionDays: 30, log: pino({ level: "silent" }) });
  const t0 = performance.now();
  const spanMs = 6 * 3600_000;
  for (let i = 0; i < LOGS; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, LOGS - i) }, (_, k) => {
      const n = i + k;
      const c = n % CONTAINERS;
      return {
        time: new Date(now - spanMs + Math.floor((n / LOGS) * spanMs)).toISOString(),
        host: hostOf(c),
        source: "docker-json",
        container_id: idOf(c),
        container_name: `c-${c}`,
        image: `app:${c % 7}`,
        stream: n % 5 === 0 ? "stderr" : "stdout",
        severity_number: 0,
        body: `request ${n} served in ${n % 97} ms path=/api/items/${n % 1000}`,
        attributes: {},
        seq: n,
      };
    });
    await store.client.insert({
      table: "logs",
      values: rows,
      format: "JSONEachRow",
      clickhouse_settings: { date_time_input_format: "best_effort" },
    });
  }
  const perContainer = Math.max(1, Math.floor(SAMPLES / CONTAINERS));
  for (let i = 0; i < SAMPLES; i += BATCH) {
    const rows = Array.from({ length: Math.min(BATCH, SAMPLES - i) }, (_, k) => {
      const n = i + k;
      const c = n % CONTAINERS;
      const step = Math.floor(n / CONTAINERS);
      return {
        time: new Date(now - (perContainer - step) * 10_000).toISOString(),
        host: hostOf(c),
        container_id: idOf(c),
        container_name: `c-${c}`,
        image: `app:${c % 7}`,
        origin: "cgroup",
        cpu_usage_seconds: step,
        cpu_cores: 0.1,
        memory_usage_bytes: 1e7 + step * 1000,
        memory_working_set_bytes: 9e6 + step * 1000,
        memory_limit_bytes: 6.7e7,
        pids: 3,
      };
    });
    await store.client.insert({
      table: "samples",
      values: rows,
      format: "JSONEachRow",
      clickhouse_settings: { date_time_input_format: "best_effort" },
    });
  }
  const events = Array.from({ length: CONTAINERS }, (_, c) => [
    {
      time: new Date(now - 3600_000).toISOString(),
      host: hostOf(c),
      type: "container",
      action: "start",
      container_id: idOf(c),
      container_name: `c-${c}`,
      image: `app:${c % 7}`,
      exit_code: null,
      attributes: {},
    },
    {
      time: new Date(now - 60_000).toISOString(),
      host: hostOf(c),
      type: "container",
      action: "die",
      container_id: idOf(c),
      container_name: `c-${c}`,
      image: `app:${c % 7}`,
      exit_code: 1,
      attributes: {},
    },
  ]).flat();
  const inventory = Array.from({ length: CONTAINERS }, (_, c) => ({
    time: new Date(now - 60_000).toISOString(),
    host: hostOf(c),
    container_id: idOf(c),
    container_name: `c-${c}`,
    image: `app:${c % 7}`,
    state: "exited",
    exit_code: 1,
    memory_limit_bytes: 6.7e7,
  }));
  const tables: [string, Record<string, unknown>[]][] = [
    ["events", events],
    ["containers", inventory],
  ];
  for (const [table, values] of tables) {
    await store.client.insert({
      table,
      values,
      format: "JSONEachRow",
      clickhouse_settings: { date_time_input_format: "best_effort" },
    });
  }
  await store.close();
  return (performance.now() - t0) / 1000;
}

async function timed(url: string, path: string): Promise<number> {
  const t0 = performance.now();
  await getJson(url, path);
  return performance.now() - t0;
}

async function deathToIncident(): Promise<{ toIncident: number[]; toEvent: number[] }> {
  const dir = await tempDir("bench-why-live");
  const up = await startUp(dir.path);
  const toIncident: number[] = [];
  const toEvent: number[] = [];
  try {
    for (let i = 0; i < DEATHS; i++) {
      const name = uniqueName("bench-oom");
      await docker(
        "run",
        "--name",
        name,
        "--memory",
        "16m",
        "--memory-swap",
        "16m",
        BUSYBOX,
        "tail",
        "/dev/zero",
      ).catch(() => undefined);
      const diedAt = Date.parse(await docker("inspect", "-f", "{{.State.FinishedAt}}", name));
      await waitFor(
        "the die event",
        async () =>
          (await getJson<{ count: number }>(up.url, `/api/v1/events?container=${name}&action=die`)).count > 0,
        { intervalMs: 20 },
      );
      toEvent.push(Date.now() - diedAt);
      await waitFor(
        "the oom incident",
        async () =>
          (await getJson<{ count: number }>(up.url, `/api/v1/incidents?container=${name}&kind=oom`)).count >
          0,
        { intervalMs: 20 },
      );
      toIncident.push(Date.now() - diedAt);
      await removeContainers(name);
    }
  } finally {
    await up.proc.stop();
    await dir.remove();
  }
  return { toIncident, toEvent };
}

const dir = await tempDir("bench-why");
try {
  console.log(
    `filling ${LOGS.toLocaleString("en-US")} log rows and ${SAMPLES.toLocaleString("en-US")} samples…`,
  );
  const fillSeconds = await fill(`${dir.path}/store`);
  const port = await freePort();
  const agg = await startAggregator(dir.path, port);
  const url = `http://127.0.0.1:${port}`;
  const why: number[] = [];
  const logs: number[] = [];
  try {
    for (let i = 0; i < CALLS + 5; i++) {
      const c = `c-${(i * 37) % CONTAINERS}`;
      const w = await timed(url, `/api/v1/why?container=${c}&lines=50`);
      const l = await timed(url, `/api/v1/logs?container=${c}&limit=50&since=7h`);
      if (i < 5) continue; // the first calls warm caches
      why.push(w);
      logs.push(l);
    }
  } finally {
    await agg.stop();
  }
  const live = await deathToIncident();
  const md = `## \`why\` on a big store, and death → incident

Command: \`node bench/why-latency.ts --logs ${LOGS} --samples ${SAMPLES} --calls ${CALLS} --deaths ${DEATHS}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores, embedded chDB.
Store: ${LOGS.toLocaleString("en-US")} log rows and ${SAMPLES.toLocaleString("en-US")} samples over ${CONTAINERS} containers on ${HOSTS} hosts (filled in ${fmt(fillSeconds)} s), one death each.

| what (same run) | p50 | p95 | ratio (p50) |
|---|---|---|---|
| GET /api/v1/why?container=…&lines=50 (${CALLS} calls, different containers) | ${fmt(percentile(why, 50), 1)} ms | ${fmt(percentile(why, 95), 1)} ms | ${fmt(percentile(why, 50) / percentile(logs, 50), 1)}× the reference |
| reference: GET /api/v1/logs?container=…&limit=50&since=7h (one of the queries why makes) | ${fmt(percentile(logs, 50), 1)} ms | ${fmt(percentile(logs, 95), 1)} ms | 1 |
| live: container OOM death → its oom incident queryable (${DEATHS} deaths) | ${fmt(percentile(live.toIncident, 50))} ms | ${fmt(percentile(live.toIncident, 95))} ms | ${fmt(percentile(live.toIncident, 50) / percentile(live.toEvent, 50), 1)}× the reference |
| reference: the same death → its die event queryable | ${fmt(percentile(live.toEvent, 50))} ms | ${fmt(percentile(live.toEvent, 95))} ms | 1 |

The incident detector runs every 2 s over the stored evidence, which bounds the extra delay.`;
  await writeBenchSection("why", md);
  console.log(md);
} finally {
  await dir.remove();
}
