import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCpuacctUsage } from "../../collector/cgroup/v1.ts";
import {
  cpuWeightToShares,
  parseIoStat,
  parseIoStatDevices,
  parseV2CpuMax,
  parseV2CpuStat,
  parseV2CpuThrottling,
  parseV2MappedFile,
  parseV2MemoryEvents,
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

describe("cgroup v2: throttling, memory events, spec", () => {
  it("reads nr_periods / nr_throttled / throttled_usec from cpu.stat", () => {
    expect(parseV2CpuThrottling(text(COUCHBASE, "cpu.stat"))).toEqual({
      periods: 2914,
      throttledPeriods: 222,
      throttledSeconds: 2.261444,
    });
    expect(parseV2CpuThrottling(text(TELEGRAF, "cpu.stat")).throttledSeconds).toBeCloseTo(19175.137007, 6);
  });

  it("reads file_mapped from memory.stat", () => {
    expect(parseV2MappedFile(text(COUCHBASE, "memory.stat"))).toBe(79003648);
    expect(parseV2MappedFile(text(TELEGRAF, "memory.stat"))).toBe(14213120);
  });

  it("reads max and oom_kill from a memory.events-format file", () => {
    // Telegraf's capture is memory.events.local (same keys, this cgroup only).
    expect(parseV2MemoryEvents(text(TELEGRAF, "memory.events.local"))).toEqual({ max: 0, oomKill: 0 });
    // The kernel's documented form (cgroup-v2.rst) with kills; no captured file with kills was found.
    expect(parseV2MemoryEvents("low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n")).toEqual({
      max: 12,
      oomKill: 2,
    });
  });

  it("reads cpu.max quota and period; `max` is no quota", () => {
    expect(parseV2CpuMax(text(COUCHBASE, "cpu.max"))).toEqual({ quotaMicros: 250000, periodMicros: 100000 });
    expect(parseV2CpuMax(text(TELEGRAF, "cpu.max"))).toEqual({ quotaMicros: 4800000, periodMicros: 100000 });
    expect(parseV2CpuMax("max 100000\n")).toEqual({ quotaMicros: 0, periodMicros: 100000 });
  });

  it("converts cpu.weight back to the shares it stands for", () => {
    // Docker's default 1024 shares become weight 39 under runc (1 + 1022 × 9999 / 262142, truncated);
    // the way back is lossy. systemd's default weight 100 stands for 2597 shares.
    expect(cpuWeightToShares("39\n")).toBe(998);
    expect(cpuWeightToShares("100\n")).toBe(2597);
    expect(cpuWeightToShares("1\n")).toBe(2);
    expect(cpuWeightToShares("10000\n")).toBe(262144);
    expect(cpuWeightToShares(undefined)).toBe(0);
  });

  it("keeps io.stat per device with operation counts", () => {
    expect(parseIoStatDevices(text(COUCHBASE, "io.stat"))).toEqual([
      expect.objectContaining({ readBytes: 40824832, writeBytes: 824999936 }),
    ]);
  });

  it("fills the parity fields in readV2Stats; memory.peak when present, missing files as 0", async () => {
    const t = await readV2Stats(TELEGRAF);
    expect(t).toMatchObject({
      memoryMaxUsageBytes: 87302021120,
      memoryMappedFileBytes: 14213120,
      cpuPeriods: 3936904,
      cpuThrottledPeriods: 6004,
      cpuQuotaMicros: 4800000,
      cpuPeriodMicros: 100000,
      memorySwapBytes: 0, // no memory.swap.current in the capture
      memoryReservationBytes: 0, // no memory.low
      oomKills: 0, // only memory.events.local was captured
    });
    const c = await readV2Stats(COUCHBASE);
    expect(c).toMatchObject({ cpuThrottledPeriods: 222, cpuQuotaMicros: 250000, memoryMaxUsageBytes: 0 });
    expect(c.devices).toHaveLength(1);
  });
});
