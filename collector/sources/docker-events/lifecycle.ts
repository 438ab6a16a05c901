import type { EventRecord } from "../../../protocol/records.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";

/**
 * What Docker's events leave out, added from inspect: who started a container, and how long a
 * run lasted.
 *
 * Docker has no "restarted by the daemon" event: an automatic restart is a plain `start`. But
 * inspect's RestartCount counts the daemon's restarts, and a start by a person (`docker start`,
 * `docker restart`, `docker run`) resets it to 0 (measured on Docker 20.10; see
 * test/fixtures/incidents/SOURCE.md). Inspect runs a moment after the event, when a fast crash
 * loop may already have restarted again, so a start is the daemon's when RestartCount is above
 * the daemon starts counted so far, and a person's when it is not (the reset happened). The first
 * start after `create` is always a person's: the daemon restarts only what has run.
 */
const TRACKED = new Set(["create", "start", "die", "destroy"]);

export class Lifecycle {
  /** Per container id: the last start (ns), the daemon starts counted, the last action seen. */
  readonly #byId = new Map<string, { startedAt?: bigint; daemonStarts: number; last: string }>();

  /** `before`: the inventory's view before this event's inspect (its RestartCount seeds the count). */
  annotate(
    record: EventRecord,
    timeNano: bigint,
    info: ContainerInfo | undefined,
    before: ContainerInfo | undefined,
  ): void {
    const id = record.containerId;
    if (!TRACKED.has(record.action)) return; // attach, exec_*, health_status … do not matter here
    const state = this.#byId.get(id) ?? { daemonStarts: before?.restartCount ?? 0, last: "" };
    this.#byId.set(id, state);
    const a = record.attributes;
    if (record.action === "start") {
      state.startedAt = timeNano;
      if (info) {
        const byDaemon = state.last !== "create" && info.restartCount > state.daemonStarts;
        state.daemonStarts = byDaemon ? state.daemonStarts + 1 : 0;
        a.restartCount = String(info.restartCount);
        a.startedBy = byDaemon ? "daemon" : "user";
      }
    } else if (record.action === "die") {
      const started = state.startedAt ?? startedFromInspect(info, timeNano);
      if (started !== undefined) a.ranForMs = String((timeNano - started) / 1_000_000n);
      if (info) a.restartPolicy = info.restartPolicy;
      state.startedAt = undefined;
    } else if (record.action === "destroy") {
      this.#byId.delete(id);
      return;
    }
    state.last = record.action;
  }
}

/** A die seen without its start (the collector started later): inspect's StartedAt, if it is this run's. */
function startedFromInspect(info: ContainerInfo | undefined, dieNano: bigint): bigint | undefined {
  const ms = info ? Date.parse(info.startedAt) : Number.NaN;
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  const nano = BigInt(ms) * 1_000_000n;
  return nano <= dieNano ? nano : undefined;
}
