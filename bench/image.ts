// The fleetscope image's size, and what the collector costs idle in it beside a native one in the
// same run: the fleet unit's `docker run` (host /proc, cgroups, Docker socket, logs and journal
// mounted) and `fleetscope collector` from this checkout, both watching the same sleeping
// containers and shipping to one aggregator, measured over the same window. Writes its section of
// BENCHMARKS.md.
//
//   node bench/image.ts [--containers 10] [--window 120]
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createToken, getJson } from "../test/helpers/api.ts";
import { fleetCollectorRun } from "../test/helpers/deploy.ts";
import { BUSYBOX, docker, removeContainers } from "../test/helpers/docker.ts";
import { ensureImage } from "../test/helpers/image.ts";
import { fleetscope, freePort, startAggregator, tempDir } from "../test/helpers/stack.ts";
import { waitFor } from "../test/helpers/wait.ts";
import { fmt, MiB, writeBenchSection } from "./lib/report.ts";

const { values } = parseArgs({
  options: { containers: { type: "string", default: "10" }, window: { type: "string", default: "120" } },
});
const COUNT = Number(values.containers);
const WINDOW_S = Number(values.window);
const names = Array.from({ length: COUNT }, (_, i) => `fs-bench-image-${i}`);
const CONTAINER = "fs-bench-image-collector";

/** pid → [ppid, cpu seconds, rss bytes] of every process now. */
async function processTable(): Promise<Map<number, [number, number, number]>> {
  const table = new Map<number, [number, number, number]>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    const f = stat.split(") ")[1]?.split(" ");
    if (f)
      table.set(Number(entry), [Number(f[1]), (Number(f[11]) + Number(f[12])) / 100, Number(f[21]) * 4096]);
  }
  return table;
}

/** CPU seconds and RSS of `pid` with its descendants (the collector's journalctl). */
function treeUsage(table: Map<number, [number, number, number]>, pid: number) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) for (const [p, [ppid]] of table) if (ppid === pids[i]) pids.push(p);
  let cpu = 0;
  let rss = 0;
  for (const p of pids) {
    const [, c = 0, r = 0] = table.get(p) ?? [];
    cpu += c;
    rss += r;
  }
  return { cpu, rss, processes: pids.length };
}

/** Both trees over the window: cores used, mean and peak RSS. */
async function measure(pids: Record<string, number>, seconds: number) {
  const first = await processTable();
  const t0 = performance.now();
  const rss: Record<string, number[]> = Object.fromEntries(Object.keys(pids).map((k) => [k, []]));
  while (performance.now() - t0 < seconds * 1000) {
    const t = await processTable();
    for (const [k, pid] of Object.entries(pids)) rss[k]?.push(treeUsage(t, pid).rss);
    await new Promise((r) => setTimeout(r, 1000));
  }
  const last = await processTable();
  const wall = (performance.now() - t0) / 1000;
  return Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => {
      const xs = rss[k] ?? [];
      return [
        k,
        {
          cores: (treeUsage(last, pid).cpu - treeUsage(first, pid).cpu) / wall,
          meanRss: xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length),
          peakRss: Math.max(...xs),
          processes: treeUsage(last, pid).processes,
        },
      ];
    }),
  );
}

const size = async (image: string) => Number(await docker("image", "inspect", "-f", "{{.Size}}", image));
/** Receivers on free ports: both collectors run them, on the host's network. */
const receiverFlags = async () => [
  `--syslog-listen=127.0.0.1:${await freePort()}`,
  `--gelf-listen=127.0.0.1:${await freePort()}`,
  `--fluentd-listen=127.0.0.1:${await freePort()}`,
  `--metrics-listen=127.0.0.1:${await freePort()}`,
];

const dir = await tempDir("bench-image");
try {
  console.log("building the images (cached when up to date)…");
  const [collectorImage, fullImage] = [await ensureImage("collector"), await ensureImage("full")];
  const base = "fleetscope-base:bookworm";
  const nodeBytes = Number(
    await docker("run", "--rm", "--entrypoint", "stat", base, "-c", "%s", "/usr/local/bin/node"),
  );
  const sizes = {
    base: await size(base),
    collector: await size(collectorImage),
    full: await size(fullImage),
  };

  await removeContainers(CONTAINER, ...names);
  for (const n of names) await docker("run", "-d", "--name", n, BUSYBOX, "sleep", "3600");

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const aggregator = await startAggregator(join(dir.path, "agg"), port);
  const { secret } = await createToken(url, { name: "bench collectors", role: "ingest" });
  const common = ["--journal-since=now", "--log-level=warn"];

  const native = fleetscope(
    [
      "collector",
      `--aggregator=${url}`,
      `--spool=${dir.path}/native-spool`,
      "--host-name=bench-native",
      ...common,
      ...(await receiverFlags()),
    ],
    { FLEETSCOPE_TOKEN: secret },
  );
  await native.ready("shipping to");

  const run = fleetCollectorRun(CONTAINER, dir.path, "bench-container");
  await mkdir(run.own.etc, { recursive: true });
  await writeFile(join(run.own.etc, "ingest.token"), `${secret}\n`, { mode: 0o600 });
  await docker(
    "run",
    "--detach",
    ...run.options,
    collectorImage,
    ...run.command,
    `--aggregator=${url}`,
    "--token-file=/etc/fleetscope/ingest.token",
    ...common,
    ...(await receiverFlags()),
  );
  const containerPid = Number(await docker("inspect", "-f", "{{.State.Pid}}", CONTAINER));
  await waitFor("the containerised collector's first heartbeat", async () => {
    const { hosts } = await getJson<{ hosts: unknown[] }>(url, "/api/v1/hosts?host=bench-container");
    return hosts.length === 1;
  });
  // Past start-up and the first rounds of stats, inventory and heartbeat.
  await new Promise((r) => setTimeout(r, 30_000));
  console.log(`measuring both for ${WINDOW_S}s…`);
  const m = await measure({ native: native.child.pid as number, container: containerPid }, WINDOW_S);
  const table = await processTable();
  const shimRss = table.get(table.get(containerPid)?.[0] ?? 0)?.[2] ?? 0;
  await native.stop();
  await removeContainers(CONTAINER, ...names);
  await aggregator.stop();

  const n = m.native as { cores: number; meanRss: number; peakRss: number; processes: number };
  const c = m.container as typeof n;
  const mb = (b: number) => `${fmt(b / 1e6)} MB`;
  const md = `## Container image: size, and the collector's idle cost in it beside a native one

Command: \`node bench/image.ts --containers ${COUNT} --window ${WINDOW_S}\`, ${new Date().toISOString().slice(0, 10)}, 2 cores, cgroup v1, Docker 20.10.
Images built by \`deploy/image/build.sh --base local\` (a Debian 12 minbase made by mmdebstrap + journalctl + Node ${process.versions.node}).

| image | size (\`docker image inspect\`) |
|---|---|
| base: Debian 12 minbase + systemd (journalctl) + node | ${mb(sizes.base)} (node alone ${mb(nodeBytes)}) |
| \`fleetscope:collector\` (target \`collector\`: no chDB) | ${mb(sizes.collector)} (+${mb(sizes.collector - sizes.base)} over the base) |
| \`fleetscope:latest\` (target \`full\`: with chDB, runs \`aggregator\`/\`up\`) | ${mb(sizes.full)} |

Both collectors at once, ${COUNT} sleeping busybox containers, receivers on, ${WINDOW_S} s window after 30 s of warm-up; the
process and its children (journalctl); the container's is the fleet unit's \`docker run\`.

| collector (same run) | CPU, % of a core | RSS mean / peak | processes | ratio (CPU, mean RSS) |
|---|---|---|---|---|
| native (\`fleetscope collector\`) | ${fmt(n.cores * 100, 2)} | ${fmt(n.meanRss / MiB)} / ${fmt(n.peakRss / MiB)} MiB | ${n.processes} | 1 |
| in the image (fleet unit's options) | ${fmt(c.cores * 100, 2)} | ${fmt(c.meanRss / MiB)} / ${fmt(c.peakRss / MiB)} MiB | ${c.processes} | ${fmt(c.cores / n.cores, 2)}, ${fmt(c.meanRss / n.meanRss, 2)} |

The image runs the collector compiled to JavaScript (build.sh); the native one is this checkout's TypeScript, which Node
strips at load with a WebAssembly compiler that stays in the process: that is most of the RSS between the two.
Beside it, the container's \`containerd-shim\` holds ${fmt(shimRss / MiB, 1)} MiB RSS.
`;
  await writeBenchSection("image", md);
  console.log(md);
} finally {
  await removeContainers(CONTAINER, ...names);
  await dir.remove();
}
