import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { V1Dirs } from "./v1.ts";

/** Where the host's /proc and cgroup mount are; a collector in a container uses /host/proc, /host/sys/fs/cgroup. */
export interface CgroupRoots {
  procRoot: string;
  cgroupRoot: string;
}

export const DEFAULT_ROOTS: CgroupRoots = { procRoot: "/proc", cgroupRoot: "/sys/fs/cgroup" };

/**
 * A container's cgroup directories. `guessed`: derived from the container id (Docker's layouts),
 * not read from /proc — then the PID given was not (or no longer) a process of the container.
 */
export type ContainerCgroup =
  | { version: 1; dirs: V1Dirs; guessed: boolean }
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
// And a path is the container's only when it names the container: /docker/<id>,
// /system.slice/docker-<id>.scope, …/cri-containerd-<id>.scope, a --cgroup-parent/<id>. A task that
// exited reads `/` on cgroup v1 (the kernel moves it to the root cgroup), and a PID reused by
// another process reads that process's cgroup: both would sample the wrong thing.
function usable(path: string | undefined, id: string): path is string {
  if (path?.startsWith("/") !== true) return false;
  const segments = path.split("/");
  return !segments.includes("..") && id.length >= 12 && segments.some((s) => s.includes(id));
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

/**
 * Docker's layouts, derived from the id, for when no process of the container tells the path:
 * the cgroupfs driver's /docker/<id> and the systemd driver's /system.slice/docker-<id>.scope,
 * whichever exists; when neither does (the container is gone), the driver's default for the
 * version (cgroupfs on v1, systemd on v2), which then cannot be read.
 */
export async function guessContainerCgroup(
  id: string,
  cgroupRoot: string,
  version: 1 | 2,
): Promise<ContainerCgroup> {
  const systemd = `/system.slice/docker-${id}.scope`;
  const cgroupfs = `/docker/${id}`;
  if (version === 1) {
    const path = (await exists(join(cgroupRoot, "memory", systemd))) ? systemd : cgroupfs;
    return { version, dirs: v1Dirs(cgroupRoot, () => path), guessed: true };
  }
  const useCgroupfs =
    !(await exists(join(cgroupRoot, systemd))) && (await exists(join(cgroupRoot, cgroupfs)));
  return { version, dir: join(cgroupRoot, useCgroupfs ? cgroupfs : systemd), guessed: true };
}

/**
 * Whether the cgroup hierarchy itself can be read here. When it can and a container's directory
 * is missing, the container's cgroup is gone (it stopped); when it cannot (a private cgroup
 * namespace, a root not mounted), nothing can be said from the files.
 */
export async function hierarchyReadable(cgroupRoot: string, version: 1 | 2): Promise<boolean> {
  return exists(version === 2 ? join(cgroupRoot, "cgroup.controllers") : join(cgroupRoot, "memory"));
}

/**
 * Finds a container's cgroup directories from `/proc/<pid>/cgroup` of its init process, which works
 * for both the cgroupfs and systemd drivers (…/docker/<id> or …/docker-<id>.scope, under any parent)
 * — when that file names the container. Falls back to the layouts derived from the id when the PID
 * is 0, the file is gone or its paths are not the container's (an exited or a reused PID).
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
    if (parsed && version === 2 && usable(parsed.unified, id)) {
      return { version, dir: join(roots.cgroupRoot, parsed.unified), guessed: false };
    }
    if (parsed && version === 1) {
      const mem = parsed.v1.get("memory");
      if (usable(mem, id)) {
        return {
          version,
          dirs: v1Dirs(roots.cgroupRoot, (c) => {
            // A controller missing from the file (not mounted) gets memory's path: same layout.
            const p = parsed.v1.get(c);
            return usable(p, id) ? p : mem;
          }),
          guessed: false,
        };
      }
    }
  }
  return guessContainerCgroup(id, roots.cgroupRoot, version);
}
