// What `fleetscope top` costs while it sits there, beside htop in the same run: CPU and RSS over
// a window with 100 containers listed (refreshing every 2 s), and the time from a keypress to
// the redraw, both in real terminals (tmux) read the way a person sees them (capture-pane).
// With --before, the top of another checkout (the code before a change) runs beside this one's,
// against the same aggregator, in the same window. Writes its section of BENCHMARKS.md.
//
//   node bench/tui-idle.ts [--window 60] [--keys 40] [--before DIR]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { postBatch } from "../test/helpers/ingest.ts";
import { CLI, cliOf, freePort, startAggregator, tempDir } from "../test/helpers/stack.ts";
import { type ContainerSpec, syntheticFleet } from "../test/helpers/synthetic-fleet.ts";
import { Tmux } from "../test/helpers/tmux.ts";
import { fmt, MiB, percentile, processUsage, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    window: { type: "string", default: "60" },
    keys: { type: "string", default: "40" },
    before: { type: "string" },
  },
});
const WINDOW_S = Number(values.window);
const KEYS = Number(values.keys);
const CONTAINERS = 100;
/** The issue's goal for top, idle with 100 containers. */
const GOAL = { cpuPercent: 1.5, rssMiB: 150 };

interface Side {
  name: string;
  what: string;
  command: (url: string, data: string) => string[];
  ready: string;
  term: Tmux;
  pid: number;
  cpuStart: number;
  peak: number;
  cpu: number;
  latency: number[];
}

// --data: the CLI finds the aggregator's admin token there.
const topOf = (cli: string) => (url: string, data: string) => [
  process.execPath,
  cli,
  "top",
  "--url",
  url,
  "--data",
  data,
];

function side(name: string, what: string, command: Side["command"], ready: string): Side {
  return { name, what, command, ready, term: new Tmux(), pid: 0, cpuStart: 0, peak: 0, cpu: 0, latency: [] };
}

const sides: Side[] = [
  ...(values.before
    ? [side("before", `\`fleetscope top\` before (${values.before})`, topOf(cliOf(values.before)), "svc-")]
    : []),
  side("after", "`fleetscope top` after (this checkout)", topOf(CLI), "svc-"),
  side("htop", "reference: `htop`", () => ["htop"], "Load average"),
];

async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Sends Down or Up; how long until the captured screen differs. */
async function keyLatency(term: Tmux, i: number): Promise<number> {
  const before = await term.screen();
  const t0 = performance.now();
  await term.press(i % 2 ? "Up" : "Down");
  for (;;) {
    if ((await term.screen()) !== before) break;
    if (performance.now() - t0 > 5000) throw new Error("no redraw within 5 s of a key");
  }
  return performance.now() - t0;
}

/** All sides idle in the same window: CPU read at both ends, RSS every second. */
async function idleWindow(): Promise<void> {
  for (const s of sides) s.cpuStart = (await processUsage(s.pid)).cpuSeconds;
  const t0 = performance.now();
  while (performance.now() - t0 < WINDOW_S * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    for (const s of sides) s.peak = Math.max(s.peak, await vmRss(s.pid));
  }
  const wall = (performance.now() - t0) / 1000;
  for (const s of sides) s.cpu = (100 * ((await processUsage(s.pid)).cpuSeconds - s.cpuStart)) / wall;
}

const ratio = (after: number, before: number | undefined) => (before ? `${fmt(after / before, 2)}×` : "–");

function report(): string {
  const by = (name: string) => sides.find((s) => s.name === name);
  const [after, before] = [by("after") as Side, by("before")];
  const row = (s: Side) =>
    `| ${s.what} | ${fmt(s.cpu, 2)} | ${fmt(s.peak / MiB, 1)} MiB | ${fmt(percentile(s.latency, 50), 1)} ms | ${fmt(percentile(s.latency, 95), 1)} ms |`;
  const met = (ok: boolean) => (ok ? "met" : "not met");
  return `## \`fleetscope top\` idle cost and keypress latency, beside htop

Command: \`node bench/tui-idle.ts --window ${WINDOW_S} --keys ${KEYS}${values.before ? ` --before ${values.before}` : ""}\` (after \`bash scripts/setup-host.sh\`, which installs tmux and htop), ${new Date().toISOString().slice(0, 10)}, 2 cores.
${CONTAINERS} containers on 10 hosts loaded into an aggregator (embedded chDB) through its ingest API; ${values.before ? "the `fleetscope top` of the code before the change and this checkout's" : "`fleetscope top`"} on its containers view (refresh every 2 s) and Debian's \`htop\` (its default 1.5 s refresh, this machine's processes), each in a 120×40 tmux session, all idle in the same ${WINDOW_S} s window; then ${KEYS} keys (Down/Up) to each, in turn, timed from \`tmux send-keys\` until \`tmux capture-pane\` shows a different screen.

| what (same run) | CPU, % of a core, idle | peak RSS | key → redraw p50 | p95 |
|---|---|---|---|---|
${sides.map(row).join("\n")}

| after vs | CPU | peak RSS | key p50 |
|---|---|---|---|
| before | ${ratio(after.cpu, before?.cpu)} | ${ratio(after.peak, before?.peak)} | ${before ? ratio(percentile(after.latency, 50), percentile(before.latency, 50)) : "–"} |
| htop | ${ratio(after.cpu, by("htop")?.cpu)} | ${ratio(after.peak, by("htop")?.peak)} | – |
| goal | ≤ ${GOAL.cpuPercent} %: ${met(after.cpu <= GOAL.cpuPercent)} | ≤ ${GOAL.rssMiB} MiB: ${met(after.peak / MiB <= GOAL.rssMiB)} | as responsive as before |

How top runs now: React's production build (its development build, loaded when NODE_ENV is unset, records a stack and a timing for every element it renders), and V8's young generation kept from growing past its first size (its growth to 32 MiB semi-spaces was most of the RSS; the polled data is small and short-lived). A poll whose answer would draw what is already on screen draws nothing (every poll used to redraw, since the uptime showed seconds; it now reads as \`docker ps\` rounds it, seconds only in the first minute); a row's neighbouring cells of one colour are one ink node. The aggregator's history buckets start on multiples of their step, so fixed samples draw the same sparklines at every poll (they slid with the clock before, and shifted every few polls; a live fleet brings a new sample every 10 s anyway). The command turns on Node's compile cache first, so a warm start neither loads the TypeScript stripper nor compiles its modules again. The aggregator answering the 2 s polls is not counted here (it serves every client); the key latency includes tmux's own round trips, the same for every side.`;
}

const dir = await tempDir("bench-tui");
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const agg = await startAggregator(dir.path, port);
try {
  const specs: ContainerSpec[] = Array.from({ length: CONTAINERS }, (_, i) => ({
    host: `host-${i % 10}`,
    name: `svc-${String(i).padStart(3, "0")}`,
    cpu: (i % 7) / 10,
    memoryMiB: 10 + (i % 13) * 8,
    limitMiB: i % 3 ? 256 : 0,
    fate: i % 17 === 0 ? "oom" : "running",
  }));
  await postBatch(url, syntheticFleet(specs));
  for (const s of sides) {
    await s.term.start(120, 40, s.command(url, dir.path));
    await s.term.until(s.ready);
    s.pid = await s.term.panePid();
  }
  await new Promise((r) => setTimeout(r, 3000)); // settle after start-up
  await idleWindow();
  // Keys alternate between the sides, so a busy moment of the machine hits them alike.
  for (let i = 0; i < KEYS; i++) {
    for (const s of sides) s.latency.push(await keyLatency(s.term, i));
    await new Promise((r) => setTimeout(r, 150));
  }
  const md = report();
  await writeBenchSection("tui-idle", md);
  console.log(md);
} finally {
  for (const s of sides) await s.term.kill();
  await agg.stop();
  await dir.remove();
}
