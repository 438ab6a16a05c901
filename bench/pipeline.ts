// Throughput and delay of the spine: a container's json-file log → collector → spool →
// aggregator → rows in the store, beside references measured in the same run:
//   - rsyslog forwarding the same kind of file over TCP to a second rsyslog (./rsyslog-forward.ts),
//   - the ceiling: raw inserts of the same rows into an embedded chDB (what the store can take),
//   - the source: how fast Docker itself writes those lines to its json-file.
// Also the collector's and rsyslog's CPU and RSS, and the delay from a line being printed to
// being queryable, beside the delay until Docker has it on disk. Writes its section of BENCHMARKS.md.
//
//   node bench/pipeline.ts [--lines 200000] [--rounds 3] [--latency-samples 40]
import { spawn } from "node:child_process";
import { open } from "node:fs/promises";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { Store } from "../aggregator/store/store.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../test/helpers/docker.ts";
import { freePort, getJson, startAggregator, startCollector, tempDir } from "../test/helpers/stack.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { type CatchUpRun, catchUp, type LiveRun, live, type Printer, type Reader } from "./lib/printer.ts";
import { watchProcess, writeBenchSection } from "./lib/report.ts";
import { pipelineSection } from "./pipeline-report.ts";
import { rsyslogReader, rsyslogVersion } from "./rsyslog-forward.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    "latency-samples": { type: "string", default: "40" },
  },
});
const N = Number(values.lines);
const ROUNDS = Number(values.rounds);
const SAMPLES = Number(values["latency-samples"]);
// The collector as deployed (default 10 s stats), minus what this bench does not feed it.
const COLLECTOR_FLAGS = ["--no-journal", "--stats-interval", "10s", "--metrics-listen", "off"];
const LINE = (i: number) =>
  `2026-11-22T00:00:00Z INFO bench-marker request ${i} served in 12ms path=/api/v1/items/${i} status=200 bytes=5120`;
const AWK = `BEGIN{for(i=1;i<=${N};i++) printf "2026-11-22T00:00:00Z INFO bench-marker request %d served in 12ms path=/api/v1/items/%d status=200 bytes=5120\\n", i, i}`;

/** Rows/s of ROUNDS raw inserts of the N rows, shaped as the pipeline stores them, into one embedded chDB. */
async function ceiling(dir: string): Promise<number[]> {
  const store = await Store.open({ dataDir: dir, retentionDays: 30, log: pino({ level: "silent" }) });
  const rows = Array.from({ length: N }, (_, i) => ({
    time: new Date(Date.now() + i).toISOString(),
    host: "bench",
    source: "docker-json",
    container_id: "c".repeat(64),
    container_name: "fs-test-bench-00000000",
    image: BUSYBOX,
    stream: "stdout",
    unit: "",
    identifier: "",
    pid: 0,
    severity_number: 9,
    severity_text: "INFO",
    body: LINE(i + 1),
    attributes: {},
    seq: i * 140,
  }));
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += 50_000) {
      await store.client.insert({
        table: "logs",
        values: rows.slice(i, i + 50_000),
        format: "JSONEachRow",
        clickhouse_settings: { date_time_input_format: "best_effort" },
      });
    }
    rates.push(N / ((performance.now() - t0) / 1000));
  }
  await store.close();
  return rates;
}

/**
 * fleetscope as a bench reader: a fresh collector (own spool) tails the json-file and ships to the
 * aggregator; the far end is the store's count for the container. A count costs the aggregator
 * real CPU, so it is asked every 500 ms until 90 % of the lines are in, then every 50 ms.
 */
function fleetscopeReader(url: string, spool: string, aggregatorPid: number, env: NodeJS.ProcessEnv = {}) {
  return async (p: Printer): Promise<Reader> => {
    const collector = await startCollector(url, spool, COLLECTOR_FLAGS, env);
    let last = 0;
    let askedAt = 0;
    return {
      watched: [
        { pid: collector.child.pid as number, fresh: true },
        { pid: aggregatorPid, fresh: false },
      ],
      async arrived() {
        if (last < 0.9 * N && performance.now() - askedAt < 500) return last;
        askedAt = performance.now();
        last = await storedCount(url, p.name);
        return last;
      },
      pollMs: 50,
      stop: async () => void (await collector.stop()),
    };
  };
}

let countQueries = 0;
async function storedCount(url: string, name: string): Promise<number> {
  countQueries++;
  return (await getJson<{ count: number }>(url, `/api/v1/logs/count?container=${name}&since=1h`)).count;
}

/** Aggregator CPU seconds per count query: 3 s idle, then 3 s of back-to-back counts, compared. */
async function countCost(url: string, aggregatorPid: number, name: string): Promise<number> {
  const quiet = watchProcess(aggregatorPid);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = quiet.stop().cpuCores;
  const busy = watchProcess(aggregatorPid);
  const t0 = performance.now();
  let n = 0;
  for (; performance.now() - t0 < 3000; n++) await storedCount(url, name);
  const { cpuSeconds } = busy.stop();
  return (cpuSeconds - idle * ((performance.now() - t0) / 1000)) / n;
}

async function latency(url: string) {
  const name = uniqueName("latency");
  const child = spawn("/usr/bin/docker", [
    "run",
    "-i",
    "--name",
    name,
    BUSYBOX,
    "sh",
    "-c",
    'while read l; do echo "$l"; done',
  ]);
  const id = await waitFor(
    "container running",
    async () =>
      (await docker("inspect", "-f", "{{.State.Running}} {{.Id}}", name).catch(() => "")).startsWith(
        "true",
      ) && (await docker("inspect", "-f", "{{.Id}}", name)),
  );
  const logPath = `/var/lib/docker/containers/${id}/${id}-json.log`;
  const toStore: number[] = [];
  const toDisk: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const marker = `lat-${name}-${i}-end`;
    const t0 = performance.now();
    child.stdin.write(`${marker}\n`);
    const fh = await open(logPath, "r");
    await waitFor("line on disk", async () => (await fh.readFile("utf8")).includes(marker), {
      intervalMs: 2,
    });
    toDisk.push(performance.now() - t0);
    await fh.close();
    await waitFor(
      "line queryable",
      async () =>
        (await getJson<{ count: number }>(url, `/api/v1/logs/count?container=${name}&q=${marker}&since=10m`))
          .count > 0,
      { intervalMs: 5 },
    );
    toStore.push(performance.now() - t0);
  }
  child.stdin.end();
  await removeContainers(name);
  return { toStore, toDisk };
}

const dir = await tempDir("bench-pipeline");
try {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const aggregator = await startAggregator(`${dir.path}/agg`, port);
  const aggPid = aggregator.child.pid as number;
  const spool = (name: string) => `${dir.path}/spool-${name}`;
  const fleetscope: LiveRun[] = [];
  const rsyslog: LiveRun[] = [];
  const fleetscopeCatchUp: CatchUpRun[] = [];
  const rsyslogCatchUp: CatchUpRun[] = [];
  let capped: LiveRun;
  let l: Awaited<ReturnType<typeof latency>>;
  const queriesPerRun: number[] = [];
  let perQuery: number;
  try {
    // Alternating within each round, so load from others on this shared machine falls on both alike.
    for (let i = 0; i < ROUNDS; i++) {
      rsyslog.push(await live(AWK, N, rsyslogReader(`${dir.path}/rsyslog-${i}`, true)));
      const before = countQueries;
      fleetscope.push(await live(AWK, N, fleetscopeReader(url, spool(`${i}`), aggPid)));
      queriesPerRun.push(countQueries - before);
      rsyslogCatchUp.push(await catchUp(AWK, N, rsyslogReader(`${dir.path}/rsyslog-c${i}`, false)));
      fleetscopeCatchUp.push(await catchUp(AWK, N, fleetscopeReader(url, spool(`c${i}`), aggPid)));
      const s = (x: { seconds: number }[]) => `${x[i]?.seconds.toFixed(2)} s`;
      console.log(
        `round ${i + 1}/${ROUNDS}: live rsyslog ${s(rsyslog)}, fleetscope ${s(fleetscope)}; catch-up rsyslog ${s(rsyslogCatchUp)}, fleetscope ${s(fleetscopeCatchUp)}`,
      );
    }
    // The same load once more with V8's heap capped: how much of the peak RSS is collectable slack.
    const cap = { NODE_OPTIONS: "--max-old-space-size=64" };
    capped = await live(AWK, N, fleetscopeReader(url, spool("capped"), aggPid, cap));
    perQuery = await countCost(url, aggPid, capped.name);
    const collector = await startCollector(url, spool("latency"), COLLECTOR_FLAGS);
    l = await latency(url).finally(() => collector.stop());
  } finally {
    await aggregator.stop();
  }
  // Last, with nothing else of ours running: chDB is embedded in this process and keeps merging.
  const ceilings = await ceiling(`${dir.path}/ceiling`);
  const md = pipelineSection({
    command: `node bench/pipeline.ts --lines ${N} --rounds ${ROUNDS} --latency-samples ${SAMPLES}`,
    n: N,
    rounds: ROUNDS,
    samples: SAMPLES,
    lineBytes: Array.from({ length: N }, (_, i) => LINE(i + 1).length + 1).reduce((a, b) => a + b, 0),
    rsyslogVersion: rsyslogVersion(),
    fleetscope,
    rsyslog,
    capped,
    fleetscopeCatchUp,
    rsyslogCatchUp,
    ceilings,
    latency: l,
    poll: { queriesPerRun, cpuSecondsPerQuery: perQuery },
  });
  await writeBenchSection("pipeline", md);
  console.log(md);
} finally {
  await dir.remove();
}
