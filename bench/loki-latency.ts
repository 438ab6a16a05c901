// The Loki-compatible API beside fleetscope's own for the same question, on a big store: a
// container's newest 50 lines, and those of them holding a word, asked as LogQL through
// /loki/api/v1/query_range and as parameters through /api/v1/logs. Both go to one aggregator,
// calls alternating, so the ratio is the cost of the LogQL path (parse, translate, stream shape).
// The store is filled by bench/why-latency.ts's --fill mode (the same rows: 1000 containers on
// 10 hosts over 6 hours). Writes its section of BENCHMARKS.md.
//
//   node bench/loki-latency.ts [--logs 10000000] [--calls 40]
import { execFile } from "node:child_process";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { freePort, getJson, REPO, startAggregator, tempDir } from "../test/helpers/stack.ts";
import { fmt, percentile, wholeArg, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    logs: { type: "string", default: "10000000" },
    calls: { type: "string", default: "40" },
  },
});
const LOGS = wholeArg("logs", values.logs);
const CALLS = wholeArg("calls", values.calls);
const CONTAINERS = 1000; // as why-latency.ts fills them: c-0 … c-999

/** The same question both ways: the API path of each. */
interface Question {
  what: string;
  loki: (c: string, startNs: bigint, endNs: bigint) => string;
  own: (c: string) => string;
}

const QUESTIONS: Question[] = [
  {
    what: "a container's newest 50 lines",
    loki: (c, s, e) =>
      `/loki/api/v1/query_range?${new URLSearchParams({ query: `{container="${c}"}`, limit: "50", start: String(s), end: String(e), direction: "backward" })}`,
    own: (c) => `/api/v1/logs?container=${c}&limit=50&since=7h`,
  },
  {
    what: 'its newest 50 lines holding "served in 42 ms"',
    loki: (c, s, e) =>
      `/loki/api/v1/query_range?${new URLSearchParams({ query: `{container="${c}"} |= "served in 42 ms"`, limit: "50", start: String(s), end: String(e), direction: "backward" })}`,
    own: (c) => `/api/v1/logs?container=${c}&limit=50&since=7h&q=${encodeURIComponent('"served in 42 ms"')}`,
  },
];

/** Lines in either answer: Loki's streams' values, or /api/v1/logs's rows. */
type Answer = { data?: { result: { values: unknown[] }[] }; logs?: unknown[] };
const linesIn = (a: Answer) => a.logs?.length ?? a.data?.result.reduce((n, s) => n + s.values.length, 0) ?? 0;

/** Milliseconds the call took; each answer must hold `expect` lines (both ways answer alike). */
async function timed(url: string, path: string, lines: number[]): Promise<number> {
  const t0 = performance.now();
  const answer = await getJson<Answer>(url, path);
  const ms = performance.now() - t0;
  lines.push(linesIn(answer));
  return ms;
}

async function main() {
  const dir = await tempDir("bench-loki");
  try {
    const now = Date.now();
    console.log(`filling ${LOGS.toLocaleString("en-US")} log rows…`);
    const t0 = performance.now();
    await promisify(execFile)(
      process.execPath,
      [join(REPO, "bench/why-latency.ts"), "--logs", String(LOGS), "--samples", "1000"].concat([
        "--fill",
        join(dir.path, "store"),
        "--now",
        String(now),
      ]),
      { maxBuffer: 1 << 24 },
    );
    const fillSeconds = (performance.now() - t0) / 1000;
    const port = await freePort();
    const agg = await startAggregator(dir.path, port);
    const url = `http://127.0.0.1:${port}`;
    const times = QUESTIONS.map(() => ({ loki: [] as number[], own: [] as number[] }));
    try {
      const endNs = BigInt(Date.now() + 60_000) * 1_000_000n;
      const startNs = endNs - 7n * 3600n * 1_000_000_000n;
      for (let i = 0; i < CALLS + 5; i++) {
        const c = `c-${(i * 37) % CONTAINERS}`;
        for (const [k, q] of QUESTIONS.entries()) {
          const lines: number[] = [];
          const pair = [
            () => timed(url, q.loki(c, startNs, endNs), lines),
            () => timed(url, q.own(c), lines),
          ];
          const [a, b] = i % 2 === 0 ? pair : [...pair].reverse();
          const first = await (a as () => Promise<number>)();
          const second = await (b as () => Promise<number>)();
          if (lines[0] !== lines[1] || lines[0] === 0)
            throw new Error(
              `${q.what} of ${c}: ${lines.join(" and ")} lines — the two ways must answer alike`,
            );
          if (i < 5) continue; // the first calls warm caches
          const [loki, own] = i % 2 === 0 ? [first, second] : [second, first];
          times[k]?.loki.push(loki);
          times[k]?.own.push(own);
        }
      }
    } finally {
      await agg.stop();
    }
    const p = (xs: number[], q: number) => fmt(percentile(xs, q), 1);
    const rows = QUESTIONS.map((q, k) => {
      const t = times[k] as { loki: number[]; own: number[] };
      const r = (pc: number) => fmt(percentile(t.loki, pc) / percentile(t.own, pc), 2);
      return `| ${q.what} | ${p(t.loki, 50)} / ${p(t.loki, 95)} | ${p(t.own, 50)} / ${p(t.own, 95)} | ${r(50)}× / ${r(95)}× |`;
    });
    const md = `## The Loki-compatible API beside /api/v1/logs

Command: \`node bench/loki-latency.ts --logs ${LOGS} --calls ${CALLS}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores, embedded chDB.
Store: ${LOGS.toLocaleString("en-US")} log rows over ${CONTAINERS} containers on 10 hosts over 6 hours (bench/why-latency.ts's fill, ${fmt(fillSeconds)} s).
One aggregator; each question asked both ways for ${CALLS} containers (after 5 warm-up calls), the order alternating.
LogQL goes to \`/loki/api/v1/query_range\` (a 7-hour window, backward, limit 50), the same question as parameters to \`/api/v1/logs\`.

| question (same run), ms | Loki API p50 / p95 | /api/v1/logs p50 / p95 | Loki ÷ own (p50 / p95) |
|---|---|---|---|
${rows.join("\n")}`;
    await writeBenchSection("loki", md);
    console.log(md);
  } finally {
    await dir.remove();
  }
}

await main();
