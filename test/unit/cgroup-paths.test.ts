import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  detectCgroupVersion,
  findContainerCgroup,
  guessContainerCgroup,
  parseProcCgroup,
} from "../../collector/cgroup/paths.ts";

// Real /proc/<pid>/cgroup files and cgroup trees captured on this machine (v1 hybrid, cgroupfs
// driver); see test/fixtures/proc/SOURCE.md and test/fixtures/cgroup/*/SOURCE.md.
const FIXTURES = join(import.meta.dirname, "../fixtures");
const PROC = join(FIXTURES, "proc");
const V1 = join(FIXTURES, "cgroup/v1");
const UNIFIED = join(FIXTURES, "cgroup/v2/hybrid-unified");
const V1_ID = "7a5ea96c5adb34e2798409eab5b84bdc3a40acdb3dd3a03157d7889fc3e9cd0b";
const V2_ID = "014c39f3407e86f293a1b2c4c16aca51909c7737aecb74a1037fa5e25bd99f9c";

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
