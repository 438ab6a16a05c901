import { EventEmitter } from "node:events";
import { dirname } from "node:path";
import type Docker from "dockerode";
import type { Logger } from "pino";
import { containerDetails } from "./container-details.ts";
import type { ContainerInfo } from "./container-info.ts";
import type { WritableLayer } from "./writable-layer.ts";

export interface InventoryEvents {
  /** A container appeared or its inspect data changed (state, pid, limits …). */
  change: [info: ContainerInfo];
  /** The container was removed (`docker rm`); the info is its last known state. */
  removed: [info: ContainerInfo];
}

/** The containers of this host, as the collector currently knows them. */
export interface ContainerInventory extends EventEmitter<InventoryEvents> {
  list(): ContainerInfo[];
  get(id: string): ContainerInfo | undefined;
}

/** Keeps the inventory from `docker ps -a` + `docker inspect`, refreshed by the events source. */
export class DockerInventory extends EventEmitter<InventoryEvents> implements ContainerInventory {
  readonly #docker: Docker;
  readonly #log: Logger;
  readonly #byId = new Map<string, ContainerInfo>();

  constructor(docker: Docker, log: Logger) {
    super();
    this.#docker = docker;
    this.#log = log;
  }

  list(): ContainerInfo[] {
    return [...this.#byId.values()];
  }

  get(id: string): ContainerInfo | undefined {
    return this.#byId.get(id);
  }

  /** Lists every container (running or not) and inspects each; containers gone since are removed. */
  async sync(): Promise<void> {
    const listed = await this.#docker.listContainers({ all: true });
    const seen = new Set(listed.map((c) => c.Id));
    await Promise.all(listed.map((c) => this.refresh(c.Id)));
    for (const id of [...this.#byId.keys()]) if (!seen.has(id)) this.markRemoved(id);
  }

  /** Re-inspects one container; a container that no longer exists is marked removed. */
  async refresh(id: string): Promise<ContainerInfo | undefined> {
    try {
      const info = toContainerInfo(await this.#docker.getContainer(id).inspect());
      this.#byId.set(id, info);
      this.emit("change", info);
      return info;
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) {
        this.markRemoved(id);
        return undefined;
      }
      this.#log.warn({ err, id }, "docker inspect failed; keeping the last known state");
      return this.#byId.get(id);
    }
  }

  markRemoved(id: string): void {
    const last = this.#byId.get(id);
    if (!last) return;
    this.#byId.delete(id);
    this.emit("removed", { ...last, state: "removed", pid: 0 });
  }
}

export function toContainerInfo(i: Docker.ContainerInspectInfo): ContainerInfo {
  const host = i.HostConfig;
  const cpuFromQuota = host.CpuQuota && host.CpuPeriod ? host.CpuQuota / host.CpuPeriod : 0;
  return {
    id: i.Id,
    name: i.Name.replace(/^\//, ""),
    image: i.Config.Image,
    created: i.Created,
    state: i.State.Status,
    pid: i.State.Pid ?? 0,
    exitCode: i.State.Status === "exited" || i.State.Status === "dead" ? i.State.ExitCode : null,
    oomKilled: i.State.OOMKilled,
    startedAt: i.State.StartedAt,
    finishedAt: i.State.FinishedAt,
    logDriver: host.LogConfig?.Type ?? "",
    logPath: i.LogPath ?? "",
    labels: i.Config.Labels ?? {},
    memoryLimitBytes: host.Memory ?? 0,
    cpuLimitCores: host.NanoCpus ? host.NanoCpus / 1e9 : cpuFromQuota,
    restartPolicy: host.RestartPolicy?.Name ?? "",
    restartCount: i.RestartCount ?? 0,
    writableLayer: writableLayerOf(i),
    ...containerDetails(i),
  };
}

/**
 * overlay2's (and overlay's) UpperDir holds exactly the container's writes; the directory of its
 * hostname file is the container's own (logs, config), which cAdvisor counts too. Other drivers
 * (btrfs, zfs, devicemapper, vfs) keep layers elsewhere: no figure rather than a wrong one.
 */
function writableLayerOf(i: Docker.ContainerInspectInfo): WritableLayer | undefined {
  // dockerode's types list only devicemapper's keys of GraphDriver.Data.
  const upperDir = (i.GraphDriver?.Data as Record<string, unknown> | undefined)?.UpperDir;
  if (!/^overlay2?$/.test(i.GraphDriver?.Name ?? "") || typeof upperDir !== "string" || !upperDir)
    return undefined;
  const hostnamePath = i.HostnamePath ?? "";
  return { upperDir, extraDirs: hostnamePath ? [dirname(hostnamePath)] : [] };
}
