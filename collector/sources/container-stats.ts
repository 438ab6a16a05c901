import { access } from "node:fs/promises";
import { join } from "node:path";
import type Dockerode from "dockerode";
import type { SampleRecord } from "../../protocol/records.ts";
import { readNetDev } from "../cgroup/net-dev.ts";
import {
  type CgroupRoots,
  type ContainerCgroup,
  DEFAULT_ROOTS,
  findContainerCgroup,
} from "../cgroup/paths.ts";
import { type CgroupStats, emptyStats, workingSet } from "../cgroup/stats.ts";
import { readV1Stats } from "../cgroup/v1.ts";
import { readV2Stats } from "../cgroup/v2.ts";
import type { ContainerInfo } from "../docker/container-info.ts";
import type { Source, SourceContext } from "./source.ts";

export interface ContainerStatsOptions {
  intervalMs: number;
  /** /proc of the host; /host/proc when the collector runs in a container. */
  procRoot?: string;
  /** The host's cgroup mount; /host/sys/fs/cgroup when the collector runs in a container. */
  cgroupRoot?: string;
  /** Used only for containers whose cgroup directory cannot be read. */
  docker?: Dockerode;
}

/** The container's cgroup directory is missing or not readable (as opposed to a broken file in it). */
export class CgroupUnreadableError extends Error {
  override readonly name = "CgroupUnreadableError";
}

/** Reads the stats of a located cgroup; throws CgroupUnreadableError when its directory cannot be read. */
export async function readCgroupStats(cg: ContainerCgroup): Promise<CgroupStats> {
  const dirs = cg.version === 2 ? [cg.dir] : [cg.dirs.cpuacct, cg.dirs.memory];
  try {
    await Promise.any(dirs.map((d) => access(d)));
  } catch (err) {
    throw new CgroupUnreadableError(`cgroup not readable: ${dirs.join(", ")}`, { cause: err });
  }
  return cg.version === 2 ? readV2Stats(cg.dir) : readV1Stats(cg.dirs);
}

/** Maps a Docker stats API answer (v1 or v2 daemon) to our counters. */
export function statsFromDockerApi(s: Dockerode.ContainerStats): {
  stats: CgroupStats;
  rxBytes: number;
  txBytes: number;
} {
  const stats = emptyStats();
  const cpu = s.cpu_stats?.cpu_usage;
  stats.cpuUsageSeconds = (cpu?.total_usage ?? 0) / 1e9;
  stats.cpuUserSeconds = (cpu?.usage_in_usermode ?? 0) / 1e9;
  stats.cpuSystemSeconds = (cpu?.usage_in_kernelmode ?? 0) / 1e9;
  const mem = (s.memory_stats?.stats ?? {}) as Record<string, number | undefined>;
  stats.memoryUsageBytes = s.memory_stats?.usage ?? 0;
  // v1 daemons report total_* keys, v2 ones the kernel's anon/file/inactive_file.
  stats.memoryWorkingSetBytes = workingSet(
    stats.memoryUsageBytes,
    mem.total_inactive_file ?? mem.inactive_file ?? 0,
  );
  stats.memoryRssBytes = mem.total_rss ?? mem.anon ?? mem.rss ?? 0;
  stats.memoryCacheBytes = mem.total_cache ?? mem.file ?? mem.cache ?? 0;
  // memory_stats.limit is the host's RAM when there is no limit, so the caller uses the inventory's.
  stats.pids = s.pids_stats?.current ?? 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === "read") stats.blkioReadBytes += e.value;
    else if (op === "write") stats.blkioWriteBytes += e.value;
  }
  let rxBytes = 0;
  let txBytes = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rxBytes += n.rx_bytes;
    txBytes += n.tx_bytes;
  }
  return { stats, rxBytes, txBytes };
}

interface Previous {
  pid: number;
  origin: string;
  cpuUsageSeconds: number;
  /** performance.now() of the reading: monotonic, unlike the record's wall-clock time. */
  at: number;
}

// Containers read at once in a round: bounds open files when a host runs hundreds of them.
const CONCURRENCY = 16;

/** Samples every running container's cgroup each interval (cAdvisor-style), emitting SampleRecords. */
export class ContainerStatsSource implements Source {
  readonly name = "container-stats";
  readonly #intervalMs: number;
  readonly #roots: CgroupRoots;
  readonly #docker: Dockerode | undefined;
  readonly #previous = new Map<string, Previous>();
  readonly #busy = new Set<string>();
  readonly #loggedFallback = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();
  #ctx: SourceContext | undefined;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #stopped = false;

  constructor(options: ContainerStatsOptions) {
    this.#intervalMs = options.intervalMs;
    this.#roots = {
      procRoot: options.procRoot ?? DEFAULT_ROOTS.procRoot,
      cgroupRoot: options.cgroupRoot ?? DEFAULT_ROOTS.cgroupRoot,
    };
    this.#docker = options.docker;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    ctx.inventory.on("change", this.#onChange);
    ctx.inventory.on("removed", this.#onRemoved);
    this.#timer = setInterval(() => this.#startRound(), this.#intervalMs);
    this.#startRound();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#ctx?.inventory.off("change", this.#onChange);
    this.#ctx?.inventory.off("removed", this.#onRemoved);
    await Promise.allSettled([...this.#inFlight]);
  }

  // A container that just started is sampled at once, so one that lives less than an interval is seen.
  readonly #onChange = (info: ContainerInfo): void => {
    if (this.#stopped || info.state !== "running" || info.pid <= 0) return;
    if (this.#previous.has(info.id) || this.#busy.has(info.id)) return;
    this.#track(this.#emitFor([info]));
  };

  readonly #onRemoved = (info: ContainerInfo): void => {
    this.#previous.delete(info.id);
    this.#loggedFallback.delete(info.id);
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
    this.#round = this.#track(this.#emitFor(running)).finally(() => {
      this.#round = undefined;
    });
  }

  async #emitFor(containers: ContainerInfo[]): Promise<void> {
    const ctx = this.#ctx;
    if (!ctx) return;
    const records: SampleRecord[] = [];
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
    if (records.length === 0) return;
    try {
      await ctx.emit(records); // no cursor: stats are a live view, never replayed
    } catch (err) {
      ctx.log.error({ err, count: records.length }, "emitting container samples failed");
    }
  }

  async #sample(ctx: SourceContext, info: ContainerInfo): Promise<SampleRecord | undefined> {
    const cg = await findContainerCgroup(info.id, info.pid, this.#roots);
    let stats: CgroupStats;
    let net: { rxBytes: number; txBytes: number };
    let origin = "cgroup";
    try {
      stats = await readCgroupStats(cg);
      net = await readNetDev(this.#roots.procRoot, info.pid);
    } catch (err) {
      if (!(err instanceof CgroupUnreadableError)) throw err;
      // The usual reason is that the container just stopped: its cgroup and its PID are gone.
      if (!(await pathExists(join(this.#roots.procRoot, String(info.pid))))) return undefined;
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
      const api = statsFromDockerApi(await this.#docker.getContainer(info.id).stats({ stream: false }));
      stats = api.stats;
      net = { rxBytes: api.rxBytes, txBytes: api.txBytes };
      origin = "docker-api";
    }
    const at = performance.now();
    const cpuCores = this.#cpuCores(info, origin, stats.cpuUsageSeconds, at);
    return {
      kind: "sample",
      time: new Date().toISOString(),
      host: ctx.host,
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
      blkioReadBytes: stats.blkioReadBytes,
      blkioWriteBytes: stats.blkioWriteBytes,
      networkRxBytes: net.rxBytes,
      networkTxBytes: net.txBytes,
    };
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

async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
