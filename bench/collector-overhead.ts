// What watching 100 containers costs, side by side in one run:
//   - fleetscope's collector at its default 10 s interval (cgroups + /proc, no Docker stats API),
//   - the reference: `docker stats --no-stream` polled at the same interval,
//   - dockerd's own CPU with neither, with the collector, and with docker stats,
// plus the time to render /metrics: over HTTP for the 100 real containers, and in-process for
// 100 and 500 synthetic containers (rendering reads only memory, so a synthetic set measures it).
// Writes its section of BENCHMARKS.md.
//
//   node bench/collector-overhead.ts [--containers 100] [--window 60]
import { execFile, spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { renderCadvisorMetrics } from "../protocol/cadvisor/exposition.ts";
import type { ContainerSnapshot } from "../protocol/cadvisor/snapshot.ts";
import { BUSYBOX, DOCKER, docker, removeContainers } from "../test/helpers/docker.ts";
import { fleetscope, freePort, ingestTokenFor, startAggregator, tempDir } from "../test/helpers/stack.ts";
import { fmt, MiB, percentile, processUsage, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: { containers: { type: "string", default: "100" }, window: { type: "string", default: "60" } },
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

const dir = await tempDir("bench-overhead");
try {
  const dockerd = await pidOf("dockerd");
  console.log(`starting ${COUNT} containers…`);
  await startContainers();

  console.log(`window 1/3: idle (${WINDOW_S}s)`);
  const idle = await measure(dockerd, WINDOW_S);

  const aggPort = await freePort();
  const metricsPort = await freePort();
  const aggregator = await startAggregator(`${dir.path}/agg`, aggPort);
  const collector = fleetscope(
    [
      "collector",
      "--aggregator",
      `http://127.0.0.1:${aggPort}`,
      "--spool",
      `${dir.path}/spool`,
      "--metrics-listen",
      `127.0.0.1:${metricsPort}`,
      "--journal-since",
      "now",
      "--log-level",
      "warn",
    ],
    { FLEETSCOPE_TOKEN: await ingestTokenFor(`http://127.0.0.1:${aggPort}`) },
  );
  await collector.ready("shipping to");
  await new Promise((r) => setTimeout(r, 2 * INTERVAL_S * 1000)); // past start-up and the first rounds
  console.log(`window 2/3: fleetscope collector (${WINDOW_S}s)`);
  const [coll, dockerdWithCollector] = await Promise.all([
    measure(collector.child.pid as number, WINDOW_S),
    measure(dockerd, WINDOW_S),
  ]);
  const scrape: number[] = [];
  let lines = 0;
  for (let i = 0; i < 25; i++) {
    const t0 = performance.now();
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    scrape.push(performance.now() - t0);
    lines = text.split("\n").length;
  }
  await collector.stop();
  await aggregator.stop();

  console.log(`window 3/3: docker stats --no-stream every ${INTERVAL_S}s (${WINDOW_S}s)`);
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
  const plus = (cores: number) => `${cores >= 0 ? "+" : "−"}${fmt(Math.abs(cores) * 100, 2)} % of a core`;
  const ours = coll.cores + Math.max(0, dockerdWithCollector.cores - idle.cores);
  const theirs = stats.cores + Math.max(0, dockerdWithStats.cores - idle.cores);
  const md = `## Collector overhead with ${COUNT} containers

Command: \`node bench/collector-overhead.ts --containers ${COUNT} --window ${WINDOW_S}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores, cgroup v1, Docker 20.10.
${COUNT} sleeping busybox containers; each window ${WINDOW_S} s; both watchers at a ${INTERVAL_S} s interval.

| what (same run) | CPU, % of a core | RSS | ratio |
|---|---|---|---|
| fleetscope collector (stats + processes + inventory + logs + journal) | ${fmt(coll.cores * 100, 2)} | ${fmt(coll.peakRss / MiB)} MiB peak | |
| reference: \`docker stats --no-stream\` every ${INTERVAL_S} s (the CLI) | ${fmt(stats.cores * 100, 2)} | | 1 |
| dockerd, idle | ${fmt(idle.cores * 100, 2)} | | |
| dockerd, while the collector runs | ${fmt(dockerdWithCollector.cores * 100, 2)} | | ${plus(dockerdWithCollector.cores - idle.cores)} over idle |
| dockerd, while docker stats polls | ${fmt(dockerdWithStats.cores * 100, 2)} | | ${plus(dockerdWithStats.cores - idle.cores)} over idle |
| **all costs of watching**: collector + its dockerd share, vs CLI + its dockerd share | ${fmt(ours * 100, 2)} vs ${fmt(theirs * 100, 2)} | | ${fmt(ours / theirs, 2)} |

| /metrics render | time |
|---|---|
| GET /metrics of the collector, ${COUNT} real containers (${lines.toLocaleString("en-US")} lines), p50 / p95 of 25 | ${fmt(percentile(scrape, 50), 1)} / ${fmt(percentile(scrape, 95), 1)} ms |
| render only, 100 synthetic containers (p50 of 25) | ${fmt(r100, 2)} ms |
| render only, 500 synthetic containers (p50 of 25) | ${fmt(r500, 2)} ms (${fmt(r500 / r100, 1)}× the 100) |

The collector never calls the Docker stats API (it reads cgroups and /proc), so dockerd stays near idle;
\`docker stats\` makes dockerd read every container's stats per poll.`;
  await writeBenchSection("collector-overhead", md);
  console.log(md);
} finally {
  await removeContainers(...names);
  await dir.remove();
}
