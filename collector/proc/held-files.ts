// Kernel-generated files (cgroup counters, /proc/<pid>/*) kept open and read again from offset 0.
// Below cgroup/ like the rest of proc/: it knows files, not cgroups.
import { closeSync, openSync, readFileSync, readSync } from "node:fs";

/**
 * Why hold them: a sampling round re-reads the same few thousand files, and opening one (a path
 * lookup through sysfs or /proc), fstat-ing it and closing it cost several times the read itself
 * (collector/cgroup/README.md has the measured figures). A cgroup or /proc file is
 * not stored anywhere: the kernel prints it anew whenever it is read at offset 0, so a pread at 0
 * on a descriptor opened once sees the current counters.
 *
 * What a held descriptor says when its object is gone: a removed cgroup reads ENODEV, a reaped
 * process's /proc file ESRCH; then the path is opened afresh once (a restarted cgroup, a pid that
 * now names another process) and, if that fails too, the file reads as absent.
 *
 * Not for cgroup v1's cgroup.procs or tasks: the kernel keeps their pid list with the open file and
 * loads it again only once a second has passed without a read of it, so a held one read more
 * often than each second goes on listing processes that are gone.
 */

/** Errors that mean "no such file here (now)", not a broken reader. */
const ABSENT = new Set(["ENOENT", "ENOTDIR", "ENODEV", "EOPNOTSUPP", "ESRCH", "EINVAL"]);

function absent(err: unknown): boolean {
  return ABSENT.has((err as NodeJS.ErrnoException).code ?? "");
}

/**
 * How many descriptors all HeldFiles of this process may hold together: half the soft limit on
 * open files (the other half stays for sockets, logs, the spool), read once from /proc/self/limits.
 * Past it, files are read the plain way (open, read, close): slower, never failing for want of fds.
 */
export class FdBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit = defaultFdLimit()) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  take(): boolean {
    if (this.#used >= this.limit) return false;
    this.#used++;
    return true;
  }

  give(): void {
    this.#used = Math.max(0, this.#used - 1);
  }
}

/** Half of `Max open files` (soft) of this process; 512 when it cannot be read. */
export function defaultFdLimit(limitsText = readLimits()): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limitsText ?? "");
  if (!m) return 512;
  const soft = m[1] === "unlimited" ? 1_048_576 : Number(m[1]);
  return Math.max(64, Math.floor(soft / 2));
}

function readLimits(): string | undefined {
  try {
    return readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
}

/** One budget for the whole collector: container-stats and processes draw on the same fds. */
export const sharedFdBudget = new FdBudget();

// One buffer for every read: reads are synchronous, so never interleaved. Grown when a file fills it.
let buf = Buffer.alloc(64 * 1024);

/**
 * A first read shorter than this is the whole file. A seq_file read stops early only when the next
 * record would overflow its buffer (a page, at least 4 KiB): a short read then holds at least
 * 4 KiB minus one record, and no file read through here has records of 2 KiB (cgroup.procs has one
 * pid a record, net/dev one interface; memory.stat, status, stat are one record each, handed out
 * whole). Saves the read that would return 0 at the end: a third of the syscalls of a round.
 */
const WHOLE_FILE_READ = 2048;

/**
 * Reads the whole file behind `fd` from offset 0: until a read returns 0 (end of file), unless
 * the first read was short (see WHOLE_FILE_READ).
 */
function readAllAt0(fd: number): string {
  let got = 0;
  for (;;) {
    if (got === buf.length) {
      const bigger = Buffer.alloc(buf.length * 2);
      buf.copy(bigger, 0, 0, got);
      buf = bigger;
    }
    const n = readSync(fd, buf, got, buf.length - got, got);
    if (n === 0 || (got === 0 && n < WHOLE_FILE_READ)) return buf.toString("utf8", 0, got + n);
    got += n;
  }
}

/**
 * A set of files held open (one container's cgroup files, one round's /proc files). `read`
 * returns the file's current text, or undefined when it does not exist or its object is gone.
 * `close()` gives every descriptor back; `retain()` closes those not read since the last call.
 */
export class HeldFiles {
  readonly #budget: FdBudget;
  /** path → its fd, or null: the file did not exist when first looked for (a controller not enabled). */
  readonly #fds = new Map<string, number | null>();
  #readSinceRetain = new Set<string>();
  /** Whether a held descriptor found its object gone since the last `close()`. */
  gone = false;

  constructor(budget: FdBudget = sharedFdBudget) {
    this.#budget = budget;
  }

  /** Descriptors held now. */
  get held(): number {
    let n = 0;
    for (const fd of this.#fds.values()) if (fd !== null) n++;
    return n;
  }

  /** A property, not a method: readers take it as their `read` function as it is. */
  readonly read = (path: string): string | undefined => {
    this.#readSinceRetain.add(path);
    const fd = this.#fds.get(path);
    if (fd === null) return undefined;
    if (fd !== undefined) {
      try {
        return readAllAt0(fd);
      } catch (err) {
        if (!absent(err)) throw err;
        this.gone = true;
        this.#drop(path);
      }
    }
    return this.#open(path);
  };

  /** `read`, where any error (EACCES on another user's /proc/<pid>/io, say) reads as absent. */
  readonly readQuietly = (path: string): string | undefined => {
    try {
      return this.read(path);
    } catch {
      return undefined;
    }
  };

  /** Opens and reads a file not held yet; holds it when the budget allows. */
  #open(path: string): string | undefined {
    let fd: number;
    try {
      fd = openSync(path, "r");
    } catch (err) {
      if (!absent(err)) throw err;
      this.#fds.set(path, null);
      return undefined;
    }
    const hold = this.#budget.take();
    let text: string | undefined;
    try {
      text = readAllAt0(fd);
    } catch (err) {
      if (!absent(err)) {
        if (hold) this.#budget.give();
        closeSync(fd);
        throw err;
      }
    }
    if (hold && text !== undefined) this.#fds.set(path, fd);
    else {
      if (hold) this.#budget.give();
      closeSync(fd);
    }
    return text;
  }

  #drop(path: string): void {
    const fd = this.#fds.get(path);
    this.#fds.delete(path);
    if (fd === null || fd === undefined) return;
    this.#budget.give();
    try {
      closeSync(fd);
    } catch {
      // already closed: nothing held
    }
  }

  /** Closes the files not read since the previous call (processes that went away, say). */
  retain(): void {
    for (const path of [...this.#fds.keys()]) if (!this.#readSinceRetain.has(path)) this.#drop(path);
    this.#readSinceRetain = new Set();
  }

  close(): void {
    for (const path of [...this.#fds.keys()]) this.#drop(path);
    this.#readSinceRetain = new Set();
    this.gone = false;
  }
}
