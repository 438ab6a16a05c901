import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseBlkioDevices,
  parseBlkioServiceBytes,
  parseCpuacctStat,
  parseCpuacctUsage,
  parseV1CfsQuota,
  parseV1CpuStat,
  parseV1MemoryLimit,
  parseV1MemoryStat,
  parseV1MemoryStatExtra,
  parseV1OomKills,
  parseV1SoftLimit,
  readV1Stats,
  type V1Dirs,
} from "../../collector/cgroup/v1.ts";

// Real files captured on this machine; see test/fixtures/cgroup/v1/SOURCE.md.
const ROOT = join(import.meta.dirname, "../fixtures/cgroup/v1");
const LIMITED = "7a5ea96c5adb34e2798409eab5b84bdc3a40acdb3dd3a03157d7889fc3e9cd0b";
const UNLIMITED = "7678b477ad6f2353f78f180fd7308af71a54ea73fa66bb87e306f264c75239aa";

const dirs = (id: string): V1Dirs => ({
  memory: join(ROOT, "memory/docker", id),
  cpuacct: join(ROOT, "cpuacct/docker", id),
  pids: join(ROOT, "pids/docker", id),
  blkio: join(ROOT, "blkio/docker", id),
});
const fixture = (controller: string, id: string, file: string) =>
  readFileSync(join(ROOT, controller, "docker", id, file), "utf8");

describe("cgroup v1 parsers on captured files", () => {
  it("reads cpuacct.usage nanoseconds as seconds", () => {
    expect(parseCpuacctUsage(fixture("cpuacct", LIMITED, "cpuacct.usage"))).toBeCloseTo(3.28592386, 9);
  });

  it("reads cpuacct.stat USER_HZ ticks as seconds", () => {
    // user 326, system 2 ticks at 100 Hz
    expect(parseCpuacctStat(fixture("cpuacct", LIMITED, "cpuacct.stat"))).toEqual({
      userSeconds: 3.26,
      systemSeconds: 0.02,
    });
  });

  it("takes the hierarchical total_* keys of memory.stat", () => {
    expect(parseV1MemoryStat(fixture("memory", LIMITED, "memory.stat"))).toEqual({
      rss: 61440,
      cache: 2011136,
      inactiveFile: 217088,
    });
  });

  it("reads a 64 MiB limit and treats the kernel's unlimited value as 0", () => {
    expect(parseV1MemoryLimit(fixture("memory", LIMITED, "memory.limit_in_bytes"))).toBe(64 * 1024 * 1024);
    const raw = fixture("memory", UNLIMITED, "memory.limit_in_bytes");
    expect(raw.trim()).toBe("9223372036854771712");
    expect(parseV1MemoryLimit(raw)).toBe(0);
  });

  it("sums Read and Write of blkio.throttle.io_service_bytes_recursive", () => {
    expect(
      parseBlkioServiceBytes(fixture("blkio", LIMITED, "blkio.throttle.io_service_bytes_recursive")),
    ).toEqual({
      readBytes: 1994752,
      writeBytes: 8388608,
      devices: 1,
    });
    // A file with only `Total 0` has no device lines.
    expect(
      parseBlkioServiceBytes(fixture("blkio", UNLIMITED, "blkio.throttle.io_service_bytes_recursive")),
    ).toEqual({ readBytes: 0, writeBytes: 0, devices: 0 });
  });
});

describe("readV1Stats", () => {
  it("reads a limited container with disk I/O", async () => {
    const s = await readV1Stats(dirs(LIMITED));
    expect(s.cpuUsageSeconds).toBeCloseTo(3.28592386, 9);
    expect(s.cpuUserSeconds).toBe(3.26);
    expect(s.cpuSystemSeconds).toBe(0.02);
    expect(s.memoryUsageBytes).toBe(2441216);
    // memory.usage_in_bytes − total_inactive_file
    expect(s.memoryWorkingSetBytes).toBe(2441216 - 217088);
    expect(s.memoryRssBytes).toBe(61440);
    expect(s.memoryCacheBytes).toBe(2011136);
    expect(s.memoryLimitBytes).toBe(67108864);
    expect(s.pids).toBe(1);
    expect(s.blkioReadBytes).toBe(1994752);
    expect(s.blkioWriteBytes).toBe(8388608);
  });

  it("reads an unlimited container without block I/O", async () => {
    const s = await readV1Stats(dirs(UNLIMITED));
    expect(s).toMatchObject({
      memoryUsageBytes: 724992,
      memoryWorkingSetBytes: 724992, // total_inactive_file 0
      memoryRssBytes: 114688,
      memoryCacheBytes: 0,
      memoryLimitBytes: 0,
      pids: 2,
      blkioReadBytes: 0,
      blkioWriteBytes: 0,
      cpuUserSeconds: 0.01,
      cpuSystemSeconds: 0.01,
    });
    expect(s.cpuUsageSeconds).toBeCloseTo(0.02818839, 9);
  });

  it("reads missing files as 0 instead of failing", async () => {
    const s = await readV1Stats(dirs("0".repeat(64)));
    expect(Object.values(s).every((v) => v === 0)).toBe(true);
  });
});

// Captured for the cAdvisor-parity fields: --memory 32m --memory-reservation 16m --cpus 0.5, a
// child OOM-killed, 4 MiB written with fsync; see SOURCE.md.
const FULL = "938fcf211cf748e3d73f97891b40aaf0737b63d9fe14bf31a693f2ca5e01da38";

describe("cgroup v1: throttling, OOM kills, reservation, per-device I/O", () => {
  it("reads CFS throttling from the cpu controller's cpu.stat, throttled_time in ns", () => {
    expect(parseV1CpuStat(fixture("cpu", FULL, "cpu.stat"))).toEqual({
      periods: 450,
      throttledPeriods: 448,
      throttledSeconds: 21.966099531,
    });
    // No quota: the counters exist and stay 0.
    expect(parseV1CpuStat(fixture("cpu", LIMITED, "cpu.stat")).periods).toBe(0);
  });

  it("reads the quota, with -1 as none", () => {
    expect(parseV1CfsQuota(fixture("cpu", FULL, "cpu.cfs_quota_us"))).toBe(50000);
    expect(parseV1CfsQuota(fixture("cpu", LIMITED, "cpu.cfs_quota_us"))).toBe(0);
  });

  it("counts the child the kernel OOM-killed in memory.oom_control", () => {
    expect(parseV1OomKills(fixture("memory", FULL, "memory.oom_control"))).toBe(1);
    expect(parseV1OomKills(fixture("memory", LIMITED, "memory.oom_control"))).toBe(0);
  });

  it("reads the soft limit (--memory-reservation); the kernel's unlimited value is 0", () => {
    expect(parseV1SoftLimit(fixture("memory", FULL, "memory.soft_limit_in_bytes"))).toBe(16 * 1024 * 1024);
    expect(parseV1SoftLimit("9223372036854771712\n")).toBe(0);
  });

  it("takes total_swap and total_mapped_file from memory.stat", () => {
    expect(parseV1MemoryStatExtra(fixture("memory", LIMITED, "memory.stat"))).toEqual({
      swap: 0,
      mappedFile: 1613824,
    });
  });

  it("pairs service bytes with serviced operations per device", () => {
    expect(
      parseBlkioDevices(
        fixture("blkio", FULL, "blkio.throttle.io_service_bytes_recursive"),
        fixture("blkio", FULL, "blkio.throttle.io_serviced_recursive"),
      ),
    ).toEqual([
      { device: "254:0", major: 254, minor: 0, readBytes: 0, writeBytes: 4214784, reads: 0, writes: 8 },
    ]);
  });

  it("reads every field of a throttled, OOM-hit container", async () => {
    const s = await readV1Stats({ ...dirs(FULL), cpu: join(ROOT, "cpu/docker", FULL) });
    expect(s).toMatchObject({
      cpuUsageSeconds: 22.447109005,
      cpuUserSeconds: 22.37,
      cpuSystemSeconds: 0.07,
      memoryUsageBytes: 2609152,
      memoryWorkingSetBytes: 2609152 - 2097152,
      memoryRssBytes: 118784,
      memoryCacheBytes: 2101248,
      memoryLimitBytes: 32 * 1024 * 1024,
      memoryMaxUsageBytes: 32 * 1024 * 1024,
      memoryFailcnt: 0,
      memoryReservationBytes: 16 * 1024 * 1024,
      memorySwapBytes: 0,
      memoryMappedFileBytes: 0,
      oomKills: 1,
      pids: 2,
      cpuPeriods: 450,
      cpuThrottledPeriods: 448,
      cpuThrottledSeconds: 21.966099531,
      cpuQuotaMicros: 50000,
      cpuPeriodMicros: 100000,
      cpuShares: 1024,
      blkioReadBytes: 0,
      blkioWriteBytes: 4214784,
      blkioReads: 0,
      blkioWrites: 8,
    });
    expect(s.devices).toHaveLength(1);
  });

  it("without a cpu directory, falls back to cpuacct's (co-mounted cpu,cpuacct) and reads 0", async () => {
    const s = await readV1Stats(dirs(FULL));
    expect(s.cpuPeriods + s.cpuQuotaMicros + s.cpuShares).toBe(0);
    expect(s.cpuUsageSeconds).toBeCloseTo(22.447109005, 9);
  });
});
