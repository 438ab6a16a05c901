// What `fleetscope top` costs while it sits there, beside htop in the same run: CPU and RSS over
// a window with 100 containers listed (refreshing every 2 s), and the time from a keypress to
// the redraw, both in real terminals (tmux) read the way a person sees them (capture-pane).
// Writes its section of BENCHMARKS.md.
//
//   node bench/tui-idle.ts [--window 60] [--keys 40]
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { postBatch } from "../test/helpers/ingest.ts";
import { freePort, REPO, startAggregator, tempDir } from "../test/helpers/stack.ts";
import { type ContainerSpec, syntheticFleet } from "../test/helpers/synthetic-fleet.ts";
import { Tmux } from "../test/helpers/tmux.ts";
import { fmt, MiB, percentile, processUsage, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: { window: { type: "string", default: "60" }, keys: { type: "string", default: "40" } },
});
const WINDOW_S = Number(values.window);
const KEYS = Number(values.keys);
const CONTAINERS = 100;

async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** Sends Down and Up in turn; each time, how long until the captured screen differs. */
async function keyLatencies(term: Tmux, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = await term.screen();
    const t0 = performance.now();
    await term.press(i % 2 ? "Up" : "Down");
    for (;;) {
      if ((await term.screen()) !== before) break;
      if (performance.now() - t0 > 5000) throw new Error("no redraw within 5 s of a key");
    }
    out.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 150));
  }
  return out;
}

const dir = await tempDir("bench-tui");
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const agg = await startAggregator(dir.path, port);
const top = new Tmux();
const htop = new Tmux();
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
  // --data: the CLI finds the aggregator's admin token there.
  await top.start(120, 40, [
    process.execPath,
    `${REPO}/cli/fleetscope.ts`,
    "top",
    "--url",
    url,
    "--data",
    dir.path,
  ]);
  await top.until("svc-");
  await htop.start(120, 40, ["htop"]);
  await htop.until("Load average");
  const pids = { top: await top.panePid(), htop: await htop.panePid() };
  await new Promise((r) => setTimeout(r, 3000)); // settle after start-up
  const start = { top: await processUsage(pids.top), htop: await processUsage(pids.htop) };
  let peak = { top: 0, htop: 0 };
  const t0 = performance.now();
  while (performance.now() - t0 < WINDOW_S * 1000) {
    await new Promise((r) => setTimeout(r, 1000));
    peak = {
      top: Math.max(peak.top, await vmRss(pids.top)),
      htop: Math.max(peak.htop, await vmRss(pids.htop)),
    };
  }
  const wall = (performance.now() - t0) / 1000;
  const end = { top: await processUsage(pids.top), htop: await processUsage(pids.htop) };
  const cpu = (k: "top" | "htop") => (100 * (end[k].cpuSeconds - start[k].cpuSeconds)) / wall;
  const latency = { top: await keyLatencies(top, KEYS), htop: await keyLatencies(htop, KEYS) };
  const row = (what: string, k: "top" | "htop") =>
    `| ${what} | ${fmt(cpu(k), 2)} | ${fmt(peak[k] / MiB, 1)} MiB | ${fmt(percentile(latency[k], 50), 1)} ms | ${fmt(percentile(latency[k], 95), 1)} ms |`;
  const md = `## \`fleetscope top\` idle cost and keypress latency, beside htop

Command: \`node bench/tui-idle.ts --window ${WINDOW_S} --keys ${KEYS}\` (after \`bash scripts/setup-host.sh\`, which installs tmux and htop), ${new Date().toISOString().slice(0, 10)}, 2 cores.
${CONTAINERS} containers on 10 hosts loaded into an aggregator (embedded chDB) through its ingest API; \`fleetscope top\` on its containers view (refresh every 2 s) and Debian's \`htop\` (its default 1.5 s refresh, this machine's processes), each in a 120×40 tmux session, idle for ${WINDOW_S} s; then ${KEYS} keys (Down/Up) to each, timed from \`tmux send-keys\` until \`tmux capture-pane\` shows a different screen.

| what (same run) | CPU, % of a core, idle | peak RSS | key → redraw p50 | p95 |
|---|---|---|---|---|
${row("`fleetscope top` (node + ink, polling the API)", "top")}
${row("reference: `htop`", "htop")}

The aggregator answering the 2 s polls is not counted here (it serves every client); the key latency includes tmux's own round trips, the same for both.`;
  await writeBenchSection("tui-idle", md);
  console.log(md);
} finally {
  await top.kill();
  await htop.kill();
  await agg.stop();
  await dir.remove();
}
