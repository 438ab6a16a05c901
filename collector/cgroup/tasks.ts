import { readdirSync, statfsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { HeldFiles } from "../proc/held-files.ts";
import { parseStatus, readText } from "../proc/process.ts";
import type { ContainerCgroup } from "./paths.ts";
import { parseCgroupProcs, type ReadFile, readOptional } from "./stats.ts";

/**
 * The processes of a container's cgroup (v1: the pids controller, else memory; v2: its directory);
 * undefined when no cgroup.procs could be read. Empty once every process of it has exited.
 */
export async function readCgroupProcs(
  cg: ContainerCgroup,
  read: ReadFile = readOptional,
): Promise<number[] | undefined> {
  const dirs = cg.version === 2 ? [cg.dir] : [cg.dirs.pids, cg.dirs.memory];
  for (const dir of dirs) {
    const text = read(join(dir, "cgroup.procs"));
    if (text !== undefined) return parseCgroupProcs(text);
  }
  return undefined;
}

/**
 * Whether a process still lives in the cgroup: v2's `cgroup.events` says so for the whole subtree
 * (`populated`; a container with nested cgroups keeps none in its own directory); on v1, its
 * cgroup.procs (`pids`, as read by readCgroupProcs). Unknown counts as yes.
 */
export async function cgroupPopulated(
  cg: ContainerCgroup,
  pids: number[] | undefined,
  read: ReadFile = readOptional,
): Promise<boolean> {
  if (cg.version === 2) {
    const populated = /^populated (\d)$/m.exec(read(join(cg.dir, "cgroup.events")) ?? "");
    if (populated) return populated[1] !== "0";
  }
  return pids === undefined || pids.length > 0;
}

/** One process's /proc/<pid>/io bytes and its parent. */
export interface ProcIo {
  readBytes: number;
  writeBytes: number;
  ppid: number;
}

/**
 * /proc/<pid>/io: `read_bytes` / `write_bytes` are the bytes this process (and, once reaped, its
 * children) caused to be fetched from or sent to the storage layer — written bytes are charged
 * when the page cache is dirtied, so buffered writes count even before writeback. rchar/wchar
 * (any read/write syscall, pipes and sockets included) are not used.
 */
export function parseProcIo(text: string | undefined): { readBytes: number; writeBytes: number } | undefined {
  if (text === undefined) return undefined;
  let readBytes = 0;
  let writeBytes = 0;
  for (const line of text.split("\n")) {
    const [key, value] = line.split(":");
    const n = Number(value);
    if (!Number.isFinite(n)) continue;
    if (key === "read_bytes") readBytes = n;
    else if (key === "write_bytes") writeBytes = n;
  }
  return { readBytes, writeBytes };
}

const PROC_SUPER_MAGIC = 0x9fa0;
const fdSizeCounts = new Map<string, boolean>();

/**
 * Whether stat() of a /proc/<pid>/fd directory under procRoot gives its number of open files as
 * the size (procfs from Linux 6.2): one syscall instead of listing the directory (opendir,
 * getdents, close) — ~4 against ~13 µs a process, measured. Probed once per procRoot on this
 * process's own fd directory, which always has open files (older kernels give every such size 0).
 */
function fdCountIsSize(procRoot: string): boolean {
  let yes = fdSizeCounts.get(procRoot);
  if (yes === undefined) {
    try {
      yes = statfsSync(procRoot).type === PROC_SUPER_MAGIC && statSync(join(procRoot, "self", "fd")).size > 0; // older kernels say 0
    } catch {
      yes = false;
    }
    fdSizeCounts.set(procRoot, yes);
  }
  return yes;
}

function countFds(procRoot: string, base: string): number {
  const dir = `${base}/fd`;
  try {
    if (fdCountIsSize(procRoot)) {
      const size = statSync(dir).size;
      if (size > 0) return size;
    }
    return readdirSync(dir).length;
  } catch {
    return 0; // the process exited, or /proc/<pid>/fd is not readable
  }
}

/** What /proc says of a cgroup's processes at one instant. */
export interface TaskStats {
  /** Entries of cgroup.procs (processes, not threads). */
  processes: number;
  /** Sum of `Threads:` over those processes. */
  threads: number;
  /** Sum of the entries of /proc/<pid>/fd. */
  fileDescriptors: number;
  /** Per process: its /proc/<pid>/io bytes; missing when the file could not be read. */
  io: Map<number, ProcIo>;
}

/**
 * Reads status, fd and io of each PID; a process that exits meanwhile just counts as absent.
 * Synchronously, like the cgroup files (see readOptional in stats.ts): with 100 containers the
 * thread-pool round trips of async reads cost more CPU than the reads themselves. With `files`,
 * status and io stay open between rounds (a process's files, held by its pid: once it is reaped,
 * they read ESRCH and are opened afresh, so a reused pid is read as the process it now names).
 */
export async function readTaskStats(procRoot: string, pids: number[], files?: HeldFiles): Promise<TaskStats> {
  const out: TaskStats = { processes: pids.length, threads: 0, fileDescriptors: 0, io: new Map() };
  const read = files ? files.readQuietly : readText;
  for (const pid of pids) {
    const base = `${procRoot}/${pid}`;
    const status = read(`${base}/status`);
    const io = read(`${base}/io`); // EACCES without CAP_SYS_PTRACE
    const { threads, ppid } = parseStatus(status ?? "");
    out.threads += threads;
    out.fileDescriptors += countFds(procRoot, base);
    const parsed = parseProcIo(io);
    if (parsed) out.io.set(pid, { ...parsed, ppid });
  }
  return out;
}

/**
 * Cumulative read/write bytes of a container from /proc/<pid>/io, for kernels whose cgroup
 * counters miss buffered I/O (cgroup v1 blkio charges writeback to the root cgroup).
 *
 * /proc/<pid>/io of a process includes the bytes of the children it has reaped. So the total is
 * the sum over the live processes plus the last-seen bytes of each process that went away while
 * its parent was not a live process of the container (a `docker exec` process, whose parent is the
 * runtime; or a process whose parent exited too) — a child whose parent is still in the container
 * is folded into that parent's counter when reaped, and is not added again. The total never
 * decreases while the container lives (it is held across the moment between a child's exit and
 * its parent reaping it).
 */
export class ProcIoAccount {
  readonly #last = new Map<number, ProcIo>();
  #retiredRead = 0;
  #retiredWrite = 0;
  #totalRead = 0;
  #totalWrite = 0;

  update(io: Map<number, ProcIo>): { readBytes: number; writeBytes: number } {
    for (const [pid, prev] of this.#last) {
      const now = io.get(pid);
      // A counter that went down means the PID now names another process.
      const reused =
        now !== undefined && (now.readBytes < prev.readBytes || now.writeBytes < prev.writeBytes);
      if (now && !reused) continue;
      this.#last.delete(pid);
      if (reused || !io.has(prev.ppid)) {
        this.#retiredRead += prev.readBytes;
        this.#retiredWrite += prev.writeBytes;
      }
    }
    let liveRead = 0;
    let liveWrite = 0;
    for (const [pid, now] of io) {
      this.#last.set(pid, now);
      liveRead += now.readBytes;
      liveWrite += now.writeBytes;
    }
    this.#totalRead = Math.max(this.#totalRead, this.#retiredRead + liveRead);
    this.#totalWrite = Math.max(this.#totalWrite, this.#retiredWrite + liveWrite);
    return { readBytes: this.#totalRead, writeBytes: this.#totalWrite };
  }
}
