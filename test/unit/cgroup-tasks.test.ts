import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCgroupProcs } from "../../collector/cgroup/stats.ts";
import { type ProcIo, ProcIoAccount, parseProcIo, readTaskStats } from "../../collector/cgroup/tasks.ts";
import { parseStatus } from "../../collector/proc/process.ts";

// /proc files of the two processes of a captured container (sh spinning, its `sleep` child; dd,
// an earlier child, already reaped by sh); see test/fixtures/proc/SOURCE.md.
const PROC = join(import.meta.dirname, "../fixtures/proc");
const FULL = "938fcf211cf748e3d73f97891b40aaf0737b63d9fe14bf31a693f2ca5e01da38";
const procs = readFileSync(
  join(import.meta.dirname, "../fixtures/cgroup/v1/pids/docker", FULL, "cgroup.procs"),
  "utf8",
);

describe("/proc of a cgroup's processes", () => {
  it("lists cgroup.procs", () => {
    expect(parseCgroupProcs(procs)).toEqual([12267, 12298]);
    expect(parseCgroupProcs("")).toEqual([]);
  });

  it("reads Threads and PPid from status", () => {
    const status = readFileSync(join(PROC, "12298/status"), "utf8");
    expect(parseStatus(status)).toMatchObject({ threads: 1, ppid: 12267 });
  });

  it("reads read_bytes / write_bytes of io, the reaped dd's 4 MiB included in its parent's", () => {
    expect(parseProcIo(readFileSync(join(PROC, "12267/io"), "utf8"))).toEqual({
      readBytes: 0,
      writeBytes: 4202496,
    });
    expect(parseProcIo(undefined)).toBeUndefined();
  });

  it("sums the processes through procRoot; fd directories were not captured, so 0 fds", async () => {
    const t = await readTaskStats(PROC, [12267, 12298, 999999]);
    expect(t.processes).toBe(3);
    expect(t.threads).toBe(2);
    expect(t.fileDescriptors).toBe(0);
    expect([...t.io.keys()].sort()).toEqual([12267, 12298]);
    expect(t.io.get(12298)).toEqual({ readBytes: 0, writeBytes: 0, ppid: 12267 });
  });

  it("counts this test process's own open files", async () => {
    const t = await readTaskStats("/proc", [process.pid]);
    expect(t.fileDescriptors).toBeGreaterThan(3);
    expect(t.threads).toBeGreaterThanOrEqual(1);
  });
});

const io = (entries: [pid: number, write: number, ppid: number][]): Map<number, ProcIo> =>
  new Map(entries.map(([pid, write, ppid]) => [pid, { readBytes: 0, writeBytes: write, ppid }]));

describe("ProcIoAccount", () => {
  it("keeps the bytes of a process that exits when its parent is outside the container", () => {
    const a = new ProcIoAccount();
    expect(
      a.update(
        io([
          [1, 100, 0],
          [50, 1000, 7],
        ]),
      ).writeBytes,
    ).toBe(1100); // 50: a docker exec
    expect(a.update(io([[1, 100, 0]])).writeBytes).toBe(1100);
    expect(a.update(io([[1, 150, 0]])).writeBytes).toBe(1150);
  });

  it("does not count a child twice once its parent in the container reaped it", () => {
    const a = new ProcIoAccount();
    expect(
      a.update(
        io([
          [1, 100, 0],
          [2, 1000, 1],
        ]),
      ).writeBytes,
    ).toBe(1100);
    // Exited, not reaped yet: the total holds.
    expect(a.update(io([[1, 100, 0]])).writeBytes).toBe(1100);
    // Reaped: the parent's counter now carries the child's bytes.
    expect(a.update(io([[1, 1100, 0]])).writeBytes).toBe(1100);
    expect(a.update(io([[1, 1200, 0]])).writeBytes).toBe(1200);
  });

  it("treats a counter that went down as a reused PID, and never goes down itself", () => {
    const a = new ProcIoAccount();
    a.update(
      io([
        [1, 500, 0],
        [9, 300, 0],
      ]),
    );
    expect(
      a.update(
        io([
          [1, 500, 0],
          [9, 10, 0],
        ]),
      ).writeBytes,
    ).toBe(810);
    expect(a.update(new Map()).writeBytes).toBe(810);
  });
});
