import type { EventRecord } from "../../protocol/records.ts";
import type { ContainerInfo } from "./container-info.ts";

/**
 * What Docker's events leave out, added from inspect: who started a container, and how long a
 * run lasted.
 *
 * Docker has no "restarted by the daemon" event: an automatic restart is a plain `start`. But
 * inspect's RestartCount counts the daemon's restarts and a start by a person (`docker start`,
 * `docker restart`, `docker run`) resets it to 0 (measured on Docker 20.10; fixtures in
 * test/fixtures/incidents). So a start whose inspect shows RestartCount > 0 was the daemon's.
 */
export class Lifecycle {
  /** Time of the last start per container id, in nanoseconds, to measure how long a run lasted. */
  readonly #startedAt = new Map<string, bigint>();

  annotate(record: EventRecord, timeNano: bigint, info: ContainerInfo | undefined): void {
    const a = record.attributes;
    if (record.action === "start") {
      this.#startedAt.set(record.containerId, timeNano);
      if (info) {
        a.restartCount = String(info.restartCount);
        a.startedBy = info.restartCount > 0 ? "daemon" : "user";
      }
    } else if (record.action === "die") {
      const started = this.#startedAt.get(record.containerId) ?? startedFromInspect(info, timeNano);
      if (started !== undefined) a.ranForMs = String((timeNano - started) / 1_000_000n);
      if (info) a.restartPolicy = info.restartPolicy;
      this.#startedAt.delete(record.containerId);
    } else if (record.action === "destroy") this.#startedAt.delete(record.containerId);
  }
}

/** A die seen without its start (the collector started later): inspect's StartedAt, if it is this run's. */
function startedFromInspect(info: ContainerInfo | undefined, dieNano: bigint): bigint | undefined {
  const ms = info ? Date.parse(info.startedAt) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const nano = BigInt(ms) * 1_000_000n;
  return nano <= dieNano ? nano : undefined;
}
