// The root cgroup as cAdvisor exposes it: series with `id="/"` and no name or image carrying the
// whole machine's CPU, memory, network and disk I/O. Community dashboards read host totals from it
// (Grafana 893's network traffic is `container_network_*{id="/"}`); selectors on `name` or `image`
// (fleetscope's own dashboards and rules) leave it out, as they do with cAdvisor.
// Read from /proc, the same on cgroup v1 and v2 (the v2 root has no memory.current; the v1 root's
// files depend on which controllers are mounted).
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { ContainerSnapshot } from "../../../protocol/cadvisor/snapshot.ts";
import type { DeviceIoStats, InterfaceStats, SampleRecord } from "../../../protocol/records.ts";
import { parseNetDevInterfaces } from "../../cgroup/net-dev.ts";
import { readOptional } from "../../cgroup/stats.ts";
import { parseMeminfo } from "./machine.ts";

/** /proc/stat counts in clock ticks of 1/100 s (USER_HZ) on every architecture Linux runs on. */
const USER_HZ = 100;
const SECTOR_BYTES = 512; // /proc/diskstats counts 512-byte sectors whatever the device's own size

/** cAdvisor's rule for the root's interfaces: loopback, veths and Docker's bridges are not the machine's own traffic. */
const IGNORED_INTERFACE_PREFIXES = ["lo", "veth", "docker", "nerdctl"];

/** The machine's interfaces from PID 1's /proc/<pid>/net/dev, as cAdvisor filters them for `/`. */
export function rootInterfaces(netDev: string | undefined): InterfaceStats[] {
  return parseNetDevInterfaces(netDev).filter(
    (i) => !IGNORED_INTERFACE_PREFIXES.some((p) => i.name.toLowerCase().startsWith(p)),
  );
}

/** /proc/stat: the `cpu` line as user (user + nice) and system (system + irq + softirq) seconds, and btime. */
export function parseRootCpu(
  text: string | undefined,
): { userSeconds: number; systemSeconds: number; bootTimeSeconds: number } | undefined {
  const lines = (text ?? "").split("\n");
  const cpu = lines.find((l) => l.startsWith("cpu "));
  if (!cpu) return undefined;
  const f = cpu.trim().split(/\s+/).slice(1).map(Number);
  if (f.length < 7 || f.some((n) => !Number.isFinite(n))) return undefined;
  const [user, nice, system, , , irq, softirq] = f as number[];
  const btime = Number(/^btime\s+(\d+)/m.exec(text ?? "")?.[1] ?? 0);
  return {
    userSeconds: ((user ?? 0) + (nice ?? 0)) / USER_HZ,
    systemSeconds: ((system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / USER_HZ,
    bootTimeSeconds: btime,
  };
}

/**
 * /proc/diskstats → the whole disks `isDisk` names (partitions would count their I/O twice) that
 * did any I/O: `major minor name reads merged sectors ms writes merged sectors …`.
 */
export function parseRootDiskstats(
  text: string | undefined,
  isDisk: (name: string) => boolean,
): DeviceIoStats[] {
  const out: DeviceIoStats[] = [];
  for (const line of (text ?? "").split("\n")) {
    const f = line.trim().split(/\s+/);
    const [major, minor, reads, readSectors, writes, writeSectors] = [f[0], f[1], f[3], f[5], f[7], f[9]].map(
      Number,
    ) as number[];
    const name = f[2] ?? "";
    if (f.length < 10 || !isDisk(name) || [major, minor, reads, writes].some((n) => !Number.isInteger(n)))
      continue;
    if (reads === 0 && writes === 0) continue;
    out.push({
      device: `${major}:${minor}`,
      major: major as number,
      minor: minor as number,
      readBytes: (readSectors ?? 0) * SECTOR_BYTES,
      writeBytes: (writeSectors ?? 0) * SECTOR_BYTES,
      reads: reads as number,
      writes: writes as number,
    });
  }
  return out;
}

function listDir(path: string): Set<string> {
  try {
    return new Set(readdirSync(path).map((n) => n.replaceAll("!", "/")));
  } catch {
    return new Set();
  }
}

/** The root cgroup's reading now, or undefined when /proc/stat cannot be read (no /proc mounted). */
export function readRootSnapshot(
  roots: { procRoot: string; sysRoot: string },
  host: string,
): ContainerSnapshot | undefined {
  const cpu = parseRootCpu(readOptional(join(roots.procRoot, "stat")));
  if (!cpu) return undefined;
  const mem = parseMeminfo(readOptional(join(roots.procRoot, "meminfo")) ?? "");
  const kb = (key: string) => mem.get(key) ?? 0;
  // runc's reading of the root from meminfo: used = total − free.
  const usage = Math.max(0, kb("MemTotal") - kb("MemFree"));
  const interfaces = rootInterfaces(readOptional(join(roots.procRoot, "1", "net", "dev")));
  const disks = listDir(join(roots.sysRoot, "block"));
  const devices = parseRootDiskstats(readOptional(join(roots.procRoot, "diskstats")), (n) => disks.has(n));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const now = Date.now();
  const sample: SampleRecord = {
    kind: "sample",
    time: new Date(now).toISOString(),
    host,
    containerId: "",
    containerName: "",
    image: "",
    origin: "proc",
    cpuUsageSeconds: Math.round((cpu.userSeconds + cpu.systemSeconds) * 100) / 100,
    cpuUserSeconds: cpu.userSeconds,
    cpuSystemSeconds: cpu.systemSeconds,
    cpuCores: 0,
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.max(0, usage - kb("Inactive(file)")),
    memoryRssBytes: kb("AnonPages"),
    memoryCacheBytes: kb("Cached"),
    memoryMappedFileBytes: kb("Mapped"),
    memorySwapBytes: Math.max(0, kb("SwapTotal") - kb("SwapFree")),
    memoryLimitBytes: 0,
    pids: 0,
    blkioReadBytes: sum(devices.map((d) => d.readBytes)),
    blkioWriteBytes: sum(devices.map((d) => d.writeBytes)),
    networkRxBytes: sum(interfaces.map((i) => i.rxBytes)),
    networkTxBytes: sum(interfaces.map((i) => i.txBytes)),
    interfaces,
    devices,
  };
  return {
    sample,
    cgroupPath: "/",
    labels: {},
    processes: [...listDir(roots.procRoot)].filter((n) => /^\d+$/.test(n)).length,
    cpuQuotaMicros: 0,
    cpuPeriodMicros: 0,
    cpuShares: 0,
    startTimeSeconds: cpu.bootTimeSeconds,
    seenAtMs: now,
    measured: true,
  };
}
