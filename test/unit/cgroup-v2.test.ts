import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCpuacctUsage } from "../../collector/cgroup/v1.ts";
import {
  parseIoStat,
  parseV2CpuStat,
  parseV2MemoryMax,
  parseV2MemoryStat,
  readV2Stats,
} from "../../collector/cgroup/v2.ts";

// Real v2 files from public repositories and this machine's unified hierarchy; see
// test/fixtures/cgroup/v2/SOURCE.md.
const V2 = join(import.meta.dirname, "../fixtures/cgroup/v2");
const COUCHBASE = join(V2, "couchbase-docker");
const TELEGRAF = join(V2, "telegraf");
const UNIFIED_ID = "014c39f3407e86f293a1b2c4c16aca51909c7737aecb74a1037fa5e25bd99f9c";
const UNIFIED = join(V2, "hybrid-unified/docker", UNIFIED_ID);
const text = (dir: string, file: string) => readFileSync(join(dir, file), "utf8");

describe("cgroup v2 parsers on captured files", () => {
  it("reads cpu.stat microseconds as seconds", () => {
    const cpu = parseV2CpuStat(text(COUCHBASE, "cpu.stat"));
    expect(cpu.usageSeconds).toBeCloseTo(528.946079, 6);
    expect(cpu.userSeconds).toBeCloseTo(486.652575, 6);
    expect(cpu.systemSeconds).toBeCloseTo(42.293504, 6);
  });

  it("ignores extra cpu.stat keys of newer kernels", () => {
    const cpu = parseV2CpuStat(text(TELEGRAF, "cpu.stat")); // has core_sched.force_idle_usec, burst_usec
    expect(cpu.usageSeconds).toBeCloseTo(98701.325189, 6);
    expect(cpu.userSeconds).toBeCloseTo(61355.716211, 6);
    expect(cpu.systemSeconds).toBeCloseTo(37345.608977, 6);
  });

  it("takes anon, file and inactive_file from memory.stat", () => {
    expect(parseV2MemoryStat(text(COUCHBASE, "memory.stat"))).toEqual({
      anon: 2147508224,
      file: 590389248,
      inactiveFile: 42106880,
    });
  });

  it("reads memory.max bytes, and `max` as no limit", () => {
    expect(parseV2MemoryMax(text(TELEGRAF, "memory.max"))).toBe(103079215104);
    // No captured `max` file was found; this is the kernel's documented form (cgroup-v2.rst).
    expect(parseV2MemoryMax("max\n")).toBe(0);
  });

  it("sums rbytes and wbytes of io.stat over devices", () => {
    expect(parseIoStat(text(COUCHBASE, "io.stat"))).toEqual({ readBytes: 40824832, writeBytes: 824999936 });
    // Two real device lines from two captures, one file per device → one line each.
    const both = text(COUCHBASE, "io.stat") + text(TELEGRAF, "io.stat");
    expect(parseIoStat(both)).toEqual({
      readBytes: 40824832 + 74526720,
      writeBytes: 824999936 + 3789381632,
    });
  });

  it("agrees with the v1 counter read at the same moment on a hybrid host", () => {
    const v2 = parseV2CpuStat(text(UNIFIED, "cpu.stat"));
    const v1 = parseCpuacctUsage(text(UNIFIED, "cpuacct.usage.v1-same-moment"));
    expect(v2.usageSeconds).toBeCloseTo(3.080721, 6);
    expect(Math.abs(v2.usageSeconds - v1)).toBeLessThan(1e-5);
  });
});

describe("readV2Stats", () => {
  it("reads a Docker container's v2 directory; missing memory.max and pids.current read as 0", async () => {
    const s = await readV2Stats(COUCHBASE);
    expect(s.cpuUsageSeconds).toBeCloseTo(528.946079, 6);
    expect(s.memoryUsageBytes).toBe(2766684160);
    // memory.current − inactive_file
    expect(s.memoryWorkingSetBytes).toBe(2766684160 - 42106880);
    expect(s.memoryRssBytes).toBe(2147508224);
    expect(s.memoryCacheBytes).toBe(590389248);
    expect(s.memoryLimitBytes).toBe(0);
    expect(s.pids).toBe(0);
    expect(s.blkioReadBytes).toBe(40824832);
    expect(s.blkioWriteBytes).toBe(824999936);
  });

  it("reads memory.max when present", async () => {
    const s = await readV2Stats(TELEGRAF);
    expect(s.memoryLimitBytes).toBe(103079215104);
    expect(s.memoryUsageBytes).toBe(13071106048);
    expect(s.memoryWorkingSetBytes).toBe(13071106048 - 2935459840);
    expect(s.memoryRssBytes).toBe(2471755776);
    expect(s.memoryCacheBytes).toBe(8532865024);
  });

  it("reads a cgroup with only cpu.stat (no memory/io/pids controllers enabled)", async () => {
    const s = await readV2Stats(UNIFIED);
    expect(s.cpuUsageSeconds).toBeCloseTo(3.080721, 6);
    expect(s.cpuUserSeconds).toBeCloseTo(3.072749, 6);
    expect(s.cpuSystemSeconds).toBeCloseTo(0.007972, 6);
    expect(s.memoryUsageBytes + s.memoryLimitBytes + s.pids + s.blkioReadBytes).toBe(0);
  });
});
