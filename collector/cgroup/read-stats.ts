import { accessSync } from "node:fs";
import { join, relative } from "node:path";
import type { HeldFiles } from "../proc/held-files.ts";
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

/**
 * Reads the stats of a located cgroup; throws CgroupUnreadableError when its directory cannot be
 * read. With `files` (the container's held files), every file is read through them, and a held
 * file whose cgroup was removed since (ENODEV) makes the cgroup unreadable as a missing directory does.
 */
export async function readCgroupStats(cg: ContainerCgroup, files?: HeldFiles): Promise<CgroupStats> {
  const dirs = cg.version === 2 ? [cg.dir] : [cg.dirs.cpuacct, cg.dirs.memory];
  // Checked synchronously, like the files read below (see readOptional in stats.ts). Files already
  // held need no check: a removed cgroup's descriptors say so themselves.
  let lastErr: unknown;
  if (!files?.held && !dirs.some((d) => readable(d, (err) => (lastErr = err))))
    throw new CgroupUnreadableError(`cgroup not readable: ${dirs.join(", ")}`, { cause: lastErr });
  const read = files?.read;
  const stats = await (cg.version === 2 ? readV2Stats(cg.dir, read) : readV1Stats(cg.dirs, read));
  if (files?.gone) {
    files.close();
    throw new CgroupUnreadableError(`cgroup removed while held: ${dirs.join(", ")}`);
  }
  return stats;
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
