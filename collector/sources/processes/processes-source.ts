import { join } from "node:path";
import type { ProcessRecord } from "../../../protocol/records.ts";
import { defaultScrubber, type SecretScrubber } from "../../../protocol/secrets.ts";
import { type CgroupRoots, DEFAULT_ROOTS, findContainerCgroup } from "../../cgroup/paths.ts";
import { parseCgroupProcs } from "../../cgroup/stats.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";
import { HeldFiles } from "../../proc/held-files.ts";
import {
  CLK_TCK,
  listPids,
  namespacePid,
  type ProcStat,
  pageBytes,
  parseBtime,
  parseStat,
  parseUptime,
  readCmdline,
  readPasswdOf,
  readStatus,
  readText,
  startTimeRfc3339,
  userName,
} from "../../proc/process.ts";
import type { Source, SourceContext } from "../source.ts";

export interface ProcessesOptions {
  intervalMs: number;
  /** /proc of the host; /host/proc when the collector runs in a container. */
  procRoot?: string;
  /** The host's cgroup mount; /host/sys/fs/cgroup when the collector runs in a container. */
  cgroupRoot?: string;
  /** At most this many processes per container per sample: the top by CPU, then RSS. */
  maxPerContainer?: number;
  /** The host-wide top by CPU (any process, in a container or not) sampled each interval. */
  hostTop?: number;
  /** Masks secret-looking values in command lines before they leave the node (--secret-patterns adds names). */
  scrubber?: SecretScrubber;
}

/** What the source has done since it started; exposed for tests and logs. */
export interface ProcessesStats {
  rounds: number;
  emitted: number;
  /** Container processes left out by maxPerContainer. */
  cut: number;
  /** Duration of the last round, in ms. */
  lastRoundMs: number;
  /** Processes whose stat was read in the last round (the whole host). */
  lastProcesses: number;
}

interface Seen {
  startTicks: number;
  cpuTicks: number;
  at: number;
}

/**
 * What a process's record takes from files that (almost) never change for it: read when the
 * process (pid, start time and comm: an exec changes comm) is first selected, then again after as
 * long as it had lived then — 10 s, 20 s, 40 s … at most 10 min — so a late setuid or rewritten
 * argv shows up without every round reading status, cmdline and passwd of every process.
 */
interface Fixed {
  startTicks: number;
  comm: string;
  uid: number;
  nsPid: number;
  user: string;
  cmdline: string;
  firstAt: number;
  nextAt: number;
}

/** The longest a process's fixed fields go unread. */
const MAX_FIXED_AGE_MS = 10 * 60_000;

interface Candidate {
  stat: ProcStat;
  cpuPercent: number;
  container: ContainerInfo | undefined;
}

// /proc reads are synchronous (see collector/proc/process.ts); this many files between yields
// keeps the event loop free within ~2 ms.
const SLICE = 200;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Maps `items` synchronously in slices, yielding to the event loop between slices. */
async function mapSliced<T, R>(items: T[], fn: (item: T) => R): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i++) {
    if (i > 0 && i % SLICE === 0) await yieldToLoop();
    out.push(fn(items[i] as T));
  }
  return out;
}

function byCpuThenRss(a: Candidate, b: Candidate): number {
  return b.cpuPercent - a.cpuPercent || b.stat.rssPages - a.stat.rssPages || a.stat.pid - b.stat.pid;
}

/**
 * The process view (sysdig's topprocs_cpu, csysdig's per-container drill-down): each interval,
 * every running container's processes (from its cgroup.procs, bounded per container) and the
 * host-wide top by CPU with the container each belongs to, as ProcessRecords. CPU % is the
 * utime+stime delta of the same process (pid and start time, so a reused pid starts over) over
 * wall time; a process seen for the first time reports its lifetime average, as `ps` does.
 */
export class ProcessesSource implements Source {
  readonly name = "processes";
  readonly stats: ProcessesStats = { rounds: 0, emitted: 0, cut: 0, lastRoundMs: 0, lastProcesses: 0 };
  readonly #intervalMs: number;
  readonly #roots: CgroupRoots;
  readonly #maxPerContainer: number;
  readonly #hostTop: number;
  #previous = new Map<number, Seen>();
  /** Per container id: its init pid and the cgroup.procs files that list its processes. */
  readonly #procsFiles = new Map<string, { pid: number; files: string[]; initVerified: boolean }>();
  readonly #loggedCut = new Set<string>();
  /** Every process's /proc/<pid>/stat, held open between rounds (proc/held-files.ts). */
  readonly #statFiles = new HeldFiles();
  /** Per pid: what its record takes from status, cmdline and passwd (see Fixed). */
  #fixed = new Map<number, Fixed>();
  #btime: number | undefined;
  #ctx: SourceContext | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  readonly #scrubber: SecretScrubber;

  constructor(options: ProcessesOptions) {
    this.#intervalMs = options.intervalMs;
    this.#roots = {
      procRoot: options.procRoot ?? DEFAULT_ROOTS.procRoot,
      cgroupRoot: options.cgroupRoot ?? DEFAULT_ROOTS.cgroupRoot,
    };
    this.#maxPerContainer = options.maxPerContainer ?? 50;
    this.#hostTop = options.hostTop ?? 20;
    this.#scrubber = options.scrubber ?? defaultScrubber;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    this.#timer = setInterval(() => this.#startRound(), this.#intervalMs);
    this.#startRound();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#round?.catch(() => undefined);
    this.#statFiles.close();
    this.#fixed.clear();
  }

  /** One sample now (the interval's work); resolves once its records are emitted. */
  sampleOnce(): Promise<void> {
    this.#startRound();
    return this.#round ?? Promise.resolve();
  }

  #startRound(): void {
    // A round slower than the interval is not stacked on.
    if (this.#round || this.#stopped || !this.#ctx) return;
    const ctx = this.#ctx;
    this.#round = this.#sample(ctx)
      .catch((err) => ctx.log.warn({ err }, "process sampling failed"))
      .finally(() => {
        this.#round = undefined;
      });
  }

  /** One round: who owns which pid, every process ranked, the bounded selection described and emitted. */
  async #sample(ctx: SourceContext): Promise<void> {
    const began = performance.now();
    const { procRoot } = this.#roots;
    const uptime = parseUptime(readText(join(procRoot, "uptime")) ?? "");
    this.#btime ??= parseBtime(readText(join(procRoot, "stat")) ?? "");
    const owner = await this.#owners(ctx);
    const time = new Date().toISOString();
    const candidates = await this.#rank(new Set([...listPids(procRoot), ...owner.keys()]), owner, uptime);
    const records = await this.#describe(ctx, this.#select(ctx, candidates), owner, time);

    this.stats.rounds++;
    this.stats.lastProcesses = candidates.length;
    this.stats.lastRoundMs = performance.now() - began;
    ctx.log.debug(
      { processes: candidates.length, emitted: records.length, ms: Math.round(this.stats.lastRoundMs) },
      "processes sampled",
    );
    if (records.length === 0) return;
    this.stats.emitted += records.length;
    await ctx.emit(records); // no cursor: a live view, never replayed
  }

  /** Which container each pid belongs to, from the cgroups of the running containers. */
  async #owners(ctx: SourceContext): Promise<Map<number, ContainerInfo>> {
    const running = ctx.inventory.list().filter((c) => c.state === "running" && c.pid > 0);
    const ids = new Set(running.map((c) => c.id));
    for (const id of this.#procsFiles.keys()) if (!ids.has(id)) this.#procsFiles.delete(id);
    for (const id of this.#loggedCut) if (!ids.has(id)) this.#loggedCut.delete(id);
    const owner = new Map<number, ContainerInfo>();
    for (const info of running) {
      for (const pid of await this.#containerPids(info)) owner.set(pid, info);
    }
    return owner;
  }

  /**
   * Every process's stat with its CPU % since the previous round: the host-wide top needs them
   * all, and stat alone ranks them. Remembers this round's counters for the next.
   */
  async #rank(
    pids: Set<number>,
    owner: Map<number, ContainerInfo>,
    uptime: number | undefined,
  ): Promise<Candidate[]> {
    const { procRoot } = this.#roots;
    const at = performance.now();
    const stats = await mapSliced([...pids], (pid) => {
      const text = this.#statFiles.readQuietly(`${procRoot}/${pid}/stat`);
      return text === undefined ? undefined : parseStat(text);
    });
    this.#statFiles.retain(); // the stat files of processes gone since are closed
    const next = new Map<number, Seen>();
    const candidates: Candidate[] = [];
    for (const stat of stats) {
      if (!stat) continue; // exited since the listing
      const prev = this.#previous.get(stat.pid);
      let cpuPercent = 0;
      if (prev && prev.startTicks === stat.startTicks && at > prev.at) {
        cpuPercent = ((stat.cpuTicks - prev.cpuTicks) / CLK_TCK / ((at - prev.at) / 1000)) * 100;
      } else if (uptime !== undefined) {
        const lived = uptime - stat.startTicks / CLK_TCK;
        cpuPercent = lived > 0.05 ? (stat.cpuTicks / CLK_TCK / lived) * 100 : 0;
      }
      next.set(stat.pid, { startTicks: stat.startTicks, cpuTicks: stat.cpuTicks, at });
      candidates.push({
        stat,
        cpuPercent: Math.max(0, Math.round(cpuPercent * 100) / 100),
        container: owner.get(stat.pid),
      });
    }
    this.#previous = next;
    for (const pid of this.#fixed.keys()) if (!next.has(pid)) this.#fixed.delete(pid);
    return candidates;
  }

  /** The bounded selection: each container's top N, plus the host's top by CPU. */
  #select(ctx: SourceContext, candidates: Candidate[]): Set<Candidate> {
    const selected = new Set<Candidate>();
    const perContainer = new Map<string, Candidate[]>();
    for (const c of candidates) {
      if (!c.container) continue;
      const list = perContainer.get(c.container.id) ?? [];
      if (list.length === 0) perContainer.set(c.container.id, list);
      list.push(c);
    }
    for (const [id, list] of perContainer) {
      list.sort(byCpuThenRss);
      for (const c of list.slice(0, this.#maxPerContainer)) selected.add(c);
      const cut = list.length - this.#maxPerContainer;
      if (cut > 0) this.#noteCut(ctx, id, list, cut);
    }
    for (const c of [...candidates].sort(byCpuThenRss).slice(0, this.#hostTop)) selected.add(c);
    return selected;
  }

  /** Counts processes left out by the per-container bound; says so once per container at info. */
  #noteCut(ctx: SourceContext, id: string, list: Candidate[], cut: number): void {
    this.stats.cut += cut;
    const info = list[0]?.container;
    const fields = { containerId: id, containerName: info?.name, processes: list.length, cut };
    if (this.#loggedCut.has(id)) ctx.log.debug(fields, "container processes cut to the per-sample bound");
    else {
      this.#loggedCut.add(id);
      ctx.log.info(
        { ...fields, maxPerContainer: this.#maxPerContainer },
        "container has more processes than the per-sample bound; only the top by CPU and RSS are kept",
      );
    }
  }

  /**
   * Details only for what is kept: RSS, threads and state from this round's stat, the rest from
   * what is known of the process (see Fixed); a process gone meanwhile is left out.
   */
  async #describe(
    ctx: SourceContext,
    selected: Set<Candidate>,
    owner: Map<number, ContainerInfo>,
    time: string,
  ): Promise<ProcessRecord[]> {
    const usersOf = this.#userTables(owner);
    const btime = this.#btime ?? 0;
    const now = performance.now();
    const records = await mapSliced([...selected], (c): ProcessRecord | undefined => {
      const fixed = this.#fixedOf(c, usersOf, now);
      if (!fixed) return undefined; // exited since its stat was read
      return {
        kind: "process",
        time,
        host: ctx.host,
        containerId: c.container?.id ?? "",
        containerName: c.container?.name ?? "",
        image: c.container?.image ?? "",
        pid: c.stat.pid,
        nsPid: fixed.nsPid,
        ppid: c.stat.ppid,
        uid: fixed.uid,
        user: fixed.user,
        command: c.stat.comm,
        cmdline: fixed.cmdline,
        state: c.stat.state,
        cpuPercent: c.cpuPercent,
        // stat's rss and status's VmRSS are the same counters (anon + file + shmem pages).
        rssBytes: c.stat.rssPages * pageBytes(),
        threads: c.stat.threads,
        startTime: startTimeRfc3339(c.stat.startTicks, btime),
      };
    });
    return records.filter((r): r is ProcessRecord => r !== undefined);
  }

  /** The process's fixed fields: known ones while the same process and not due, else read now. */
  #fixedOf(c: Candidate, usersOf: (c: Candidate) => Map<number, string>, now: number): Fixed | undefined {
    const { pid, startTicks, comm } = c.stat;
    const known = this.#fixed.get(pid);
    const same = known?.startTicks === startTicks && known.comm === comm;
    if (same && now < known.nextAt) return known;
    const status = readStatus(this.#roots.procRoot, pid);
    if (!status) return undefined;
    const firstAt = same ? known.firstAt : now;
    const fixed: Fixed = {
      startTicks,
      comm,
      uid: status.uid,
      nsPid: namespacePid(status, pid),
      user: userName(usersOf(c), status.uid),
      cmdline: this.#scrubber.cmdline(readCmdline(this.#roots.procRoot, pid)),
      firstAt,
      nextAt: now + Math.min(MAX_FIXED_AGE_MS, Math.max(this.#intervalMs, now - firstAt)),
    };
    this.#fixed.set(pid, fixed);
    return fixed;
  }

  /** uid → name per container (and the host), read once per round on first use. */
  #userTables(owner: Map<number, ContainerInfo>): (c: Candidate) => Map<number, string> {
    const users = new Map<string, Map<number, string>>();
    return (c) => {
      const key = c.container?.id ?? "";
      let u = users.get(key);
      if (!u) {
        // The container's own /etc/passwd through its init's root while the init is one of its
        // processes, else through this process's (an init that exited may have left its PID to
        // another); the host's through pid 1's.
        const init = c.container?.pid ?? 1;
        u = readPasswdOf(
          this.#roots.procRoot,
          !c.container || owner.get(init) === c.container ? init : c.stat.pid,
        );
        users.set(key, u);
      }
      return u;
    };
  }

  /**
   * The container's pids from its own cgroup.procs (v2: its unified dir; v1: its pids, else
   * memory, dir) — never from a cgroup its init PID merely seems to be in (see findContainerCgroup:
   * an exited init reads the root cgroup on v1, which would make every host process its own).
   */
  async #containerPids(info: ContainerInfo): Promise<number[]> {
    let known = this.#procsFiles.get(info.id);
    if (!known || known.pid !== info.pid) {
      const cg = await findContainerCgroup(info.id, info.pid, this.#roots);
      const dirs = cg.version === 2 ? [cg.dir] : [cg.dirs.pids, cg.dirs.memory];
      known = { pid: info.pid, files: dirs.map((d) => join(d, "cgroup.procs")), initVerified: !cg.guessed };
      // A guess (the init's file did not name the container) is not kept: the next round looks again.
      if (known.initVerified) this.#procsFiles.set(info.id, known);
    }
    for (const file of known.files) {
      // Opened afresh, never held: v1 keeps a cgroup.procs pid list per open file (see
      // container-stats-source.ts).
      const pids = parseCgroupProcs(readText(file));
      if (pids.length > 0) return pids;
    }
    // cgroup.procs not readable (e.g. a private cgroup namespace): at least its init process,
    // when its own cgroup file said it is the container's.
    return known.initVerified ? [info.pid] : [];
  }
}
