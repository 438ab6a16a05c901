import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  parseBlkioServiceBytes,
  parseCpuacctStat,
  parseCpuacctUsage,
  parseV1MemoryLimit,
  parseV1MemoryStat,
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
