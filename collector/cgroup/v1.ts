import { join } from "node:path";
import { type CgroupStats, parseKeyedFile, parseSingleNumber, readOptional, workingSet } from "./stats.ts";

/** cpuacct.stat counts in USER_HZ ticks, which is 100 on every Linux architecture Docker runs on. */
export const USER_HZ = 100;

/**
 * memory.limit_in_bytes holds PAGE_COUNTER_MAX × page size (9223372036854771712 with 4 KiB pages)
 * when there is no limit; anything this large is "unlimited".
 */
export const V1_UNLIMITED_THRESHOLD = 2 ** 62;

/** The v1 controller directories of one container. */
export interface V1Dirs {
  memory: string;
  cpuacct: string;
  pids: string;
  blkio: string;
}

/** cpuacct.usage: total CPU time in nanoseconds → seconds. */
export function parseCpuacctUsage(text: string | undefined): number {
  return parseSingleNumber(text) / 1e9;
}

/** cpuacct.stat: `user N` / `system N` in USER_HZ ticks → seconds. */
export function parseCpuacctStat(text: string | undefined): { userSeconds: number; systemSeconds: number } {
  const m = parseKeyedFile(text);
  return { userSeconds: (m.get("user") ?? 0) / USER_HZ, systemSeconds: (m.get("system") ?? 0) / USER_HZ };
}

/**
 * memory.stat: the `total_*` keys include child cgroups (the plain ones do not), which is what
 * Docker and cAdvisor report for a container.
 */
export function parseV1MemoryStat(text: string | undefined): {
  rss: number;
  cache: number;
  inactiveFile: number;
} {
  const m = parseKeyedFile(text);
  return {
    rss: m.get("total_rss") ?? m.get("rss") ?? 0,
    cache: m.get("total_cache") ?? m.get("cache") ?? 0,
    inactiveFile: m.get("total_inactive_file") ?? m.get("inactive_file") ?? 0,
  };
}

/** memory.limit_in_bytes → bytes, 0 when unlimited. */
export function parseV1MemoryLimit(text: string | undefined): number {
  const n = parseSingleNumber(text);
  return n >= V1_UNLIMITED_THRESHOLD ? 0 : n;
}

/**
 * blkio.*io_service_bytes*: `MAJ:MIN Op bytes` lines plus a final `Total N`. Sums Read and Write
 * over devices; `devices` is how many device lines there were (0 means the file says nothing).
 */
export function parseBlkioServiceBytes(text: string | undefined): {
  readBytes: number;
  writeBytes: number;
  devices: number;
} {
  let readBytes = 0;
  let writeBytes = 0;
  const devices = new Set<string>();
  for (const line of (text ?? "").split("\n")) {
    const [dev, op, value] = line.trim().split(/\s+/);
    if (!dev?.includes(":") || value === undefined) continue;
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    devices.add(dev);
    if (op === "Read") readBytes += n;
    else if (op === "Write") writeBytes += n;
  }
  return { readBytes, writeBytes, devices: devices.size };
}

// Tried in order; the first with device lines wins. On recent kernels throttle counters move only
// while blk-throttle is active on the device, CFQ's file is gone (kernel ≥ 5.0) and BFQ keeps its own.
const BLKIO_FILES = [
  "blkio.throttle.io_service_bytes_recursive",
  "blkio.io_service_bytes_recursive",
  "blkio.bfq.io_service_bytes_recursive",
];

export async function readV1Blkio(dir: string): Promise<{ readBytes: number; writeBytes: number }> {
  for (const file of BLKIO_FILES) {
    const parsed = parseBlkioServiceBytes(await readOptional(join(dir, file)));
    if (parsed.devices > 0) return parsed;
  }
  return { readBytes: 0, writeBytes: 0 };
}

/** Reads one container's v1 stats; missing files leave their fields at 0. */
export async function readV1Stats(dirs: V1Dirs): Promise<CgroupStats> {
  const [usage, cpuStat, memUsage, memStat, memLimit, pids, blkio] = await Promise.all([
    readOptional(join(dirs.cpuacct, "cpuacct.usage")),
    readOptional(join(dirs.cpuacct, "cpuacct.stat")),
    readOptional(join(dirs.memory, "memory.usage_in_bytes")),
    readOptional(join(dirs.memory, "memory.stat")),
    readOptional(join(dirs.memory, "memory.limit_in_bytes")),
    readOptional(join(dirs.pids, "pids.current")),
    readV1Blkio(dirs.blkio),
  ]);
  const cpu = parseCpuacctStat(cpuStat);
  const mem = parseV1MemoryStat(memStat);
  const memoryUsageBytes = parseSingleNumber(memUsage);
  return {
    cpuUsageSeconds: parseCpuacctUsage(usage),
    cpuUserSeconds: cpu.userSeconds,
    cpuSystemSeconds: cpu.systemSeconds,
    memoryUsageBytes,
    memoryWorkingSetBytes: workingSet(memoryUsageBytes, mem.inactiveFile),
    memoryRssBytes: mem.rss,
    memoryCacheBytes: mem.cache,
    memoryLimitBytes: parseV1MemoryLimit(memLimit),
    pids: parseSingleNumber(pids),
    blkioReadBytes: blkio.readBytes,
    blkioWriteBytes: blkio.writeBytes,
  };
}
