// The store's footprint: what one log line costs on disk, and what the aggregator holds in memory
// while it ingests them. The pipeline bench's lines go the real way — a busybox container's
// json-file → a collector → the aggregator's ingest API → embedded chDB — into a fresh aggregator
// per run, so its VmHWM is that run's peak RSS. Disk is read from the stopped store's
// system.parts and system.columns, as ingested and after merging to one part.
// Runs alternate between the configurations: with --before, the code before a change (its own
// aggregator and collector) beside this checkout's; this checkout's at the default --store-memory,
// at a low one, and at the low one with V8's old space capped too.
//
//   node bench/store-footprint.ts [--lines 200000] [--rounds 1] [--low-memory 256MiB] [--before DIR]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { createClient } from "@clickhouse/client";
import { getJson, rememberToken } from "../test/helpers/api.ts";
import {
  adminToken,
  CLI,
  cliOf,
  type FleetscopeProcess,
  fleetscope,
  freePort,
  startCollector,
  tempDir,
} from "../test/helpers/stack.ts";
import { BENCH_COLLECTOR_FLAGS, benchLine, benchLinesAwk } from "./lib/bench-lines.ts";
import { type LiveRun, live, type Printer, type Reader } from "./lib/printer.ts";
import { fmt, MiB, median, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "200000" },
    rounds: { type: "string", default: "1" },
    "low-memory": { type: "string", default: "256MiB" },
    before: { type: "string" },
  },
});
const N = Number(values.lines);
const ROUNDS = Number(values.rounds);
const LOW = values["low-memory"] as string;
const V8_CAP_MIB = 256;
const AWK = benchLinesAwk(N);
const BENCH_PREFIX = benchLine(1).split(" request ")[0] as string;

interface Config {
  label: string;
  cli: string;
  flags: string[];
  env: NodeJS.ProcessEnv;
}

const CONFIGS: Config[] = [
  ...(values.before ? [{ label: "before", cli: cliOf(values.before), flags: [], env: {} }] : []),
  { label: "after", cli: CLI, flags: [], env: {} },
  { label: `after, --store-memory ${LOW}`, cli: CLI, flags: lowMemoryFlags(), env: {} },
  {
    label: `after, --store-memory ${LOW} + NODE_OPTIONS=--max-old-space-size=${V8_CAP_MIB}`,
    cli: CLI,
    flags: lowMemoryFlags(),
    env: { NODE_OPTIONS: `--max-old-space-size=${V8_CAP_MIB}` },
  },
];

/** The low bound, with a read's bound (--query-memory) halved to fit under it. */
function lowMemoryFlags(): string[] {
  return ["--store-memory", LOW, "--query-memory", `${Math.floor(parseMiB(LOW) / 2)}MiB`];
}

function parseMiB(size: string): number {
  const m = /^(\d+)(MiB|GiB)$/.exec(size);
  if (!m) throw new Error(`--low-memory takes a size in MiB or GiB such as 256MiB, got ${size}`);
  return Number(m[1]) * (m[2] === "GiB" ? 1024 : 1);
}

interface PartsFigures {
  parts: number;
  rows: number;
  disk: number;
  compressed: number;
  uncompressed: number;
  indexBytes: number;
}

interface StoreFigures {
  textBytes: number;
  benchRows: number;
  ingested: PartsFigures;
  merged: PartsFigures;
  columns: { name: string; codec: string; bytes: number }[];
}

interface Run {
  config: Config;
  live: LiveRun;
  store: StoreFigures;
  start: StartMemory;
}

/** The aggregator's RSS once it serves, before any line: and of it, chDB's code mapped from its library. */
interface StartMemory {
  rss: number;
  chdbCode: number;
}

async function startMemory(pid: number): Promise<StartMemory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  let chdbCode = 0;
  let inChdb = false;
  for (const line of (await readFile(`/proc/${pid}/smaps`, "utf8")).split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ /.test(line);
    if (mapping) inChdb = /libchdb|chdb\.node/.test(line);
    else if (inChdb && line.startsWith("Rss:")) chdbCode += Number(/(\d+) kB/.exec(line)?.[1] ?? 0) * 1024;
  }
  return { rss, chdbCode };
}

const PARTS = `SELECT count() AS parts, sum(rows) AS rows, sum(bytes_on_disk) AS disk,
  sum(data_compressed_bytes) AS compressed, sum(data_uncompressed_bytes) AS uncompressed,
  sum(secondary_indices_compressed_bytes) AS indexBytes
  FROM system.parts WHERE active AND database = currentDatabase() AND table = 'logs'`;

/** A stopped aggregator's store, read directly (no migrations: a before store stays as it was). */
async function measureStore(storeDir: string): Promise<StoreFigures> {
  const { createChdbConnection } = await import("chdb/connection");
  type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>["connection"]>;
  const client = createClient({
    connection: createChdbConnection({ path: storeDir }) as unknown as Connection,
  });
  const all = async <T>(query: string) =>
    (await (await client.query({ query, format: "JSONEachRow" })).json<Record<string, string>>()).map(
      (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v])) as T,
    );
  try {
    const [text] = await all<{ textBytes: number; benchRows: number }>(
      `SELECT sum(length(body) + 1) AS textBytes, countIf(startsWith(body, '${BENCH_PREFIX}')) AS benchRows FROM logs`,
    );
    const [ingested] = await all<PartsFigures>(PARTS);
    // Wide even when small, so system.columns has each column's size (a compact part reports none).
    await client.command({
      query: "ALTER TABLE logs MODIFY SETTING min_bytes_for_wide_part = 0, min_rows_for_wide_part = 0",
    });
    await client.command({ query: "OPTIMIZE TABLE logs FINAL" });
    const [merged] = await all<PartsFigures>(PARTS);
    const columns = await all<{ name: string; codec: string; bytes: number }>(
      `SELECT name, compression_codec AS codec, data_compressed_bytes AS bytes FROM system.columns
       WHERE database = currentDatabase() AND table = 'logs' ORDER BY bytes DESC LIMIT 5`,
    );
    const [index] = await all<{ bytes: number }>(
      `SELECT sum(data_compressed_bytes) AS bytes FROM system.data_skipping_indices
       WHERE database = currentDatabase() AND table = 'logs' AND name = 'body_text'`,
    );
    columns.push({ name: "(index body_text)", codec: "text index", bytes: index?.bytes ?? 0 });
    return {
      ...(text as { textBytes: number; benchRows: number }),
      ingested: ingested as PartsFigures,
      merged: merged as PartsFigures,
      columns,
    };
  } finally {
    await client.close();
  }
}

async function startAggregatorOf(c: Config, dataDir: string, port: number): Promise<FleetscopeProcess> {
  const args = ["aggregator", "--data", dataDir, "--listen", `127.0.0.1:${port}`, "--log-level", "warn"];
  const p = fleetscope([...args, ...c.flags], c.env, c.cli);
  await p.ready("API on");
  rememberToken(`http://127.0.0.1:${port}`, await adminToken(dataDir));
  return p;
}

/** One live run of N lines into a fresh aggregator of `c`; its store is measured once it stopped. */
async function runOnce(c: Config, dir: string, i: number): Promise<Run> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = `${dir}/agg-${i}`;
  const aggregator = await startAggregatorOf(c, dataDir, port);
  try {
    const start = await startMemory(aggregator.child.pid as number);
    const run = await live(AWK, N, async (p: Printer): Promise<Reader> => {
      const collector = await startCollector(url, `${dir}/spool-${i}`, BENCH_COLLECTOR_FLAGS, {}, c.cli);
      return {
        watched: [{ pid: aggregator.child.pid as number, fresh: true }],
        arrived: async () =>
          (await getJson<{ count: number }>(url, `/api/v1/logs/count?container=${p.name}&since=1h`)).count,
        pollMs: 500,
        stop: async () => void (await collector.stop()),
      };
    });
    await aggregator.stop();
    return { config: c, live: run, store: await measureStore(`${dataDir}/store`), start };
  } finally {
    await aggregator.stop();
  }
}

const perLine = (bytes: number, s: StoreFigures) => bytes / s.merged.rows;
const medianOf = (runs: Run[], f: (r: Run) => number) => median(runs.map(f));

function figures(runs: Run[]) {
  return {
    textPerLine: medianOf(runs, (r) => perLine(r.store.textBytes, r.store)),
    diskIngested: medianOf(runs, (r) => r.store.ingested.disk / r.store.ingested.rows),
    partsIngested: medianOf(runs, (r) => r.store.ingested.parts),
    diskMerged: medianOf(runs, (r) => perLine(r.store.merged.disk, r.store)),
    ratioMerged: medianOf(runs, (r) => r.store.textBytes / r.store.merged.disk),
    ratioIngested: medianOf(runs, (r) => r.store.textBytes / r.store.ingested.disk),
    clickhouseRatio: medianOf(runs, (r) => r.store.merged.uncompressed / r.store.merged.compressed),
    indexPerLine: medianOf(runs, (r) => perLine(r.store.merged.indexBytes, r.store)),
    peakRss: medianOf(runs, (r) => r.live.usage[0]?.peakRssBytes ?? 0),
    startRss: medianOf(runs, (r) => r.start.rss),
    chdbCode: medianOf(runs, (r) => r.start.chdbCode),
    cpuPerLine: medianOf(runs, (r) => ((r.live.usage[0]?.cpuSeconds ?? 0) / N) * 1e6),
    linesPerSecond: medianOf(runs, (r) => N / r.live.seconds),
  };
}

function section(byConfig: Map<string, Run[]>): string {
  const after = figures(byConfig.get("after") ?? []);
  const beforeRuns = byConfig.get("before");
  const before = beforeRuns ? figures(beforeRuns) : undefined;
  const show = (v: number, digits: number, unit: string) =>
    unit === "MiB" ? `${fmt(v / MiB)} MiB` : `${fmt(v, digits)}${unit}`;
  const row = (
    what: string,
    k: keyof typeof after,
    digits: number,
    unit: string,
    goal: string,
    met: string,
  ) =>
    `| ${what} | ${before ? show(before[k], digits, unit) : "–"} | ${show(after[k], digits, unit)} | ${before ? `${fmt(after[k] / before[k], 2)}×` : "–"} | ${goal} | ${met} |`;
  const yes = (ok: boolean) => (ok ? "**met**" : "not met");
  const settings = CONFIGS.map((c) => {
    const f = figures(byConfig.get(c.label) ?? []);
    return `| ${c.label} | ${fmt(f.startRss / MiB)} MiB (${fmt(f.chdbCode / MiB)} MiB) | ${fmt(f.peakRss / MiB)} MiB | ${fmt(f.cpuPerLine, 1)} | ${fmt(f.linesPerSecond)} | ${yes(f.peakRss < 1024 * MiB)} |`;
  });
  const columns = (label: string) =>
    (byConfig.get(label)?.[0]?.store.columns ?? [])
      .map(
        (c) =>
          `${c.name} ${fmt(perLine(c.bytes, byConfig.get(label)?.[0]?.store as StoreFigures), 2)} B (${c.codec || "LZ4, the default"})`,
      )
      .join("; ");
  return `## Store footprint: bytes on disk per log line, and the aggregator's memory under ingest

Command: \`node bench/store-footprint.ts --lines ${N} --rounds ${ROUNDS} --low-memory ${LOW}${values.before ? ` --before ${values.before}` : ""}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores shared with other work, embedded chDB.
Each run: ${fmt(N)} pipeline-bench lines printed by a new busybox container (json-file) → a fresh collector → a fresh aggregator's ingest API → its store; ${ROUNDS} round(s), configurations alternating within a round, medians.
"before" is ${values.before ?? "not measured (no --before)"}; "after" is this checkout. Disk is read from the stopped store's \`system.parts\` (active parts of \`logs\`), as the aggregator left it and after \`OPTIMIZE TABLE logs FINAL\` (one wide part, the state background merges head for); per line = over every row of \`logs\` (the collector also stores other containers' lines on this shared host; ${fmt(median(CONFIGS.map((c) => byConfig.get(c.label)?.[0]?.store.benchRows ?? 0)))} of the rows are the bench's).

| per log line (same run) | before | after | after ÷ before | goal | |
|---|---|---|---|---|---|
${row("log text (body + newline)", "textPerLine", 1, " B", "", "")}
${row("on disk, merged (data, marks, indexes)", "diskMerged", 1, " B", "", "")}
${row("**text ÷ disk, merged**", "ratioMerged", 1, "×", "≥ 10×", yes(after.ratioMerged >= 10))}
${row("on disk as ingested", "diskIngested", 1, " B", "", "")}
${row("text ÷ disk as ingested", "ratioIngested", 1, "×", "", "")}
${row("parts as ingested", "partsIngested", 0, "", "", "")}
${row("ClickHouse's own ratio (data uncompressed ÷ compressed, merged)", "clickhouseRatio", 1, "×", "", "")}
${row("of which the body's text index", "indexPerLine", 2, " B", "", "")}
${row("aggregator peak RSS (VmHWM, default flags)", "peakRss", 0, "MiB", "< 1 GiB", yes(after.peakRss < 1024 * MiB))}

Largest on disk per line, merged (system.columns; the text index from system.data_skipping_indices):
${beforeRuns ? `- before: ${columns("before")}\n` : ""}- after: ${columns("after")}

| aggregator (same run) | RSS serving, before any line (of it chDB's code) | peak RSS under ingest | CPU µs per line | lines/s to queryable | peak < 1 GiB |
|---|---|---|---|---|---|
${settings.join("\n")}

\`--store-memory\` (default 4GiB) bounds everything chDB allocates (max_server_memory_usage, past which a read or insert fails
instead of the process growing) and gives its caches fixed shares of it (aggregator/store/memory.ts; left alone chDB takes
0.9 × RAM and 5 GiB per cache). At this load chDB's own allocations are a small part of the peak (about 120 MiB of its
MemoryTracking, profiled in-process), so the low setting changes little here. The rest is not the store's to bound: chDB's
code mapped from its 540 MB library and Node's, present from start-up (second column), and V8's heap, which grows with the
batches in flight on the ingest path and is bounded only when Node starts
(\`NODE_OPTIONS=--max-old-space-size=…\`, last row).`;
}

const dir = await tempDir("bench-store-footprint");
try {
  const byConfig = new Map<string, Run[]>();
  let i = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const c of CONFIGS) {
      const run = await runOnce(c, dir.path, i++);
      byConfig.set(c.label, [...(byConfig.get(c.label) ?? []), run]);
      console.log(
        `round ${round + 1} ${c.label}: ${run.live.seconds.toFixed(1)} s, peak RSS ${fmt((run.live.usage[0]?.peakRssBytes ?? 0) / MiB)} MiB, ${fmt(run.store.textBytes / run.store.merged.disk, 1)}× text ÷ disk`,
      );
    }
  }
  const md = section(byConfig);
  await writeBenchSection("store-footprint", md);
  console.log(md);
} finally {
  await dir.remove();
}
