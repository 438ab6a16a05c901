import { readFile } from "node:fs/promises";
import type { SampleRecord } from "../../protocol/records.ts";

/**
 * One container's resource counters read from its cgroup; every field is 0 when unknown.
 * Working set = usage − inactive file pages: what the kernel cannot easily reclaim (what the
 * OOM killer looks at). A memory limit of 0 means none.
 */
export type CgroupStats = Pick<
  SampleRecord,
  | "cpuUsageSeconds"
  | "cpuUserSeconds"
  | "cpuSystemSeconds"
  | "memoryUsageBytes"
  | "memoryWorkingSetBytes"
  | "memoryRssBytes"
  | "memoryCacheBytes"
  | "memoryLimitBytes"
  | "pids"
  | "blkioReadBytes"
  | "blkioWriteBytes"
>;

export function emptyStats(): CgroupStats {
  return {
    cpuUsageSeconds: 0,
    cpuUserSeconds: 0,
    cpuSystemSeconds: 0,
    memoryUsageBytes: 0,
    memoryWorkingSetBytes: 0,
    memoryRssBytes: 0,
    memoryCacheBytes: 0,
    memoryLimitBytes: 0,
    pids: 0,
    blkioReadBytes: 0,
    blkioWriteBytes: 0,
  };
}

/** A file holding one number (memory.current, pids.current …); anything else reads as 0. */
export function parseSingleNumber(text: string | undefined): number {
  const n = Number((text ?? "").trim());
  return Number.isFinite(n) ? n : 0;
}

/** A flat-keyed file of `key value` lines (memory.stat, cpu.stat, cpuacct.stat). */
export function parseKeyedFile(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? "").split("\n")) {
    const [key, value] = line.trim().split(/\s+/);
    if (!key || value === undefined) continue;
    const n = Number(value);
    if (Number.isFinite(n)) out.set(key, n);
  }
  return out;
}

/** usage − inactive_file, never negative (the counters are read at slightly different instants). */
export function workingSet(usage: number, inactiveFile: number): number {
  return Math.max(0, usage - inactiveFile);
}

/**
 * Reads a cgroup file, or undefined when it does not exist (a controller not enabled, an older
 * kernel). Other errors propagate: they mean the cgroup itself is unreadable.
 */
export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ENODEV" || code === "EOPNOTSUPP")
      return undefined;
    throw err;
  }
}
