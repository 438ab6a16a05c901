// One process as /proc describes it: the parsers are pure (tested on captured bytes), the readers
// take a procRoot so a collector in a container reads the host's /host/proc. Below cgroup/: it
// knows processes, not cgroups, and imports nothing of the collector.
import { closeSync, openSync, readdirSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";

/**
 * USER_HZ: the unit of utime, stime and starttime in /proc/<pid>/stat. The kernel fixes it at 100
 * on every architecture Docker runs on (x86, arm, arm64, ppc64le, s390x); `getconf CLK_TCK` says 100.
 */
export const CLK_TCK = 100;
/** Page size for stat's rss field when the kernel's cannot be read (4 KiB on x86 and most arm64 kernels). */
export const PAGE_BYTES = 4096;

let pageSize: number | undefined;

/**
 * The kernel's page size, the unit of stat's rss: `KernelPageSize` of this process's first mapping
 * (64 KiB on some arm64 and ppc64le kernels), read once; PAGE_BYTES when it cannot be read.
 */
export function pageBytes(): number {
  if (pageSize !== undefined) return pageSize;
  let fd: number | undefined;
  try {
    fd = openSync("/proc/self/smaps", "r");
    const head = Buffer.alloc(2048);
    const n = readSync(fd, head, 0, head.length, 0);
    const kb = /^KernelPageSize:\s+(\d+) kB$/m.exec(head.toString("utf8", 0, n))?.[1];
    pageSize = kb ? Number(kb) * 1024 : PAGE_BYTES;
  } catch {
    pageSize = PAGE_BYTES;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return pageSize;
}
/** How much of /proc/<pid>/cmdline is read: a command line can be megabytes long. */
export const CMDLINE_MAX_BYTES = 4096;

/** The fields of /proc/<pid>/stat the process view uses. */
export interface ProcStat {
  pid: number;
  /** comm, up to 15 bytes; may hold spaces and parentheses. */
  comm: string;
  /** R, S, D, Z, T, t, X, I … */
  state: string;
  ppid: number;
  /** utime + stime, in clock ticks (CLK_TCK). */
  cpuTicks: number;
  threads: number;
  /** Start time in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTicks: number;
  /** Resident pages (stat's rss); status's VmRSS is the figure reported. */
  rssPages: number;
}

/**
 * Parses /proc/<pid>/stat. The comm field is parenthesised and may itself contain `) (`, so the
 * fields are counted from the *last* `)`. Returns undefined for text that is not a stat line.
 */
export function parseStat(text: string): ProcStat | undefined {
  const lparen = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (lparen < 1 || close < lparen) return undefined;
  const pid = Number(text.slice(0, lparen).trim());
  // After ") ": field 3 (state) is f[0]; field n is f[n - 3].
  const f = text
    .slice(close + 2)
    .trim()
    .split(" ");
  if (!Number.isInteger(pid) || f.length < 22) return undefined;
  const n = (field: number) => Number(f[field - 3]);
  const out: ProcStat = {
    pid,
    comm: text.slice(lparen + 1, close),
    state: f[0] as string,
    ppid: n(4),
    cpuTicks: n(14) + n(15),
    threads: n(20),
    startTicks: n(22),
    rssPages: n(24),
  };
  for (const v of [out.ppid, out.cpuTicks, out.threads, out.startTicks, out.rssPages])
    if (!Number.isFinite(v)) return undefined;
  return out;
}

/** The fields of /proc/<pid>/status the process view uses. */
export interface ProcStatus {
  name: string;
  /** Real uid. */
  uid: number;
  ppid: number;
  threads: number;
  /** VmRSS; 0 for kernel threads and zombies, which have none. */
  rssBytes: number;
  /** NSpid: the pid in each nested pid namespace, outermost first; empty on kernels before 4.1. */
  nsPids: number[];
}

export function parseStatus(text: string): ProcStatus {
  const out: ProcStatus = { name: "", uid: 0, ppid: 0, threads: 0, rssBytes: 0, nsPids: [] };
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    switch (key) {
      case "Name":
        out.name = value;
        break;
      case "Uid":
        out.uid = Number(value.split(/\s+/)[0]) || 0;
        break;
      case "PPid":
        out.ppid = Number(value) || 0;
        break;
      case "Threads":
        out.threads = Number(value) || 0;
        break;
      case "VmRSS": {
        const [amount, unit] = value.split(/\s+/);
        out.rssBytes = (Number(amount) || 0) * (unit === "kB" ? 1024 : 1);
        break;
      }
      case "NSpid":
        out.nsPids = value
          .split(/\s+/)
          .map(Number)
          .filter((p) => Number.isInteger(p) && p > 0);
        break;
    }
  }
  return out;
}

/** The pid inside the process's own (innermost) pid namespace: NSpid's last value, else the host pid. */
export function namespacePid(status: ProcStatus, hostPid: number): number {
  return status.nsPids.at(-1) ?? hostPid;
}

/**
 * /proc/<pid>/cmdline: arguments separated (and usually terminated) by NUL; joined by spaces.
 * A process that rewrote its argv may use spaces instead; kernel threads have none (empty).
 */
export function parseCmdline(buf: Uint8Array): string {
  let end = buf.length;
  while (end > 0 && buf[end - 1] === 0) end--;
  return Buffer.from(buf.subarray(0, end)).toString("utf8").replaceAll("\0", " ");
}

/** btime (boot time, seconds since the epoch) from /proc/stat; undefined when missing. */
export function parseBtime(procStat: string): number | undefined {
  const m = /^btime (\d+)$/m.exec(procStat);
  return m ? Number(m[1]) : undefined;
}

/** Seconds since boot, the first field of /proc/uptime. */
export function parseUptime(text: string): number | undefined {
  const v = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(v) && text.trim() !== "" ? v : undefined;
}

/** A process's start time (ticks since boot) as RFC 3339, to the 10 ms the kernel keeps. */
export function startTimeRfc3339(startTicks: number, btimeSeconds: number): string {
  return new Date(btimeSeconds * 1000 + (startTicks * 1000) / CLK_TCK).toISOString();
}

/** uid → name from an /etc/passwd text; the first entry of a uid wins, as getpwuid does. */
export function parsePasswd(text: string): Map<number, string> {
  const users = new Map<number, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const [name, , uid] = line.split(":");
    const n = Number(uid);
    if (name && uid !== "" && Number.isInteger(n) && !users.has(n)) users.set(n, name);
  }
  return users;
}

// --- readers -------------------------------------------------------------------------------
// Synchronous on purpose: /proc files live in memory, and a sync read costs ~6x less CPU than a
// promise read through libuv's thread pool (measured here: 83 stat files, ~1 ms sync against
// ~7 ms async). Callers read in slices and yield to the event loop between them. Every reader
// returns undefined (or empty) when the process is gone.

/** Every pid in procRoot (thread-group leaders only: /proc lists threads under task/). */
export function listPids(procRoot: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(procRoot)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const n = Number(name);
    if (Number.isInteger(n) && n > 0) pids.push(n);
  }
  return pids;
}

/** A whole (small, in-memory) /proc file; undefined when it cannot be read. */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export function readStat(procRoot: string, pid: number): ProcStat | undefined {
  const text = readText(join(procRoot, String(pid), "stat"));
  return text === undefined ? undefined : parseStat(text);
}

export function readStatus(procRoot: string, pid: number): ProcStatus | undefined {
  const text = readText(join(procRoot, String(pid), "status"));
  return text === undefined ? undefined : parseStatus(text);
}

// One buffer for every command line read: the reads are synchronous, so never interleaved, and a
// round of the process view reads a hundred or more of them.
let cmdlineBuf = Buffer.alloc(CMDLINE_MAX_BYTES + 1);

/** Reads at most `max` bytes of the command line; a longer one is cut (and marked with …). */
export function readCmdline(procRoot: string, pid: number, max = CMDLINE_MAX_BYTES): string {
  let fd: number | undefined;
  try {
    fd = openSync(join(procRoot, String(pid), "cmdline"), "r");
    if (cmdlineBuf.length < max + 1) cmdlineBuf = Buffer.alloc(max + 1);
    const buf = cmdlineBuf.subarray(0, max + 1);
    let got = 0;
    // /proc files may return less than asked per read; loop until EOF or the bound.
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, null);
      if (n === 0) break;
      got += n;
    }
    const text = parseCmdline(buf.subarray(0, Math.min(got, max)));
    return got > max ? `${text}…` : text;
  } catch {
    return "";
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The users a process's root file system knows (its /etc/passwd seen through /proc/<pid>/root). */
export function readPasswdOf(procRoot: string, pid: number): Map<number, string> {
  const text = readText(join(procRoot, String(pid), "root", "etc", "passwd"));
  return text === undefined ? new Map() : parsePasswd(text);
}

/**
 * A user name for a uid: the container's (or host's) /etc/passwd entry; uid 0 is "root" even
 * where no passwd file exists (as in minimal images); any other unknown uid is its number.
 */
export function userName(users: Map<number, string>, uid: number): string {
  return users.get(uid) ?? (uid === 0 ? "root" : String(uid));
}
