import type Dockerode from "dockerode";
import type { ContainerSnapshot } from "../../../protocol/cadvisor/snapshot.ts";
import type { InterfaceStats, SampleRecord } from "../../../protocol/records.ts";
import { readNetDevInterfaces } from "../../cgroup/net-dev.ts";
import {
  type CgroupRoots,
  type ContainerCgroup,
  DEFAULT_ROOTS,
  detectCgroupVersion,
  findContainerCgroup,
  guessContainerCgroup,
  hierarchyReadable,
} from "../../cgroup/paths.ts";
import { CgroupUnreadableError, cgroupPathOf, readCgroupStats } from "../../cgroup/read-stats.ts";
import { type CgroupStats, emptyStats } from "../../cgroup/stats.ts";
import {
  cgroupPopulated,
  ProcIoAccount,
  readCgroupProcs,
  readTaskStats,
  type TaskStats,
} from "../../cgroup/tasks.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";
import { type LayerTarget, WritableLayerUsage } from "../../docker/writable-layer.ts";
import { HeldFiles } from "../../proc/held-files.ts";
import type { Source, SourceContext } from "../source.ts";
import { statsFromDockerApi } from "./stats-api.ts";

export interface ContainerStatsOptions {
  intervalMs: number;
  /** /proc of the host; /host/proc when the collector runs in a container. */
  procRoot?: string;
  /** The host's cgroup mount; /host/sys/fs/cgroup when the collector runs in a container. */
  cgroupRoot?: string;
  /** Used only for containers whose cgroup directory cannot be read. */
  docker?: Dockerode;
  /**
   * How long the last sample of a container that stopped stays in `snapshots()` (for /metrics), so
   * a scrape still sees its final counters — an OOM kill, say — after its cgroup is gone. 5 min.
   */
  retainStoppedMs?: number;
  /** Walks of the writable layers for container_fs_usage_bytes (writable-layer.ts); off when absent. */
  fsUsage?: { intervalMs: number; maxEntries: number; sysRoot?: string };
}

const DEFAULT_RETAIN_STOPPED_MS = 5 * 60_000;

interface Previous {
  pid: number;
  origin: string;
  cpuUsageSeconds: number;
  /** performance.now() of the reading: monotonic, unlike the record's wall-clock time. */
  at: number;
}

// Containers read at once in a round: bounds open files when a host runs hundreds of them.
const CONCURRENCY = 16;

/** Why a container's reading was not taken (the `reason` of fleetscope_collector_samples_skipped_total). */
type SkipReason = "cgroup-gone" | "no-process" | "not-running" | "fs-usage-over-budget";

/** One container's counters, and where they came from. */
interface Reading {
  cg: ContainerCgroup;
  stats: CgroupStats;
  interfaces: InterfaceStats[];
  tasks: TaskStats | undefined;
  origin: "cgroup" | "docker-api";
}

/** Samples every running container's cgroup each interval (cAdvisor-style), emitting SampleRecords. */
export class ContainerStatsSource implements Source {
  readonly name = "container-stats";
  readonly #intervalMs: number;
  readonly #roots: CgroupRoots;
  readonly #docker: Dockerode | undefined;
  readonly #retainStoppedMs: number;
  readonly #fsUsageOptions: ContainerStatsOptions["fsUsage"];
  #layers: WritableLayerUsage | undefined;
  readonly #previous = new Map<string, Previous>();
  readonly #snapshots = new Map<string, ContainerSnapshot>();
  readonly #procIo = new Map<string, { pid: number; account: ProcIoAccount }>();
  /**
   * Per container: its cgroup as found from its init's /proc/<pid>/cgroup, kept while that init
   * lives (a container's cgroup does not move), so a round does not look it up again for each.
   */
  readonly #cgroups = new Map<string, { pid: number; cg: ContainerCgroup }>();
  /**
   * Per container: its cgroup files and its processes' /proc files, held open between rounds and
   * read again from offset 0 (proc/held-files.ts), for the init pid they were opened for. Closed
   * when the container stops, goes away or restarts, and when its cgroup is gone.
   */
  readonly #files = new Map<string, { pid: number; cgroup: HeldFiles; proc: HeldFiles }>();
  readonly #busy = new Set<string>();
  readonly #loggedFallback = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  #ctx: SourceContext | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;
  /** Containers of the current round whose cgroup was not found (see #warnIfNoCgroups). */
  #goneThisRound = 0;
  /** Rounds in a row in which no running container had a cgroup. */
  #roundsWithoutCgroups = 0;
  #warnedNoCgroups = false;

  constructor(options: ContainerStatsOptions) {
    this.#intervalMs = options.intervalMs;
    this.#roots = {
      procRoot: options.procRoot ?? DEFAULT_ROOTS.procRoot,
      cgroupRoot: options.cgroupRoot ?? DEFAULT_ROOTS.cgroupRoot,
    };
    this.#docker = options.docker;
    this.#retainStoppedMs = options.retainStoppedMs ?? DEFAULT_RETAIN_STOPPED_MS;
    this.#fsUsageOptions = options.fsUsage;
  }

  /**
   * The latest full reading of every running container, plus containers that stopped less than
   * `retainStoppedMs` ago (their last reading, frozen). Cheap: no I/O.
   */
  snapshots(): ContainerSnapshot[] {
    this.#prune();
    return [...this.#snapshots.values()];
  }

  /** Forgets stopped containers past the retention (also each round, so nothing piles up unscraped). */
  #prune(): void {
    const now = Date.now();
    for (const [id, snap] of this.#snapshots)
      if (snap.stoppedAtMs !== undefined && now - snap.stoppedAtMs > this.#retainStoppedMs) {
        this.#snapshots.delete(id);
        this.#procIo.delete(id);
      }
  }

  /** Freezes a container's last reading: it stopped, or was removed. */
  #markStopped(info: ContainerInfo): void {
    const snap = this.#snapshots.get(info.id);
    if (!snap) return;
    snap.stoppedAtMs ??= Date.now();
    // Docker's State.OOMKilled: the init process was OOM-killed. Its cgroup (and memory.oom_control
    // / memory.events with it) is usually gone before the next reading could see the kill.
    if (info.oomKilled && (snap.sample.oomKills ?? 0) < 1) snap.sample.oomKills = 1;
  }

  /**
   * A container OOM-killed before its first reading (e.g. `tail /dev/zero` under a small limit
   * dies within milliseconds) still gets a snapshot, so container_oom_events_total shows the kill.
   * Only for deaths within the retention window: not for old exited containers listed at start.
   */
  async #recordUnmeasuredOom(info: ContainerInfo): Promise<void> {
    const ctx = this.#ctx;
    const finished = Date.parse(info.finishedAt);
    if (!ctx || !info.oomKilled || !Number.isFinite(finished)) return;
    if (Date.now() - finished > this.#retainStoppedMs || this.#snapshots.has(info.id)) return;
    const version = await detectCgroupVersion(this.#roots.cgroupRoot);
    const cg = await guessContainerCgroup(info.id, this.#roots.cgroupRoot, version);
    if (this.#snapshots.has(info.id)) return;
    const { cpuQuotaMicros: _q, cpuPeriodMicros: _p, cpuShares: _s, ...counters } = emptyStats();
    this.#snapshots.set(info.id, {
      sample: {
        kind: "sample",
        time: new Date(finished).toISOString(),
        host: ctx.host,
        containerId: info.id,
        containerName: info.name,
        image: info.image,
        origin: "docker-api",
        ...counters,
        cpuCores: 0,
        networkRxBytes: 0,
        networkTxBytes: 0,
        memoryLimitBytes: info.memoryLimitBytes,
        oomKills: 1,
      },
      cgroupPath: cgroupPathOf(cg, this.#roots.cgroupRoot),
      labels: info.labels,
      processes: 0,
      cpuQuotaMicros: 0,
      cpuPeriodMicros: 0,
      cpuShares: 0,
      startTimeSeconds: toUnixSeconds(info.startedAt),
      seenAtMs: finished,
      stoppedAtMs: finished,
      measured: false,
    });
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    ctx.inventory.on("change", this.#onChange);
    ctx.inventory.on("removed", this.#onRemoved);
    this.#timer = setInterval(() => this.#startRound(), this.#intervalMs);
    this.#startRound();
    this.#startLayerWalks(ctx);
  }

  /** The writable layers' usage, walked apart from the rounds (far rarer, and bounded on its own). */
  #startLayerWalks(ctx: SourceContext): void {
    if (!this.#fsUsageOptions) return;
    this.#layers = new WritableLayerUsage({
      ...this.#fsUsageOptions,
      log: ctx.log,
      overBudget: () => ctx.skipped?.("fs-usage-over-budget"),
    });
    this.#layers.start(() =>
      ctx.inventory
        .list()
        .filter((c) => c.state === "running" && c.writableLayer)
        .map(
          (c): LayerTarget => ({ id: c.id, name: c.name, layer: c.writableLayer as LayerTarget["layer"] }),
        ),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#ctx?.inventory.off("change", this.#onChange);
    this.#ctx?.inventory.off("removed", this.#onRemoved);
    await this.#layers?.stop();
    this.#layers = undefined;
    await Promise.allSettled([...this.#inFlight]);
    for (const id of [...this.#files.keys()]) this.#closeFiles(id);
  }

  /** Descriptors the source holds now (cgroup and /proc files of every container it reads). */
  heldFiles(): number {
    let n = 0;
    for (const f of this.#files.values()) n += f.cgroup.held + f.proc.held;
    return n;
  }

  /** The held files of a container's current init, opened afresh after a restart (a new init pid). */
  #filesOf(info: ContainerInfo): { cgroup: HeldFiles; proc: HeldFiles } {
    const known = this.#files.get(info.id);
    if (known?.pid === info.pid) return known;
    if (known) this.#closeFiles(info.id);
    const files = { pid: info.pid, cgroup: new HeldFiles(), proc: new HeldFiles() };
    this.#files.set(info.id, files);
    return files;
  }

  #closeFiles(id: string): void {
    const files = this.#files.get(id);
    if (!files) return;
    files.cgroup.close();
    files.proc.close();
    this.#files.delete(id);
  }

  // A container that just started is sampled at once, so one that lives less than an interval is seen.
  readonly #onChange = (info: ContainerInfo): void => {
    if (info.state !== "running" || info.pid <= 0) {
      this.#markStopped(info);
      if (!this.#snapshots.has(info.id) && info.oomKilled)
        this.#track(
          this.#recordUnmeasuredOom(info).catch((err) =>
            this.#ctx?.log.warn({ err, containerId: info.id }, "recording an OOM-killed container failed"),
          ),
        );
      return;
    }
    if (this.#stopped) return;
    if (this.#previous.has(info.id) || this.#busy.has(info.id)) return;
    this.#track(this.#emitFor([info]));
  };

  readonly #onRemoved = (info: ContainerInfo): void => {
    this.#markStopped(info);
    this.#previous.delete(info.id);
    this.#loggedFallback.delete(info.id);
    this.#cgroups.delete(info.id);
    this.#closeFiles(info.id);
  };

  #track(p: Promise<void>): Promise<void> {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p));
    return p;
  }

  #startRound(): void {
    // A round slower than the interval (e.g. many Docker API fallbacks) is not stacked on.
    if (this.#round || this.#stopped || !this.#ctx) return;
    const running = this.#ctx.inventory.list().filter((c) => c.state === "running" && c.pid > 0);
    const ids = new Set(running.map((c) => c.id));
    for (const id of this.#previous.keys()) if (!ids.has(id)) this.#previous.delete(id);
    for (const id of this.#cgroups.keys()) if (!ids.has(id)) this.#cgroups.delete(id);
    for (const id of [...this.#files.keys()]) if (!ids.has(id)) this.#closeFiles(id);
    for (const [id, snap] of this.#snapshots) if (!ids.has(id)) snap.stoppedAtMs ??= Date.now();
    this.#prune();
    this.#round = this.#track(this.#emitFor(running)).finally(() => {
      this.#round = undefined;
    });
  }

  async #emitFor(containers: ContainerInfo[]): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx) return;
    const records: SampleRecord[] = [];
    this.#goneThisRound = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < containers.length; i = next++) {
        const info = containers[i] as ContainerInfo;
        if (this.#busy.has(info.id)) continue;
        this.#busy.add(info.id);
        try {
          const rec = await this.#sample(ctx, info);
          if (rec) records.push(rec);
        } catch (err) {
          ctx.log.warn(
            { err, containerId: info.id, containerName: info.name },
            "container stats read failed",
          );
        } finally {
          this.#busy.delete(info.id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, containers.length) }, worker));
    this.#warnIfNoCgroups(ctx, containers.length, records.length);
    if (records.length === 0) return;
    try {
      await ctx.emit(records); // no cursor: stats are a live view, never replayed
    } catch (err) {
      ctx.log.error({ err, count: records.length }, "emitting container samples failed");
    }
  }

  /**
   * The container's counters from its own cgroup, and its network from one of its live processes.
   * Never from a cgroup that is not the container's (see findContainerCgroup): when its own is gone
   * or empty — it stopped between the inventory's last word and this reading — the reading is
   * skipped and counted. The Docker API stands in only when the cgroup files cannot be read at all.
   */
  async #read(ctx: SourceContext, info: ContainerInfo): Promise<Reading | undefined> {
    const cg = await this.#cgroupOf(info);
    const files = this.#filesOf(info);
    try {
      const stats = await readCgroupStats(cg, files.cgroup);
      // cgroup.procs is opened afresh each time: on v1 the kernel keeps its pid list per open file
      // and loads it again only after a second without reads (a held one would go on listing an
      // init that died, read every interval under a second).
      const pids = await readCgroupProcs(cg);
      const populated = await cgroupPopulated(cg, pids, files.cgroup.read);
      if (!populated) return this.#skip(ctx, info, "no-process");
      // The init's network namespace, or (init gone or not verified) another process of the cgroup's.
      const member =
        pids?.length && (cg.guessed || !pids.includes(info.pid)) ? (pids[0] as number) : info.pid;
      const interfaces = await readNetDevInterfaces(this.#roots.procRoot, member, files.proc.read);
      const tasks = pids ? await readTaskStats(this.#roots.procRoot, pids, files.proc) : undefined;
      // Files of processes that exited, or of a cgroup path no longer read, are not held on.
      files.cgroup.retain();
      files.proc.retain();
      return { cg, stats, interfaces, tasks, origin: "cgroup" };
    } catch (err) {
      this.#closeFiles(info.id);
      if (!(err instanceof CgroupUnreadableError)) throw err;
      this.#cgroups.delete(info.id);
      if (await hierarchyReadable(this.#roots.cgroupRoot, cg.version))
        return this.#skip(ctx, info, "cgroup-gone");
      return this.#readFromDockerApi(ctx, info, cg, err);
    }
  }

  /**
   * The container's cgroup: the one found for the same init pid before, else looked up. Only a
   * cgroup its init's own file named is kept; a guess (see findContainerCgroup) is looked up again.
   */
  async #cgroupOf(info: ContainerInfo): Promise<ContainerCgroup> {
    const known = this.#cgroups.get(info.id);
    if (known?.pid === info.pid) return known.cg;
    const cg = await findContainerCgroup(info.id, info.pid, this.#roots);
    if (cg.guessed) this.#cgroups.delete(info.id);
    else this.#cgroups.set(info.id, { pid: info.pid, cg });
    return cg;
  }

  async #readFromDockerApi(
    ctx: SourceContext,
    info: ContainerInfo,
    cg: ContainerCgroup,
    err: unknown,
  ): Promise<Reading | undefined> {
    if (!this.#loggedFallback.has(info.id)) {
      this.#loggedFallback.add(info.id);
      ctx.log.warn(
        { err, containerId: info.id, containerName: info.name, docker: this.#docker !== undefined },
        this.#docker
          ? "cgroup not readable; using the Docker stats API for this container"
          : "cgroup not readable and no Docker client; this container is not sampled",
      );
    }
    if (!this.#docker) return undefined;
    const raw = await this.#docker.getContainer(info.id).stats({ stream: false });
    // A container that is not running answers with zeroed stats read at year 1.
    if (!raw.read || raw.read.startsWith("0001-")) return this.#skip(ctx, info, "not-running");
    const api = statsFromDockerApi(raw);
    return { cg, stats: api.stats, interfaces: api.interfaces, tasks: undefined, origin: "docker-api" };
  }

  /**
   * One container whose cgroup is gone is one that just stopped; every running container's gone,
   * round after round, is a collector looking at the wrong hierarchy — in a container, its own
   * /sys/fs/cgroup instead of the host's. Said once, with what to do, until samples flow again.
   */
  #warnIfNoCgroups(ctx: SourceContext, running: number, sampled: number): void {
    if (sampled > 0) this.#warnedNoCgroups = false;
    const none = running > 0 && this.#goneThisRound === running;
    this.#roundsWithoutCgroups = none ? this.#roundsWithoutCgroups + 1 : 0;
    if (this.#roundsWithoutCgroups < 2 || this.#warnedNoCgroups) return;
    this.#warnedNoCgroups = true;
    ctx.log.warn(
      { running, cgroupRoot: this.#roots.cgroupRoot, procRoot: this.#roots.procRoot },
      `none of the ${running} running containers has a cgroup under ${this.#roots.cgroupRoot}: no samples. In a container, mount the host's /sys/fs/cgroup and /proc (e.g. at /host/sys/fs/cgroup, /host/proc) and pass --cgroup-root and --proc-root`,
    );
  }

  #skip(ctx: SourceContext, info: ContainerInfo, reason: SkipReason): undefined {
    if (reason === "cgroup-gone") this.#goneThisRound++;
    ctx.skipped?.(reason);
    ctx.log.debug({ containerId: info.id, containerName: info.name, reason }, "container reading skipped");
    return undefined;
  }

  /** One container's reading as the record shipped, remembered (with what only /metrics shows) as its snapshot. */
  async #sample(ctx: SourceContext, info: ContainerInfo): Promise<SampleRecord | undefined> {
    const reading = await this.#read(ctx, info);
    if (!reading) return undefined;
    const { cg, stats, tasks, origin } = reading;
    const io = tasks ? this.#procIoTotals(info, tasks) : { readBytes: 0, writeBytes: 0 };
    const cpuCores = this.#cpuCores(info, origin, stats.cpuUsageSeconds, performance.now());
    // The latest walk of its writable layer rides on every sample (walks are far rarer than samples).
    const sample = {
      ...toSampleRecord(ctx.host, info, reading, io, cpuCores),
      ...this.#layers?.usage(info.id),
    };
    this.#snapshots.set(info.id, {
      sample,
      cgroupPath: cgroupPathOf(cg, this.#roots.cgroupRoot),
      labels: info.labels,
      processes: tasks?.processes ?? 0,
      cpuQuotaMicros: stats.cpuQuotaMicros,
      cpuPeriodMicros: stats.cpuPeriodMicros,
      cpuShares: stats.cpuShares,
      startTimeSeconds: toUnixSeconds(info.startedAt),
      seenAtMs: Date.now(),
      measured: true,
    });
    return sample;
  }

  /** Cumulative /proc/<pid>/io bytes of the container's processes since its init started. */
  #procIoTotals(info: ContainerInfo, tasks: TaskStats): { readBytes: number; writeBytes: number } {
    let entry = this.#procIo.get(info.id);
    if (!entry || entry.pid !== info.pid) {
      entry = { pid: info.pid, account: new ProcIoAccount() };
      this.#procIo.set(info.id, entry);
    }
    return entry.account.update(tasks.io);
  }

  /** CPU cores used since the previous sample; 0 on a first sample or after a restart (new PID, reset counters). */
  #cpuCores(info: ContainerInfo, origin: string, cpuUsageSeconds: number, at: number): number {
    const prev = this.#previous.get(info.id);
    this.#previous.set(info.id, { pid: info.pid, origin, cpuUsageSeconds, at });
    if (!prev || prev.pid !== info.pid || prev.origin !== origin) return 0;
    const seconds = (at - prev.at) / 1000;
    const used = cpuUsageSeconds - prev.cpuUsageSeconds;
    return seconds > 0 && used >= 0 ? used / seconds : 0;
  }
}

/** The record shipped for one reading: the cgroup's counters, the /proc I/O totals and the network sums. */
function toSampleRecord(
  host: string,
  info: ContainerInfo,
  { stats, interfaces, tasks, origin }: Reading,
  io: { readBytes: number; writeBytes: number },
  cpuCores: number,
): SampleRecord {
  const net = sumInterfaces(interfaces);
  return {
    kind: "sample",
    time: new Date().toISOString(),
    host,
    containerId: info.id,
    containerName: info.name,
    image: info.image,
    origin,
    cpuUsageSeconds: stats.cpuUsageSeconds,
    cpuUserSeconds: stats.cpuUserSeconds,
    cpuSystemSeconds: stats.cpuSystemSeconds,
    cpuCores,
    memoryUsageBytes: stats.memoryUsageBytes,
    memoryWorkingSetBytes: stats.memoryWorkingSetBytes,
    memoryRssBytes: stats.memoryRssBytes,
    memoryCacheBytes: stats.memoryCacheBytes,
    memoryLimitBytes: stats.memoryLimitBytes || info.memoryLimitBytes,
    pids: stats.pids,
    // cgroup v1 charges buffered writes to the root cgroup (blkio stays 0 unless blk-throttle is
    // active): the larger of the cgroup's count and the processes' own /proc/<pid>/io wins.
    blkioReadBytes: Math.max(stats.blkioReadBytes, io.readBytes),
    blkioWriteBytes: Math.max(stats.blkioWriteBytes, io.writeBytes),
    networkRxBytes: net.rxBytes,
    networkTxBytes: net.txBytes,
    cpuPeriods: stats.cpuPeriods,
    cpuThrottledPeriods: stats.cpuThrottledPeriods,
    cpuThrottledSeconds: stats.cpuThrottledSeconds,
    memorySwapBytes: stats.memorySwapBytes,
    memoryMappedFileBytes: stats.memoryMappedFileBytes,
    memoryMaxUsageBytes: stats.memoryMaxUsageBytes,
    memoryFailcnt: stats.memoryFailcnt,
    memoryReservationBytes: stats.memoryReservationBytes,
    oomKills: stats.oomKills,
    // Threads: the sum of `Threads:` over the cgroup's processes; pids.current (which counts
    // tasks, i.e. threads, too) when /proc could not be read.
    threads: tasks && tasks.threads > 0 ? tasks.threads : stats.pids,
    fileDescriptors: tasks?.fileDescriptors ?? 0,
    networkRxPackets: net.rxPackets,
    networkTxPackets: net.txPackets,
    networkRxErrors: net.rxErrors,
    networkTxErrors: net.txErrors,
    networkRxDropped: net.rxDropped,
    networkTxDropped: net.txDropped,
    blkioReads: stats.blkioReads,
    blkioWrites: stats.blkioWrites,
    interfaces,
    devices: stats.devices ?? [],
  };
}

function sumInterfaces(list: InterfaceStats[]) {
  const t = {
    rxBytes: 0,
    txBytes: 0,
    rxPackets: 0,
    txPackets: 0,
    rxErrors: 0,
    txErrors: 0,
    rxDropped: 0,
    txDropped: 0,
  };
  for (const i of list) {
    t.rxBytes += i.rxBytes;
    t.txBytes += i.txBytes;
    t.rxPackets += i.rxPackets;
    t.txPackets += i.txPackets;
    t.rxErrors += i.rxErrors;
    t.txErrors += i.txErrors;
    t.rxDropped += i.rxDropped;
    t.txDropped += i.txDropped;
  }
  return t;
}

function toUnixSeconds(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) && ms > 0 ? ms / 1000 : 0;
}
