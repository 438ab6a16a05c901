import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  detectCgroupVersion,
  findContainerCgroup,
  guessContainerCgroup,
  parseProcCgroup,
} from "../../collector/cgroup/paths.ts";
import { CgroupUnreadableError, readCgroupStats } from "../../collector/cgroup/read-stats.ts";

// Real /proc/<pid>/cgroup files and cgroup trees captured on this machine (v1 hybrid, cgroupfs
// driver); see test/fixtures/proc/SOURCE.md and test/fixtures/cgroup/*/SOURCE.md.
const FIXTURES = join(import.meta.dirname, "../fixtures");
const PROC = join(FIXTURES, "proc");
const V1 = join(FIXTURES, "cgroup/v1");
const UNIFIED = join(FIXTURES, "cgroup/v2/hybrid-unified");
const V1_ID = "7a5ea96c5adb34e2798409eab5b84bdc3a40acdb3dd3a03157d7889fc3e9cd0b";
const V2_ID = "014c39f3407e86f293a1b2c4c16aca51909c7737aecb74a1037fa5e25bd99f9c";
// fs-fixture-v1-zombie: 10886 its init, 10918 an exited (zombie) child whose v1 lines read `/`.
const ZOMBIE_ID = "f18202c03824b6219acd1856218ec02b8ae645d24af938549ce95a39d731edb2";
const MiB = 1024 * 1024;

describe("parseProcCgroup", () => {
  it("maps v1 controllers and the unified line, skipping name=systemd", () => {
    const p = parseProcCgroup(readFileSync(join(PROC, "7702/cgroup"), "utf8"));
    expect(p.v1.get("memory")).toBe(`/docker/${V1_ID}`);
    expect(p.v1.get("cpuacct")).toBe(`/docker/${V1_ID}`);
    expect(p.v1.has("name=systemd")).toBe(false);
    expect(p.unified).toBe(`/docker/${V1_ID}`);
  });
});

describe("detectCgroupVersion", () => {
  it("is v1 for a root of per-controller directories and v2 for a root with cgroup.controllers", async () => {
    expect(await detectCgroupVersion(V1)).toBe(1);
    expect(await detectCgroupVersion(UNIFIED)).toBe(2);
  });
});

describe("findContainerCgroup", () => {
  it("finds v1 directories from the init process's cgroup file", async () => {
    const cg = await findContainerCgroup(V1_ID, 7702, { procRoot: PROC, cgroupRoot: V1 });
    expect(cg).toEqual({
      version: 1,
      guessed: false,
      dirs: {
        memory: join(V1, "memory/docker", V1_ID),
        cpuacct: join(V1, "cpuacct/docker", V1_ID),
        pids: join(V1, "pids/docker", V1_ID),
        blkio: join(V1, "blkio/docker", V1_ID),
        cpu: join(V1, "cpu/docker", V1_ID),
      },
    });
  });

  it("finds the unified directory from the 0:: line on a v2 root", async () => {
    const cg = await findContainerCgroup(V2_ID, 8821, { procRoot: PROC, cgroupRoot: UNIFIED });
    expect(cg).toEqual({ version: 2, guessed: false, dir: join(UNIFIED, "docker", V2_ID) });
  });

  it("guesses Docker's v1 layout when the PID is 0 or gone", async () => {
    const expected = {
      version: 1,
      guessed: true,
      dirs: expect.objectContaining({ memory: join(V1, "memory/docker", V1_ID) }),
    };
    expect(await findContainerCgroup(V1_ID, 0, { procRoot: PROC, cgroupRoot: V1 })).toEqual(expected);
    expect(await findContainerCgroup(V1_ID, 999999, { procRoot: PROC, cgroupRoot: V1 })).toEqual(expected);
  });

  it("guesses the systemd scope on v2, or the cgroupfs directory when that is what exists", async () => {
    const other = "f".repeat(64);
    expect(await guessContainerCgroup(other, UNIFIED, 2)).toEqual({
      version: 2,
      guessed: true,
      dir: join(UNIFIED, "system.slice", `docker-${other}.scope`),
    });
    expect(await guessContainerCgroup(V2_ID, UNIFIED, 2)).toEqual({
      version: 2,
      guessed: true,
      dir: join(UNIFIED, "docker", V2_ID),
    });
  });
});

describe("a container's cgroup is its own, never one a process happens to be in", () => {
  const roots = { procRoot: PROC, cgroupRoot: V1 };

  it("does not take the root cgroup from an exited task whose cgroup file reads `/`", async () => {
    expect(parseProcCgroup(readFileSync(join(PROC, "10918/cgroup"), "utf8")).v1.get("memory")).toBe("/");
    const cg = await findContainerCgroup(ZOMBIE_ID, 10918, roots);
    expect(cg).toMatchObject({ version: 1, guessed: true });
    expect(cg.version === 1 && cg.dirs.memory).toBe(join(V1, "memory/docker", ZOMBIE_ID));
    // Its own counters (32 MiB limit), not the whole host's (the root's: GBs in use, no limit).
    const stats = await readCgroupStats(cg);
    expect(stats.memoryLimitBytes).toBe(32 * MiB);
    expect(stats.memoryUsageBytes).toBeLessThan(32 * MiB);
    expect(stats.cpuUsageSeconds).toBeLessThan(1);
  });

  it("does not take another container's cgroup from a PID that now belongs to it", async () => {
    // 7702 is fs-fixture-v1's init: asked for the zombie container, it is the wrong process.
    const cg = await findContainerCgroup(ZOMBIE_ID, 7702, roots);
    expect(cg.version === 1 && cg.dirs.memory).toBe(join(V1, "memory/docker", ZOMBIE_ID));
    const v2 = await findContainerCgroup("f".repeat(64), 8821, { procRoot: PROC, cgroupRoot: UNIFIED });
    expect(v2).toMatchObject({ version: 2, guessed: true });
    expect(v2.version === 2 && v2.dir).toContain("f".repeat(64));
  });

  it("still reads the init's own cgroup from its file, which names the container", async () => {
    const cg = await findContainerCgroup(ZOMBIE_ID, 10886, roots);
    expect(cg).toMatchObject({ version: 1, guessed: false });
    expect(cg.version === 1 && cg.dirs.memory).toBe(join(V1, "memory/docker", ZOMBIE_ID));
  });

  it("cannot read a container whose own cgroup is gone, rather than read another", async () => {
    const gone = "e".repeat(64);
    const cg = await findContainerCgroup(gone, 10918, roots);
    await expect(readCgroupStats(cg)).rejects.toBeInstanceOf(CgroupUnreadableError);
  });

  it("knows the systemd driver's layout on v1 too", async () => {
    const root = await mkdtemp(join(tmpdir(), "fs-cgroup-v1-systemd-"));
    try {
      const id = "e".repeat(64);
      for (const c of ["memory", "cpuacct"])
        await mkdir(join(root, c, "system.slice", `docker-${id}.scope`), { recursive: true });
      const cg = await guessContainerCgroup(id, root, 1);
      expect(cg.version === 1 && cg.dirs).toMatchObject({
        memory: join(root, "memory/system.slice", `docker-${id}.scope`),
        cpuacct: join(root, "cpuacct/system.slice", `docker-${id}.scope`),
      });
      // cgroupfs stays the default when neither exists.
      const other = await guessContainerCgroup("d".repeat(64), root, 1);
      expect(other.version === 1 && other.dirs.memory).toBe(join(root, "memory/docker", "d".repeat(64)));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
