// What watching 100 containers costs, side by side in one run:
//   - fleetscope's collector at its default 10 s interval (cgroups + /proc, no Docker stats API),
//     and, with --before <checkout>, the collector of that checkout, in alternating windows (one
//     collector at a time, so each window's dockerd figure is that collector's own),
//   - the reference: `docker stats --no-stream` polled at the same interval,
//   - dockerd's own CPU with neither, with each collector, and with docker stats,
// plus the time to render /metrics: over HTTP for the 100 real containers, and in-process for
// 100 and 500 synthetic containers (rendering reads only memory, so a synthetic set measures it).
// Writes its section of BENCHMARKS.md.
//
//   node bench/collector-overhead.ts [--containers 100] [--window 60] [--before /work/before]
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { COLLECTOR_NODE_OPTIONS } from "../cli/commands/collector-runtime.ts";
import { renderCadvisorMetrics } from "../protocol/cadvisor/exposition.ts";
import type { ContainerSnapshot } from "../protocol/cadvisor/snapshot.ts";
import { BUSYBOX, DOCKER, docker, removeContainers } from "../test/helpers/docker.ts";
import {
  CLI,
  cliOf,
  fleetscope,
  freePort,
  ingestTokenFor,
  startAggregator,
  tempDir,
} from "../test/helpers/stack.ts";
import { fmt, MiB, percentile, processUsage, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    containers: { type: "string", default: "100" },
    window: { type: "string", default: "60" },
    before: { type: "string" },
  },
});
const COUNT = Number(values.containers);
const WINDOW_S = Number(values.window);
const INTERVAL_S = 10;
const names = Array.from({ length: COUNT }, (_, i) => `fs-bench-ovh-${i}`);

function pidOf(cmd: string): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile("pgrep", ["-o", "-x", cmd], (err, out) => (err ? reject(err) : resolve(Number(out.trim())))),
  );
}

/** CPU (cores) of `pid` — and of its reaped children — over `seconds`, plus its peak RSS. */
async function measure(pid: number, seconds: number, withChildren = false) {
  const read = async () => {
    const f = (await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ") ?? [];
    const own = Number(f[11]) + Number(f[12]);
    return (own + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / 100;
  };
  let peak = 0;
  const t0 = performance.now();
  const c0 = await read();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) {
    peak = Math.max(peak, (await processUsage(pid)).rssBytes);
    await new Promise((r) => setTimeout(r, 500));
  }
  const cores = ((await read()) - c0) / ((performance.now() - t0) / 1000);
  return { cores, peakRss: peak };
}

async function startContainers(): Promise<void> {
  await removeContainers(...names);
  for (let i = 0; i < names.length; i += 5) {
    await Promise.all(
      names.slice(i, i + 5).map((n) => docker("run", "-d", "--name", n, BUSYBOX, "sleep", "3600")),
    );
  }
}

function synthetic(n: number): ContainerSnapshot[] {
  return Array.from({ length: n }, (_, i) => {
    const id = i.toString(16).padStart(64, "0");
    return {
      sample: {
        kind: "sample",
        time: new Date().toISOString(),
        host: "bench",
        containerId: id,
        containerName: `c-${i}`,
        image: "busybox",
        origin: "cgroup",
        cpuUsageSeconds: i,
        cpuUserSeconds: i,
        cpuSystemSeconds: 0,
        cpuCores: 0.1,
        memoryUsageBytes: 1e7,
        memoryWorkingSetBytes: 9e6,
        memoryRssBytes: 5e6,
        memoryCacheBytes: 4e6,
        memoryLimitBytes: 6.7e7,
        pids: 2,
        blkioReadBytes: 1e6,
        blkioWriteBytes: 2e6,
        networkRxBytes: 1e5,
        networkTxBytes: 2e5,
        oomKills: 0,
        threads: 2,
        fileDescriptors: 5,
        interfaces: [
          {
            name: "eth0",
            rxBytes: 1e5,
            txBytes: 2e5,
            rxPackets: 10,
            txPackets: 20,
            rxErrors: 0,
            txErrors: 0,
            rxDropped: 0,
            txDropped: 0,
          },
        ],
        devices: [
          { device: "254:0", major: 254, minor: 0, readBytes: 1e6, writeBytes: 2e6, reads: 10, writes: 20 },
        ],
      },
      cgroupPath: `/docker/${id}`,
      labels: {},
      processes: 2,
      cpuQuotaMicros: 0,
      cpuPeriodMicros: 100000,
      cpuShares: 1024,
      startTimeSeconds: 1.7e9,
      seenAtMs: Date.now(),
      measured: true,
    };
  });
}

function renderMs(n: number): number {
  const snaps = synthetic(n);
  const times: number[] = [];
  for (let i = 0; i < 30; i++) {
    const t0 = performance.now();
    renderCadvisorMetrics(snaps, { cpuCores: 2, memoryBytes: 2.4e10 }, { containerLabels: [] });
    times.push(performance.now() - t0);
  }
  return percentile(times.slice(5), 50);
}

/** One collector of `cli` watching the containers for a window, measured with dockerd beside it. */
async function collectorWindow(
  label: string,
  cli: string,
  aggUrl: string,
  spool: string,
  env: NodeJS.ProcessEnv = {},
) {
  const metricsPort = await freePort();
  const collector = fleetscope(
    [
      "collector",
      "--aggregator",
      aggUrl,
      "--spool",
      spool,
      "--metrics-listen",
      `127.0.0.1:${metricsPort}`,
      "--journal-since",
      "now",
      "--log-level",
      "warn",
    ],
    { FLEETSCOPE_TOKEN: await ingestTokenFor(aggUrl), ...env },
    cli,
  );
  await collector.ready("shipping to");
  await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000)); // past start-up and the first rounds
  console.log(`window: ${label} collector (${WINDOW_S}s)`);
  const [coll, dockerdWith] = await Promise.all([
    measure(collector.child.pid as number, WINDOW_S),
    measure(dockerd, WINDOW_S),
  ]);
  const startPeak = await peakSinceStart(collector.child.pid as number);
  const scrape: number[] = [];
  let lines = 0;
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    scrape.push(performance.now() - t0);
    lines = text.split("\n").length;
  }
  await collector.stop();
  return { coll, dockerdWith, startPeak, scrape, lines };
}

/** VmHWM: the process's peak RSS since it started (start-up included). */
async function peakSinceStart(pid: number): Promise<number> {
  const kb = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb ?? 0) * 1024;
}

const dir = await tempDir("bench-overhead");
const dockerd = await pidOf("dockerd");
try {
  console.log(`starting ${COUNT} containers…`);
  await startContainers();

  console.log(`window: idle (${WINDOW_S}s)`);
  const idle = await measure(dockerd, WINDOW_S);

  const aggPort = await freePort();
  const aggUrl = `http://127.0.0.1:${aggPort}`;
  const aggregator = await startAggregator(`${dir.path}/agg`, aggPort);
  // After: as `node cli/fleetscope.ts collector` starts it bare, and as the deploy units start it.
  const bare = await collectorWindow("after, bare node", CLI, aggUrl, `${dir.path}/spool-bare`);
  const after = await collectorWindow("after, as the units run it", CLI, aggUrl, `${dir.path}/spool-after`, {
    NODE_OPTIONS: COLLECTOR_NODE_OPTIONS,
  });
  const before = values.before
    ? await collectorWindow(
        `before (${values.before})`,
        cliOf(values.before),
        aggUrl,
        `${dir.path}/spool-before`,
      )
    : undefined;
  await aggregator.stop();

  console.log(`window: docker stats --no-stream every ${INTERVAL_S}s (${WINDOW_S}s)`);
  const loops = Math.ceil(WINDOW_S / INTERVAL_S);
  const poller = spawn("bash", [
    "-c",
    `for i in $(seq ${loops}); do ${DOCKER} stats --no-stream >/dev/null; sleep ${INTERVAL_S}; done; sleep 5`,
  ]);
  const [stats, dockerdWithStats] = await Promise.all([
    measure(poller.pid as number, WINDOW_S, true),
    measure(dockerd, WINDOW_S),
  ]);
  poller.kill();

  const r100 = renderMs(100);
  const r500 = renderMs(500);
  const plus = (cores: number) => `${cores >= 0 ? "+" : "−"}${fmt(Math.abs(cores) * 100, 2)}`;
  const share = (w: { coll: { cores: number }; dockerdWith: { cores: number } }) =>
    w.coll.cores + Math.max(0, w.dockerdWith.cores - idle.cores);
  const theirs = stats.cores + Math.max(0, dockerdWithStats.cores - idle.cores);
  type Window = typeof after;
  const row = (
    what: string,
    f: (w: Window) => number,
    digits: number,
    goal: string,
    met?: (v: number) => boolean,
  ) => {
    const a = f(after);
    const b = before ? f(before) : undefined;
    const ratio = b !== undefined && b !== 0 ? fmt(a / b, 2) : "";
    const ok = met ? (met(a) ? "yes" : "no") : "";
    return `| ${what} | ${b !== undefined ? fmt(b, digits) : "—"} | ${fmt(f(bare), digits)} | ${fmt(a, digits)} | ${ratio} | ${goal} | ${ok} |`;
  };
  const md = `## Collector overhead with ${COUNT} containers

Command: \`node bench/collector-overhead.ts --containers ${COUNT} --window ${WINDOW_S}${values.before ? ` --before ${values.before}` : ""}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores, cgroup v1, Docker 20.10.
${COUNT} sleeping busybox containers; each window ${WINDOW_S} s, after ${2 * INTERVAL_S} s of warm-up; both watchers at a ${INTERVAL_S} s interval.
The collectors ran one after the other, in windows of the same run (one at a time, the same containers, the same aggregator): this checkout's as \`node cli/fleetscope.ts collector\` starts it bare, then as the deploy units start it (\`NODE_OPTIONS=${COLLECTOR_NODE_OPTIONS}\`, cli/commands/collector-runtime.ts)${before ? ", then the before checkout's, bare (its units set no Node options)" : " (no --before)"}. The ratio and the goal are those of the "as the units run it" column.

| what (same run) | before | after, bare node | after, as the units run it | after / before | goal | met? |
|---|---|---|---|---|---|---|
${row(
  "collector CPU, % of a core (stats + processes + inventory + logs + journal)",
  (w) => w.coll.cores * 100,
  2,
  "≤ 1 %",
  (v) => v <= 1,
)}
${row("dockerd while the collector runs, % of a core over idle", (w) => (w.dockerdWith.cores - idle.cores) * 100, 2, "")}
${row("all costs of watching: collector + its dockerd share, % of a core", (w) => share(w) * 100, 2, "")}
${row("the same, as a multiple of `docker stats` + its dockerd share", (w) => share(w) / theirs, 2, "")}
${row(
  "collector RSS, peak within the idle window, MiB",
  (w) => w.coll.peakRss / MiB,
  0,
  "≤ 80 MiB",
  (v) => v <= 80,
)}
${row("collector RSS, peak since start (VmHWM, start-up included), MiB", (w) => w.startPeak / MiB, 0, "")}
${row(`GET /metrics, ${COUNT} real containers, p50 of 25, ms`, (w) => percentile(w.scrape, 50), 1, "")}
${row(`GET /metrics, ${COUNT} real containers, p95 of 25, ms`, (w) => percentile(w.scrape, 95), 1, "")}

| reference (same run) | CPU, % of a core |
|---|---|
| \`docker stats --no-stream\` every ${INTERVAL_S} s (the CLI) | ${fmt(stats.cores * 100, 2)} |
| dockerd, idle | ${fmt(idle.cores * 100, 2)} |
| dockerd while docker stats polls | ${fmt(dockerdWithStats.cores * 100, 2)} (${plus(dockerdWithStats.cores - idle.cores)} over idle) |
| \`docker stats\` + its dockerd share | ${fmt(theirs * 100, 2)} |

| /metrics render (this checkout) | time |
|---|---|
| render only, 100 synthetic containers (p50 of 25) | ${fmt(r100, 2)} ms |
| render only, 500 synthetic containers (p50 of 25) | ${fmt(r500, 2)} ms (${fmt(r500 / r100, 1)}× the 100) |
| /metrics of the after collector | ${after.lines.toLocaleString("en-US")} lines |

The collector never calls the Docker stats API (it reads cgroups and /proc), so dockerd stays near idle;
\`docker stats\` makes dockerd read every container's stats per poll. dockerd's idle figure moves with
whatever else the machine runs, so its "over idle" rows are noisy at this size.`;
  await writeBenchSection("collector-overhead", md);
  console.log(md);
} finally {
  await removeContainers(...names);
  await dir.remove();
}
