// Throughput and delay of the spine: a container's json-file log → collector → spool →
// aggregator → rows in the store, beside references measured in the same run:
//   - rsyslog forwarding the same kind of file over TCP to a second rsyslog (./rsyslog-forward.ts),
//   - the ceiling: raw inserts of the same rows into an embedded chDB (what the store can take),
//   - the source: how fast Docker itself writes those lines to its json-file.
// Also the collector's and rsyslog's CPU and RSS, and the delay from a line being printed to
// being queryable, beside the delay until Docker has it on disk. Writes its section of BENCHMARKS.md.
//
// With --before DIR (a checkout of the code before a change, node_modules in place), that
// checkout's collector and aggregator run the same live and catch-up loads in each round beside
// this checkout's, alternating, and the section shows both, their ratio and the goal.
//
//   node bench/pipeline.ts [--lines 200000] [--rounds 3] [--latency-samples 40] [--before DIR] [--latency-only]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { open } from "node:fs/promises";
import { parseArgs } from "node:util";
import { pino } from "pino";
import { Store } from "../aggregator/store/store.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../test/helpers/docker.ts";
import {
  CLI,
  cliOf,
  freePort,
  getJson,
  startAggregator,
  startCollector,
  tempDir,
} from "../test/helpers/stack.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { BENCH_COLLECTOR_FLAGS, benchLine, benchLinesAwk } from "./lib/bench-lines.ts";
import { type CatchUpRun, catchUp, type LiveRun, live, type Printer, type Reader } from "./lib/printer.ts";
import { percentile, watchProcess, writeBenchSection } from "./lib/report.ts";
import { pipelineSection } from "./pipeline-report.ts";
import { rsyslogReader, rsyslogVersion } from "./rsyslog-forward.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "200000" },
    rounds: { type: "string", default: "3" },
    "latency-samples": { type: "string", default: "40" },
    before: { type: "string" },
    // Only the delay samples (quiet, then flooded) of each side, printed, BENCHMARKS.md untouched:
    // for trying a change to the delay quickly.
    "latency-only": { type: "boolean", default: false },
  },
});
if (values.before !== undefined && !existsSync(cliOf(values.before)))
  throw new Error(
    `--before ${values.before}: no ${cliOf(values.before)} there; give a checkout of fleetscope`,
  );
const N = Number(values.lines);
const ROUNDS = Number(values.rounds);
const SAMPLES = Number(values["latency-samples"]);
const AWK = benchLinesAwk(N);

/**
 * Rows/s of ROUNDS raw inserts of the N rows, shaped as the pipeline stores them, into one embedded
 * chDB, and the CPU µs each row cost this process (chDB's threads included).
 */
async function ceiling(dir: string): Promise<{ rates: number[]; cpuUsPerRow: number[] }> {
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
    body: benchLine(i + 1),
    attributes: {},
    seq: i * 140,
  }));
  const rates: number[] = [];
  const cpuUsPerRow: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < rows.length; i += 50_000) {
      await store.client.insert({
        table: "logs",
        values: rows.slice(i, i + 50_000),
        format: "JSONEachRow",
        clickhouse_settings: { date_time_input_format: "best_effort" },
      });
    }
    rates.push(N / ((performance.now() - t0) / 1000));
    const cpu = process.cpuUsage(cpu0);
    cpuUsPerRow.push((cpu.user + cpu.system) / N);
  }
  await store.close();
  return { rates, cpuUsPerRow };
}

/**
 * fleetscope as a bench reader: a fresh collector (own spool) tails the json-file and ships to the
 * aggregator; the far end is the store's count for the container. A count costs the aggregator
 * real CPU, so it is asked every 500 ms until 90 % of the lines are in, then every 50 ms.
 */
function fleetscopeReader(
  url: string,
  spool: string,
  aggregatorPid: number,
  env: NodeJS.ProcessEnv = {},
  cli = CLI,
) {
  return async (p: Printer): Promise<Reader> => {
    const collector = await startCollector(url, spool, BENCH_COLLECTOR_FLAGS, env, cli);
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

/**
 * Printed → queryable for SAMPLES lines, one at a time. A line not queryable within `limitMs`
 * counts as `limitMs` and ends the samples: under a flood the collector may fall ever further
 * behind, and the bench then says "at least this" instead of waiting without end.
 */
async function latency(url: string, limitMs = 60_000) {
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
    const queryable = await waitFor(
      "line queryable",
      async () =>
        (await getJson<{ count: number }>(url, `/api/v1/logs/count?container=${name}&q=${marker}&since=10m`))
          .count > 0,
      { intervalMs: 5, timeoutMs: limitMs },
    ).catch(() => false);
    toStore.push(queryable ? performance.now() - t0 : limitMs);
    if (!queryable) break;
  }
  child.stdin.end();
  await removeContainers(name);
  return { toStore, toDisk };
}

/** A container printing as fast as it can until removed: the other tenant of the latency runs. */
async function flood(): Promise<{ stop: () => Promise<void> }> {
  const name = uniqueName("flood");
  await docker("run", "-d", "--name", name, BUSYBOX, "awk", FLOOD_AWK);
  return { stop: () => removeContainers(name) };
}
const FLOOD_AWK = `BEGIN{for(i=1;;i++) printf "2026-11-22T00:00:00Z INFO flood request %d served in 12ms path=/api/v1/items/%d status=200 bytes=5120\\n", i, i}`;

type Latency = Awaited<ReturnType<typeof latency>>;
/** How long a flooded sample may take before it counts as this long and the samples end. */
const FLOODED_LIMIT_MS = 20_000;

/** The delay samples on a quiet machine, then again while another container floods its log. */
async function latencies(url: string, spoolDir: string, cli: string) {
  const collector = await startCollector(url, spoolDir, BENCH_COLLECTOR_FLAGS, {}, cli);
  try {
    const quiet = await latency(url);
    const f = await flood();
    const flooded = await latency(url, FLOODED_LIMIT_MS).finally(() => f.stop());
    return { quiet, flooded };
  } finally {
    await collector.stop();
  }
}

/** One checkout's aggregator and what its runs measured. */
interface Side {
  cli: string;
  url: string;
  aggPid: number;
  aggregator: Awaited<ReturnType<typeof startAggregator>>;
  live: LiveRun[];
  catchUp: CatchUpRun[];
  queriesPerRun: number[];
  latency?: { quiet: Latency; flooded: Latency };
}

async function startSide(dataDir: string, cli: string): Promise<Side> {
  const port = await freePort();
  const aggregator = await startAggregator(dataDir, port, [], "http", cli);
  const url = `http://127.0.0.1:${port}`;
  return {
    cli,
    url,
    aggPid: aggregator.child.pid as number,
    aggregator,
    live: [],
    catchUp: [],
    queriesPerRun: [],
  };
}

/** --latency-only: each side's delay samples, printed. */
async function latencyOnly(dir: string): Promise<void> {
  const sides = [await startSide(`${dir}/agg`, CLI)];
  if (values.before !== undefined) sides.push(await startSide(`${dir}/agg-before`, cliOf(values.before)));
  const ms = (xs: number[]) =>
    `p50 ${percentile(xs, 50).toFixed(0)} / p95 ${percentile(xs, 95).toFixed(0)} ms (${xs.length} samples)`;
  try {
    for (const [i, s] of sides.entries()) {
      const l = await latencies(s.url, `${dir}/spool-latency-${i}`, s.cli);
      console.log(
        `${i === 0 ? "after" : "before"}: quiet ${ms(l.quiet.toStore)}; flooded ${ms(l.flooded.toStore)}`,
      );
    }
  } finally {
    for (const s of sides) await s.aggregator.stop();
  }
}

const dir = await tempDir("bench-pipeline");
if (values["latency-only"]) {
  await latencyOnly(dir.path).finally(() => dir.remove());
  process.exit(0);
}
try {
  const after = await startSide(`${dir.path}/agg`, CLI);
  const sides = [after];
  const spool = (name: string) => `${dir.path}/spool-${name}`;
  const rsyslog: LiveRun[] = [];
  const rsyslogCatchUp: CatchUpRun[] = [];
  let capped: LiveRun;
  let perQuery: number;
  let before: Side | undefined;
  try {
    if (values.before !== undefined) {
      before = await startSide(`${dir.path}/agg-before`, cliOf(values.before));
      sides.unshift(before);
    }
    const tag = (s: Side) => (s === before ? "before" : "after");
    // Alternating within each round, so load from others on this shared machine falls on both alike.
    for (let i = 0; i < ROUNDS; i++) {
      rsyslog.push(await live(AWK, N, rsyslogReader(`${dir.path}/rsyslog-${i}`, true)));
      for (const s of sides) {
        const q = countQueries;
        s.live.push(
          await live(AWK, N, fleetscopeReader(s.url, spool(`${tag(s)}-${i}`), s.aggPid, {}, s.cli)),
        );
        s.queriesPerRun.push(countQueries - q);
      }
      rsyslogCatchUp.push(await catchUp(AWK, N, rsyslogReader(`${dir.path}/rsyslog-c${i}`, false)));
      for (const s of sides)
        s.catchUp.push(
          await catchUp(AWK, N, fleetscopeReader(s.url, spool(`${tag(s)}-c${i}`), s.aggPid, {}, s.cli)),
        );
      const t = (x: { seconds: number }[]) => `${x[i]?.seconds.toFixed(2)} s`;
      console.log(
        `round ${i + 1}/${ROUNDS}: live rsyslog ${t(rsyslog)}, ${sides.map((s) => `${tag(s)} ${t(s.live)}`).join(", ")}; catch-up rsyslog ${t(rsyslogCatchUp)}, ${sides.map((s) => `${tag(s)} ${t(s.catchUp)}`).join(", ")}`,
      );
    }
    // The same load once more with V8's heap capped: how much of the peak RSS is collectable slack.
    const cap = { NODE_OPTIONS: "--max-old-space-size=64" };
    capped = await live(AWK, N, fleetscopeReader(after.url, spool("capped"), after.aggPid, cap));
    perQuery = await countCost(after.url, after.aggPid, capped.name);
    for (const s of sides) s.latency = await latencies(s.url, spool(`${tag(s)}-latency`), s.cli);
  } finally {
    for (const s of sides) await s.aggregator.stop();
  }
  // Last, with nothing else of ours running: chDB is embedded in this process and keeps merging.
  const ceilings = await ceiling(`${dir.path}/ceiling`);
  const measured = (s: Side) => ({
    fleetscope: s.live,
    fleetscopeCatchUp: s.catchUp,
    latency: s.latency as NonNullable<Side["latency"]>,
    queriesPerRun: s.queriesPerRun,
  });
  const md = pipelineSection({
    command: `node bench/pipeline.ts --lines ${N} --rounds ${ROUNDS} --latency-samples ${SAMPLES}${before ? ` --before ${values.before}` : ""}`,
    n: N,
    rounds: ROUNDS,
    samples: SAMPLES,
    lineBytes: Array.from({ length: N }, (_, i) => benchLine(i + 1).length + 1).reduce((a, b) => a + b, 0),
    rsyslogVersion: rsyslogVersion(),
    ...measured(after),
    before: before && measured(before),
    rsyslog,
    capped,
    rsyslogCatchUp,
    ceilings: ceilings.rates,
    ceilingCpuUsPerRow: ceilings.cpuUsPerRow,
    poll: { queriesPerRun: after.queriesPerRun, cpuSecondsPerQuery: perQuery },
  });
  await writeBenchSection("pipeline", md);
  console.log(md);
} finally {
  await dir.remove();
}
