import { accessSync } from "node:fs";
import { join, relative } from "node:path";
import type { ContainerCgroup } from "./paths.ts";
import type { CgroupStats } from "./stats.ts";
import { readV1Stats } from "./v1.ts";
import { readV2Stats } from "./v2.ts";

/** The container's cgroup path relative to its hierarchy's mount, as cAdvisor's `id` label has it. */
export function cgroupPathOf(cg: ContainerCgroup, cgroupRoot: string): string {
  const rel =
    cg.version === 2 ? relative(cgroupRoot, cg.dir) : relative(join(cgroupRoot, "memory"), cg.dirs.memory);
  return `/${rel.split("\\").join("/")}`;
}

/** The container's cgroup directory is missing or not readable (as opposed to a broken file in it). */
export class CgroupUnreadableError extends Error {
  override readonly name = "CgroupUnreadableError";
}

/** Reads the stats of a located cgroup; throws CgroupUnreadableError when its directory cannot be read. */
export async function readCgroupStats(cg: ContainerCgroup): Promise<CgroupStats> {
  const dirs = cg.version === 2 ? [cg.dir] : [cg.dirs.cpuacct, cg.dirs.memory];
  // Checked synchronously, like the files read below (see readOptional in stats.ts).
  let lastErr: unknown;
  if (!dirs.some((d) => readable(d, (err) => (lastErr = err))))
    throw new CgroupUnreadableError(`cgroup not readable: ${dirs.join(", ")}`, { cause: lastErr });
  return cg.version === 2 ? readV2Stats(cg.dir) : readV1Stats(cg.dirs);
}

function readable(dir: string, onError: (err: unknown) => void): boolean {
  try {
    accessSync(dir);
    return true;
  } catch (err) {
    onError(err);
    return false;
  }
}
