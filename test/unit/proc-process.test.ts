import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { parseCgroupProcs } from "../../collector/cgroup/stats.ts";
import type { ContainerInfo } from "../../collector/docker/container-info.ts";
import type { ContainerInventory } from "../../collector/docker/inventory.ts";
import {
  namespacePid,
  parseBtime,
  parseCmdline,
  parsePasswd,
  parseStat,
  parseStatus,
  parseUptime,
  readCmdline,
  readPasswdOf,
  readStat,
  startTimeRfc3339,
  userName,
} from "../../collector/proc/process.ts";
import { ProcessesSource } from "../../collector/sources/processes/processes-source.ts";
import type { FleetRecord, ProcessRecord } from "../../protocol/records.ts";

// Real /proc files of a busybox container's processes and two host processes, captured on this
// machine by test/fixtures/proc-process/capture.sh; see its SOURCE.md and CAPTURED.txt.
const DIR = join(import.meta.dirname, "../fixtures/proc-process");
const PROC = join(DIR, "proc");
const CGROUP = join(DIR, "cgroup");
const ID = "ce2eb446f2432811a27a68ccde8c5823e868872cb3e17746b07b5901a009e7cb";
const BTIME = 1795313845;
const read = (p: string) => readFileSync(join(PROC, p), "utf8");

describe("parseStat", () => {
  it("reads state, ppid, CPU ticks, threads, start time and rss of a container's sleep", () => {
    expect(parseStat(read("10800/stat"))).toEqual({
      pid: 10800,
      comm: "sleep",
      state: "S",
      ppid: 10770,
      cpuTicks: 0,
      threads: 1,
      startTicks: 255376,
      rssPages: 348,
    });
  });

  it("adds utime and stime (the container's sh used 2 ticks)", () => {
    expect(parseStat(read("10770/stat"))).toMatchObject({ comm: "sh", ppid: 10745, cpuTicks: 2 });
  });

  it("keeps a comm holding a space and parentheses whole, counting fields from the last ')'", () => {
    expect(parseStat(read("10839/stat"))).toMatchObject({
      pid: 10839,
      comm: "we ird) (x",
      state: "S",
      ppid: 10707,
      startTicks: 255486,
      rssPages: 411,
    });
  });

  it("reads a kernel thread (no rss, ppid 0)", () => {
    expect(parseStat(read("2/stat"))).toMatchObject({
      comm: "kthreadd",
      ppid: 0,
      rssPages: 0,
      startTicks: 14,
    });
  });

  it("rejects text that is not a stat line", () => {
    expect(parseStat("")).toBeUndefined();
    expect(parseStat("12 (x) S 1 2")).toBeUndefined();
  });
});

describe("parseStatus", () => {
  it("reads uid, threads, VmRSS and both NSpid values of a container process", () => {
    const s = parseStatus(read("10800/status"));
    expect(s).toEqual({
      name: "sleep",
      uid: 0,
      ppid: 10770,
      threads: 1,
      rssBytes: 1444 * 1024,
      nsPids: [10800, 7],
    });
    expect(namespacePid(s, 10800)).toBe(7);
  });

  it("reads the real uid of a process started with docker exec -u 1000", () => {
    const s = parseStatus(read("10829/status"));
    expect(s.uid).toBe(1000);
    expect(namespacePid(s, 10829)).toBe(10);
  });

  it("gives a host process its own pid and a kernel thread no RSS", () => {
    expect(namespacePid(parseStatus(read("10839/status")), 10839)).toBe(10839);
    const k = parseStatus(read("2/status"));
    expect(k).toMatchObject({ name: "kthreadd", rssBytes: 0, nsPids: [2] });
  });

  it("falls back to the host pid when the kernel has no NSpid line", () => {
    expect(namespacePid(parseStatus("Name:\tx\nUid:\t5\t5\t5\t5\n"), 42)).toBe(42);
  });
});

describe("cmdline", () => {
  it("joins NUL-separated arguments with spaces", () => {
    expect(parseCmdline(readFileSync(join(PROC, "10801/cmdline")))).toBe("sleep 1002");
    const sh = parseCmdline(readFileSync(join(PROC, "10770/cmdline")));
    expect(sh.startsWith('sh -c printf "root:x:0:0')).toBe(true);
    expect(sh.endsWith("sleep 1001 & sleep 1002 & sleep 1003 & wait")).toBe(true);
  });

  it("is empty for a kernel thread", () => {
    expect(readCmdline(PROC, 2)).toBe("");
  });

  it("reads at most the bound and marks the cut", () => {
    const full = readCmdline(PROC, 10770);
    const cut = readCmdline(PROC, 10770, 20);
    expect(cut).toBe(`${full.slice(0, 20)}…`);
    expect(readCmdline(PROC, 999999)).toBe("");
  });
});

describe("times", () => {
  it("turns start ticks into RFC 3339 with btime from /proc/stat", () => {
    expect(parseBtime(read("stat"))).toBe(BTIME);
    expect(parseUptime(read("uptime"))).toBe(2555.92);
    expect(startTimeRfc3339(255376, BTIME)).toBe("2026-11-22T02:59:58.760Z");
    expect(parseBtime("cpu 1 2 3\n")).toBeUndefined();
    expect(parseUptime("")).toBeUndefined();
  });
});

describe("users", () => {
  it("resolves uids through the container's own /etc/passwd", () => {
    const users = readPasswdOf(PROC, 10770);
    expect([...users]).toEqual([
      [0, "root"],
      [1000, "app"],
    ]);
    expect(userName(users, 1000)).toBe("app"); // the host calls uid 1000 otherwise (see CAPTURED.txt)
  });

  it("falls back to root for uid 0 and to the number otherwise", () => {
    const none = readPasswdOf(PROC, 10800); // no root/ captured: like an image without passwd
    expect(none.size).toBe(0);
    expect(userName(none, 0)).toBe("root");
    expect(userName(none, 4242)).toBe("4242");
    expect(parsePasswd("# c\nbad\nx:x:7:7::/:/bin/sh\ny:x:7:7::/:/bin/sh\n").get(7)).toBe("x");
  });

  it("parses cgroup.procs", () => {
    const procs = readFileSync(join(CGROUP, "memory/docker", ID, "cgroup.procs"), "utf8");
    expect(parseCgroupProcs(procs)).toEqual([10770, 10800, 10801, 10802, 10829]);
  });

  it("reads a vanished process as undefined", () => {
    expect(readStat(PROC, 999999)).toBeUndefined();
  });
});

describe("ProcessesSource on the captured tree", () => {
  const info = {
    id: ID,
    name: "fs-fixture-procs",
    image: "busybox:fleetscope",
    state: "running",
    pid: 10770,
  } as ContainerInfo;

  async function sample(opts: { maxPerContainer?: number; hostTop?: number } = {}) {
    const inventory = Object.assign(new EventEmitter(), {
      list: () => [info],
      get: () => info,
    }) as unknown as ContainerInventory;
    const emitted: FleetRecord[] = [];
    const source = new ProcessesSource({
      intervalMs: 3_600_000,
      procRoot: PROC,
      cgroupRoot: CGROUP,
      ...opts,
    });
    await source.start({
      host: "vm",
      cursor: undefined,
      spooled: async () => {},
      emit: async (records) => void emitted.push(...records),
      inventory,
      log: pino({ level: "silent" }),
    });
    await source.stop();
    return { source, records: emitted as ProcessRecord[] };
  }

  it("emits the container's processes with both pids and users, and host processes with none", async () => {
    const { records } = await sample();
    const byPid = new Map(records.map((r) => [r.pid, r]));
    expect([...byPid.keys()].sort((a, b) => a - b)).toEqual([2, 10770, 10800, 10801, 10802, 10829, 10839]);
    expect(byPid.get(10801)).toEqual({
      kind: "process",
      time: expect.any(String),
      host: "vm",
      containerId: ID,
      containerName: "fs-fixture-procs",
      image: "busybox:fleetscope",
      pid: 10801,
      nsPid: 8,
      ppid: 10770,
      uid: 0,
      user: "root",
      command: "sleep",
      cmdline: "sleep 1002",
      state: "S",
      cpuPercent: 0,
      // stat's rss (348 pages), read every round anyway: what ps and top show. status's VmRSS
      // (1444 kB) sums the kernel's per-CPU counters exactly and is not read each round.
      rssBytes: 348 * 4096,
      threads: 1,
      startTime: "2026-11-22T02:59:58.760Z",
    });
    expect(byPid.get(10829)).toMatchObject({ user: "app", nsPid: 10, containerName: "fs-fixture-procs" });
    expect(byPid.get(10770)?.nsPid).toBe(1);
    // First sight: the lifetime average, as ps shows it (2 ticks over 2.30 s).
    expect(byPid.get(10770)?.cpuPercent).toBeCloseTo(0.87, 2);
    expect(byPid.get(10839)).toMatchObject({ containerId: "", containerName: "", command: "we ird) (x" });
    expect(byPid.get(2)).toMatchObject({ containerId: "", cmdline: "", rssBytes: 0 });
    expect(new Set(records.map((r) => r.time)).size).toBe(1); // one snapshot time per round
  });

  it("keeps the top N of a container by CPU then RSS and counts the rest", async () => {
    const { source, records } = await sample({ maxPerContainer: 2, hostTop: 0 });
    // Lifetime CPU on first sight: the exec'd sleep 1 tick in 1.11 s (0.90 %), sh 2 ticks in
    // 2.30 s (0.87 %); the other sleeps have none and are cut.
    expect(records.map((r) => [r.pid, r.cpuPercent])).toEqual([
      [10829, 0.9],
      [10770, 0.87],
    ]);
    expect(source.stats.cut).toBe(3);
  });
});
