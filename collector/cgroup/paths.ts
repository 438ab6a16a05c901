import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { V1Dirs } from "./v1.ts";

/** Where the host's /proc and cgroup mount are; a collector in a container uses /host/proc, /host/sys/fs/cgroup. */
export interface CgroupRoots {
  procRoot: string;
  cgroupRoot: string;
}

export const DEFAULT_ROOTS: CgroupRoots = { procRoot: "/proc", cgroupRoot: "/sys/fs/cgroup" };

export type ContainerCgroup =
  | { version: 1; dirs: V1Dirs /** true when guessed from the id, not read from /proc */; guessed: boolean }
  | { version: 2; dir: string; guessed: boolean };

/** /proc/<pid>/cgroup parsed: v1 controller → path, and the unified (`0::`) path if any. */
export interface ProcCgroup {
  v1: Map<string, string>;
  unified: string | undefined;
}

/**
 * Lines are `hierarchy-id:controller[,controller…]:path`; the v2 line is `0::path`. Named
 * hierarchies (`name=systemd`) are not controllers and are skipped.
 */
export function parseProcCgroup(text: string): ProcCgroup {
  const v1 = new Map<string, string>();
  let unified: string | undefined;
  for (const line of text.split("\n")) {
    const first = line.indexOf(":");
    const second = line.indexOf(":", first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const path = line.slice(second + 1);
    if (controllers === "") {
      if (line.slice(0, first) === "0") unified = path;
      continue;
    }
    for (const c of controllers.split(",")) if (!c.startsWith("name=")) v1.set(c, path);
  }
  return { v1, unified };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * v2 when the cgroup root is itself a cgroup2 mount (it has `cgroup.controllers`). In hybrid mode
 * the root is a tmpfs of v1 mounts, even though /proc/<pid>/cgroup also carries a `0::` line.
 */
export async function detectCgroupVersion(cgroupRoot: string): Promise<1 | 2> {
  return (await exists(join(cgroupRoot, "cgroup.controllers"))) ? 2 : 1;
}

// A path seen from another cgroup namespace (a collector in a container with a private cgroupns)
// is relative to that namespace's root and shows up as `/../..`; it cannot be joined to our root.
function usable(path: string | undefined): path is string {
  return path?.startsWith("/") === true && !path.split("/").includes("..");
}

function v1Dirs(cgroupRoot: string, pathOf: (controller: string) => string): V1Dirs {
  return {
    memory: join(cgroupRoot, "memory", pathOf("memory")),
    cpuacct: join(cgroupRoot, "cpuacct", pathOf("cpuacct")),
    pids: join(cgroupRoot, "pids", pathOf("pids")),
    blkio: join(cgroupRoot, "blkio", pathOf("blkio")),
    cpu: join(cgroupRoot, "cpu", pathOf("cpu")),
  };
}

/** Docker's default layout, used when the PID is unknown: cgroupfs on v1, systemd on v2, then cgroupfs on v2. */
export async function guessContainerCgroup(
  id: string,
  cgroupRoot: string,
  version: 1 | 2,
): Promise<ContainerCgroup> {
  if (version === 1) return { version, dirs: v1Dirs(cgroupRoot, () => `/docker/${id}`), guessed: true };
  const systemd = join(cgroupRoot, "system.slice", `docker-${id}.scope`);
  const cgroupfs = join(cgroupRoot, "docker", id);
  const dir = (await exists(systemd)) || !(await exists(cgroupfs)) ? systemd : cgroupfs;
  return { version, dir, guessed: true };
}

/**
 * Finds a container's cgroup directories from `/proc/<pid>/cgroup` of its init process, which works
 * for both the cgroupfs and systemd drivers (…/docker/<id> or …/docker-<id>.scope, under any parent).
 * Falls back to the default layout when the PID is 0, the file is gone or its paths are unusable.
 */
export async function findContainerCgroup(
  id: string,
  pid: number,
  roots: CgroupRoots = DEFAULT_ROOTS,
): Promise<ContainerCgroup> {
  const version = await detectCgroupVersion(roots.cgroupRoot);
  if (pid > 0) {
    let parsed: ProcCgroup | undefined;
    try {
      parsed = parseProcCgroup(await readFile(join(roots.procRoot, String(pid), "cgroup"), "utf8"));
    } catch {
      parsed = undefined; // the process exited between listing and reading
    }
    if (parsed && version === 2 && usable(parsed.unified)) {
      return { version, dir: join(roots.cgroupRoot, parsed.unified), guessed: false };
    }
    if (parsed && version === 1) {
      const mem = parsed.v1.get("memory");
      if (usable(mem)) {
        return {
          version,
          dirs: v1Dirs(roots.cgroupRoot, (c) => {
            // A controller missing from the file (not mounted) gets memory's path: same layout.
            const p = parsed.v1.get(c);
            return usable(p) ? p : mem;
          }),
          guessed: false,
        };
      }
    }
  }
  return guessContainerCgroup(id, roots.cgroupRoot, version);
}
