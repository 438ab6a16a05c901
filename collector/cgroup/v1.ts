import type { DeviceIoStats } from "../../protocol/records.ts";
import {
  type CfsThrottling,
  type CgroupStats,
  parseCfsThrottling,
  parseKeyedFile,
  parseSingleNumber,
  type ReadFile,
  readOptional,
  sumDevices,
  workingSet,
} from "./stats.ts";

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
  /** The cpu controller (CFS settings and throttling); defaults to the cpuacct directory (co-mounted `cpu,cpuacct`). */
  cpu?: string;
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

/** memory.stat keys beyond rss/cache: swap in use and page cache mapped into processes (hierarchical). */
export function parseV1MemoryStatExtra(text: string | undefined): { swap: number; mappedFile: number } {
  const m = parseKeyedFile(text);
  return {
    swap: m.get("total_swap") ?? m.get("swap") ?? 0,
    mappedFile: m.get("total_mapped_file") ?? m.get("mapped_file") ?? 0,
  };
}

/** memory.oom_control: `oom_kill N` is the number of processes the kernel OOM-killed in this cgroup. */
export function parseV1OomKills(text: string | undefined): number {
  return parseKeyedFile(text).get("oom_kill") ?? 0;
}

/** memory.soft_limit_in_bytes (Docker's --memory-reservation) → bytes, 0 when unlimited. */
export const parseV1SoftLimit = parseV1MemoryLimit;

/**
 * cpu.stat of the v1 cpu controller: CFS enforcement periods, throttled periods, and the
 * throttled time in nanoseconds → seconds. All stay 0 while no quota is set.
 */
export function parseV1CpuStat(text: string | undefined): CfsThrottling {
  return parseCfsThrottling(text, "throttled_time", 1e-9);
}

/** cpu.cfs_quota_us: -1 (no quota) → 0. */
export function parseV1CfsQuota(text: string | undefined): number {
  const n = parseSingleNumber(text);
  return Math.max(n, 0);
}

/**
 * Per device from blkio.*io_service_bytes* and the matching *io_serviced* file (operations),
 * `MAJ:MIN Read|Write|… N` lines. Devices in neither file are absent; sorted by major:minor.
 */
export function parseBlkioDevices(
  bytesText: string | undefined,
  opsText: string | undefined,
): DeviceIoStats[] {
  const byDev = new Map<string, DeviceIoStats>();
  const add = (text: string | undefined, bytes: boolean) => {
    for (const line of (text ?? "").split("\n")) {
      const [dev, op, value] = line.trim().split(/\s+/);
      if (!dev?.includes(":") || value === undefined) continue;
      const n = Number(value);
      if (!Number.isFinite(n)) continue;
      let d = byDev.get(dev);
      if (!d) {
        const [major, minor] = dev.split(":").map(Number);
        d = {
          device: dev,
          major: major ?? 0,
          minor: minor ?? 0,
          readBytes: 0,
          writeBytes: 0,
          reads: 0,
          writes: 0,
        };
        byDev.set(dev, d);
      }
      if (op === "Read") {
        if (bytes) d.readBytes = n;
        else d.reads = n;
      } else if (op === "Write") {
        if (bytes) d.writeBytes = n;
        else d.writes = n;
      }
    }
  };
  add(bytesText, true);
  add(opsText, false);
  return [...byDev.values()].sort((a, b) => a.major - b.major || a.minor - b.minor);
}

// Tried in order; the first with device lines wins. On recent kernels throttle counters move only
// for I/O submitted in the cgroup's own context (blk-throttle active on the device, or writes the
// task syncs itself) — buffered writes flushed later by the kernel's writeback threads are not
// charged to the container on v1. CFQ's file is gone (kernel ≥ 5.0) and BFQ keeps its own.
const BLKIO_FILES: [bytes: string, ops: string][] = [
  ["blkio.throttle.io_service_bytes_recursive", "blkio.throttle.io_serviced_recursive"],
  ["blkio.io_service_bytes_recursive", "blkio.io_serviced_recursive"],
  ["blkio.bfq.io_service_bytes_recursive", "blkio.bfq.io_serviced_recursive"],
];

export async function readV1Blkio(dir: string): Promise<{ readBytes: number; writeBytes: number }> {
  const devices = await readV1BlkioDevices(dir);
  const t = sumDevices(devices);
  return { readBytes: t.readBytes, writeBytes: t.writeBytes };
}

/** Per-device block I/O of a v1 blkio directory; empty when no file has device lines. */
export async function readV1BlkioDevices(dir: string): Promise<DeviceIoStats[]> {
  return readV1BlkioDevicesSync(dir);
}

function readV1BlkioDevicesSync(dir: string, read: ReadFile = readOptional): DeviceIoStats[] {
  for (const [bytesFile, opsFile] of BLKIO_FILES) {
    const bytes = read(`${dir}/${bytesFile}`);
    if (parseBlkioServiceBytes(bytes).devices === 0) continue;
    return parseBlkioDevices(bytes, read(`${dir}/${opsFile}`));
  }
  return [];
}

/**
 * Reads one container's v1 stats; missing files leave their fields at 0. `read` is readOptional,
 * or the read of the container's held files (proc/held-files.ts).
 */
export async function readV1Stats(dirs: V1Dirs, read: ReadFile = readOptional): Promise<CgroupStats> {
  const cpuDir = dirs.cpu ?? dirs.cpuacct;
  // Paths by concatenation, not join: the directories are normalised already, and a round builds
  // some 2,000 of them.
  const mem = (f: string) => read(`${dirs.memory}/${f}`);
  const cpu = (f: string) => read(`${cpuDir}/${f}`);
  // Read one after the other, synchronously (see readOptional in stats.ts).
  const usage = read(`${dirs.cpuacct}/cpuacct.usage`);
  const cpuacctStat = read(`${dirs.cpuacct}/cpuacct.stat`);
  const memUsage = mem("memory.usage_in_bytes");
  const memStat = mem("memory.stat");
  const memLimit = mem("memory.limit_in_bytes");
  const pids = read(`${dirs.pids}/pids.current`);
  const devices = readV1BlkioDevicesSync(dirs.blkio, read);
  const maxUsage = mem("memory.max_usage_in_bytes");
  const failcnt = mem("memory.failcnt");
  const softLimit = mem("memory.soft_limit_in_bytes");
  const oomControl = mem("memory.oom_control");
  const cpuStat = cpu("cpu.stat");
  const quota = cpu("cpu.cfs_quota_us");
  const period = cpu("cpu.cfs_period_us");
  const shares = cpu("cpu.shares");
  const times = parseCpuacctStat(cpuacctStat);
  const m = parseV1MemoryStat(memStat);
  const extra = parseV1MemoryStatExtra(memStat);
  const throttling = parseV1CpuStat(cpuStat);
  const io = sumDevices(devices);
  const memoryUsageBytes = parseSingleNumber(memUsage);
  return {
    cpuUsageSeconds: parseCpuacctUsage(usage),
    cpuUserSeconds: times.userSeconds,
    cpuSystemSeconds: times.systemSeconds,
    memoryUsageBytes,
    memoryWorkingSetBytes: workingSet(memoryUsageBytes, m.inactiveFile),
    memoryRssBytes: m.rss,
    memoryCacheBytes: m.cache,
    memoryLimitBytes: parseV1MemoryLimit(memLimit),
    pids: parseSingleNumber(pids),
    blkioReadBytes: io.readBytes,
    blkioWriteBytes: io.writeBytes,
    cpuPeriods: throttling.periods,
    cpuThrottledPeriods: throttling.throttledPeriods,
    cpuThrottledSeconds: throttling.throttledSeconds,
    memorySwapBytes: extra.swap,
    memoryMappedFileBytes: extra.mappedFile,
    memoryMaxUsageBytes: parseSingleNumber(maxUsage),
    memoryFailcnt: parseSingleNumber(failcnt),
    memoryReservationBytes: parseV1SoftLimit(softLimit),
    oomKills: parseV1OomKills(oomControl),
    blkioReads: io.reads,
    blkioWrites: io.writes,
    cpuQuotaMicros: parseV1CfsQuota(quota),
    cpuPeriodMicros: parseSingleNumber(period),
    cpuShares: parseSingleNumber(shares),
    ...(devices.length > 0 ? { devices } : {}),
  };
}
