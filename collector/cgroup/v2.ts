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

/** cpu.stat: usage_usec / user_usec / system_usec → seconds. */
export function parseV2CpuStat(text: string | undefined): {
  usageSeconds: number;
  userSeconds: number;
  systemSeconds: number;
} {
  const m = parseKeyedFile(text);
  return {
    usageSeconds: (m.get("usage_usec") ?? 0) / 1e6,
    userSeconds: (m.get("user_usec") ?? 0) / 1e6,
    systemSeconds: (m.get("system_usec") ?? 0) / 1e6,
  };
}

/** memory.stat (v2 is always hierarchical): anon ≈ v1 rss, file ≈ v1 cache. */
export function parseV2MemoryStat(text: string | undefined): {
  anon: number;
  file: number;
  inactiveFile: number;
} {
  const m = parseKeyedFile(text);
  return { anon: m.get("anon") ?? 0, file: m.get("file") ?? 0, inactiveFile: m.get("inactive_file") ?? 0 };
}

/** memory.max: bytes, or the word `max` for no limit → 0. */
export function parseV2MemoryMax(text: string | undefined): number {
  return text?.trim() === "max" ? 0 : parseSingleNumber(text);
}

/** io.stat: one `MAJ:MIN rbytes=… wbytes=… …` line per device; sums rbytes and wbytes. */
export function parseIoStat(text: string | undefined): { readBytes: number; writeBytes: number } {
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of (text ?? "").split("\n")) {
    for (const field of line.trim().split(/\s+/).slice(1)) {
      const [key, value] = field.split("=");
      const n = Number(value);
      if (!Number.isFinite(n)) continue;
      if (key === "rbytes") readBytes += n;
      else if (key === "wbytes") writeBytes += n;
    }
  }
  return { readBytes, writeBytes };
}

/** cpu.stat's CFS keys: nr_periods, nr_throttled, throttled_usec (µs → seconds). */
export function parseV2CpuThrottling(text: string | undefined): CfsThrottling {
  return parseCfsThrottling(text, "throttled_usec", 1e-6);
}

/** memory.stat keys beyond anon/file: file_mapped ≈ v1 mapped_file. */
export function parseV2MappedFile(text: string | undefined): number {
  return parseKeyedFile(text).get("file_mapped") ?? 0;
}

/**
 * memory.events (hierarchical): `max` counts the times usage hit memory.max (≈ v1 failcnt),
 * `oom_kill` the processes the OOM killer killed.
 */
export function parseV2MemoryEvents(text: string | undefined): { max: number; oomKill: number } {
  const m = parseKeyedFile(text);
  return { max: m.get("max") ?? 0, oomKill: m.get("oom_kill") ?? 0 };
}

/** cpu.max: `$QUOTA $PERIOD` in µs, the quota `max` meaning none (→ 0). */
export function parseV2CpuMax(text: string | undefined): { quotaMicros: number; periodMicros: number } {
  const [quota, period] = (text ?? "").trim().split(/\s+/);
  const q = Number(quota);
  const p = Number(period);
  return {
    quotaMicros: quota !== "max" && Number.isFinite(q) && q > 0 ? q : 0,
    periodMicros: Number.isFinite(p) ? p : 0,
  };
}

/**
 * cpu.weight (1–10000) → the v1 cpu.shares it stands for (2–262144), the inverse of the
 * conversion runc and systemd apply (`weight = 1 + (shares − 2) × 9999 / 262142`); 0 when absent.
 */
export function cpuWeightToShares(text: string | undefined): number {
  const w = parseSingleNumber(text);
  if (w <= 0) return 0;
  return Math.round(2 + ((w - 1) * 262142) / 9999);
}

/** io.stat per device: `MAJ:MIN rbytes= wbytes= rios= wios= dbytes= dios=`; sorted by major:minor. */
export function parseIoStatDevices(text: string | undefined): DeviceIoStats[] {
  const out: DeviceIoStats[] = [];
  for (const line of (text ?? "").split("\n")) {
    const [dev, ...fields] = line.trim().split(/\s+/);
    if (!dev?.includes(":")) continue;
    const [major, minor] = dev.split(":").map(Number);
    const d: DeviceIoStats = {
      device: dev,
      major: major ?? 0,
      minor: minor ?? 0,
      readBytes: 0,
      writeBytes: 0,
      reads: 0,
      writes: 0,
    };
    for (const field of fields) {
      const [key, value] = field.split("=");
      const n = Number(value);
      if (!Number.isFinite(n)) continue;
      if (key === "rbytes") d.readBytes = n;
      else if (key === "wbytes") d.writeBytes = n;
      else if (key === "rios") d.reads = n;
      else if (key === "wios") d.writes = n;
    }
    out.push(d);
  }
  return out.sort((a, b) => a.major - b.major || a.minor - b.minor);
}

const V2_FILES = [
  "cpu.stat",
  "memory.current",
  "memory.stat",
  "memory.max",
  "pids.current",
  "io.stat",
  "memory.swap.current",
  "memory.peak",
  "memory.events",
  "memory.low",
  "cpu.max",
  "cpu.weight",
] as const;

/**
 * Reads one container's v2 stats from its unified directory; missing files leave fields at 0.
 * `read` is readOptional, or the read of the container's held files (proc/held-files.ts).
 */
export async function readV2Stats(dir: string, read: ReadFile = readOptional): Promise<CgroupStats> {
  const [cpuStat, memCurrent, memStat, memMax, pids, io, swap, peak, events, low, cpuMax, weight] =
    V2_FILES.map((f) => read(`${dir}/${f}`)); // one after the other (see readOptional)
  const cpu = parseV2CpuStat(cpuStat);
  const throttling = parseV2CpuThrottling(cpuStat);
  const mem = parseV2MemoryStat(memStat);
  const memEvents = parseV2MemoryEvents(events);
  const devices = parseIoStatDevices(io);
  const blk = sumDevices(devices);
  const cfs = parseV2CpuMax(cpuMax);
  const memoryUsageBytes = parseSingleNumber(memCurrent);
  return {
    cpuUsageSeconds: cpu.usageSeconds,
    cpuUserSeconds: cpu.userSeconds,
    cpuSystemSeconds: cpu.systemSeconds,
    memoryUsageBytes,
    memoryWorkingSetBytes: workingSet(memoryUsageBytes, mem.inactiveFile),
    memoryRssBytes: mem.anon,
    memoryCacheBytes: mem.file,
    memoryLimitBytes: parseV2MemoryMax(memMax),
    pids: parseSingleNumber(pids),
    blkioReadBytes: blk.readBytes,
    blkioWriteBytes: blk.writeBytes,
    cpuPeriods: throttling.periods,
    cpuThrottledPeriods: throttling.throttledPeriods,
    cpuThrottledSeconds: throttling.throttledSeconds,
    memorySwapBytes: parseSingleNumber(swap),
    memoryMappedFileBytes: parseV2MappedFile(memStat),
    // memory.peak exists from kernel 5.19; older kernels keep no high-water mark (0).
    memoryMaxUsageBytes: parseSingleNumber(peak),
    memoryFailcnt: memEvents.max,
    memoryReservationBytes: parseV2MemoryMax(low),
    oomKills: memEvents.oomKill,
    blkioReads: blk.reads,
    blkioWrites: blk.writes,
    cpuQuotaMicros: cfs.quotaMicros,
    cpuPeriodMicros: cfs.periodMicros,
    cpuShares: cpuWeightToShares(weight),
    ...(devices.length > 0 ? { devices } : {}),
  };
}
