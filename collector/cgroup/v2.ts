import { join } from "node:path";
import { type CgroupStats, parseKeyedFile, parseSingleNumber, readOptional, workingSet } from "./stats.ts";

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

/** Reads one container's v2 stats from its unified directory; missing files leave fields at 0. */
export async function readV2Stats(dir: string): Promise<CgroupStats> {
  const [cpuStat, memCurrent, memStat, memMax, pids, io] = await Promise.all(
    ["cpu.stat", "memory.current", "memory.stat", "memory.max", "pids.current", "io.stat"].map((f) =>
      readOptional(join(dir, f)),
    ),
  );
  const cpu = parseV2CpuStat(cpuStat);
  const mem = parseV2MemoryStat(memStat);
  const blk = parseIoStat(io);
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
  };
}
