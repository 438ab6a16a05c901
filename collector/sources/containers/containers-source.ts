import type { ContainerRecord } from "../../../protocol/records.ts";
import { nowRfc3339 } from "../../../protocol/time.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";
import type { Source, SourceContext } from "../source.ts";

/**
 * The container inventory as records: a snapshot whenever a container changes or is removed,
 * and of every known container each `refreshMs`, so the store's last-seen stays current and a
 * lost snapshot heals itself.
 */
export class ContainersSource implements Source {
  readonly name = "containers";
  readonly #refreshMs: number;
  #timer: NodeJS.Timeout | undefined;
  #detach: (() => void) | undefined;

  constructor({ refreshMs }: { refreshMs: number }) {
    this.#refreshMs = refreshMs;
  }

  async start(ctx: SourceContext): Promise<void> {
    const { inventory } = ctx;
    const emitOne = (info: ContainerInfo) => void ctx.emit([toContainerRecord(info, ctx.host)]);
    inventory.on("change", emitOne);
    inventory.on("removed", emitOne);
    this.#detach = () => {
      inventory.off("change", emitOne);
      inventory.off("removed", emitOne);
    };
    const emitAll = () => ctx.emit(inventory.list().map((i) => toContainerRecord(i, ctx.host)));
    await emitAll();
    this.#timer = setInterval(() => void emitAll(), this.#refreshMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#detach?.();
  }
}

export function toContainerRecord(info: ContainerInfo, host: string): ContainerRecord {
  return {
    kind: "container",
    time: nowRfc3339(),
    host,
    containerId: info.id,
    containerName: info.name,
    image: info.image,
    created: info.created,
    state: info.state,
    exitCode: info.exitCode,
    oomKilled: info.oomKilled,
    logDriver: info.logDriver,
    labels: info.labels,
    memoryLimitBytes: info.memoryLimitBytes,
    cpuLimitCores: info.cpuLimitCores,
    restartPolicy: info.restartPolicy,
    restartCount: info.restartCount,
    command: info.command,
    env: info.env,
    ports: info.ports,
    mounts: info.mounts,
    health: info.health,
  };
}
