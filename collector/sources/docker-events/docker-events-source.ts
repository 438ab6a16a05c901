import { createInterface, type Interface } from "node:readline";
import type Docker from "dockerode";
import { DEATH_ACTIONS, type EventRecord } from "../../../protocol/records.ts";
import { nanosToRfc3339 } from "../../../protocol/time.ts";
import type { ContainerInfo } from "../../docker/container-info.ts";
import type { ContainerInventory, DockerInventory } from "../../docker/inventory.ts";
import type { Source, SourceContext } from "../source.ts";
import { Lifecycle } from "./lifecycle.ts";
import { DOCKER_EVENTS_INPUT } from "./metrics.ts";

/** The daemon's event JSON, as /events streams it. */
export interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes?: Record<string, string> };
  timeNano: number | string;
}

interface EventsCursor {
  /** timeNano of the last event emitted, as a decimal string (it exceeds 2^53). */
  timeNano: string;
}

/** Inventory-relevant actions: after these the container is inspected again. */
const REFRESH_ON = new Set([
  "create",
  "start",
  "restart",
  "die",
  "oom",
  "kill",
  "stop",
  "pause",
  "unpause",
  "rename",
  "update",
  "health_status",
]);

/** How far back a first start asks for events; the daemon keeps only its last 256 anyway. */
const FIRST_START_LOOKBACK_S = 300;

/**
 * Docker container events, resumed from a persisted `since` cursor so a collector restart loses
 * none the daemon still holds. Also keeps the inventory current: every event re-inspects the
 * container it names.
 */
export class DockerEventsSource implements Source {
  readonly name = "docker-events";
  readonly #docker: Docker;
  readonly #inventory: DockerInventory;
  #stream: NodeJS.ReadableStream | undefined;
  #lines: Interface | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #lastNano = 0n;
  readonly #lifecycle = new Lifecycle();
  /** The inventory's re-inspections, one after another in event order (a death's not waited for). */
  #refreshes: Promise<unknown> = Promise.resolve();

  readonly #firstStartLookbackS: number;

  constructor(docker: Docker, inventory: DockerInventory, opts: { firstStartLookbackS?: number } = {}) {
    this.#docker = docker;
    this.#inventory = inventory;
    this.#firstStartLookbackS = opts.firstStartLookbackS ?? FIRST_START_LOOKBACK_S;
  }

  async start(ctx: SourceContext): Promise<void> {
    const cursor = ctx.cursor as EventsCursor | undefined;
    // Without a cursor, from a little before this start, fixed now: a since taken from the clock
    // at each reconnection would pass over the events of an outage before any event was seen.
    const firstStart = BigInt(Math.floor(Date.now() / 1000) - this.#firstStartLookbackS) * 1_000_000_000n;
    this.#lastNano = cursor?.timeNano ? BigInt(cursor.timeNano) : firstStart - 1n;
    this.#running = this.#follow(ctx);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    // readline does not end on its input's destroy(): close it too, or the loop never returns.
    this.#lines?.close();
    (this.#stream as { destroy?: () => void } | undefined)?.destroy?.();
    await this.#running;
    await this.#refreshes;
  }

  async #follow(ctx: SourceContext): Promise<void> {
    let backoff = 250;
    while (!this.#stopped) {
      const since = `${this.#lastNano / 1_000_000_000n}.${(this.#lastNano % 1_000_000_000n).toString().padStart(9, "0")}`;
      try {
        this.#stream = await this.#docker.getEvents({ since, filters: { type: ["container"] } } as object);
        backoff = 250;
        // Events may have been missed while disconnected; the inventory catches up by listing.
        await this.#inventory.sync();
        this.#lines = createInterface({ input: this.#stream, crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of this.#lines) {
          if (line.trim()) await this.#handle(ctx, line);
        }
      } catch (err) {
        if (this.#stopped) break;
        ctx.log.warn({ err: String(err) }, "docker events stream failed; reconnecting");
      }
      if (this.#stopped) break;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 10_000);
    }
  }

  async #handle(ctx: SourceContext, line: string): Promise<void> {
    let ev: DockerEvent;
    try {
      ev = JSON.parse(line);
    } catch {
      ctx.skippedInput?.(DOCKER_EVENTS_INPUT.invalidJson, 1);
      ctx.log.warn({ line: line.slice(0, 200) }, "docker events: unparseable line skipped");
      return;
    }
    // JSON.parse rounds timeNano (≈1.8e18 > 2^53): take the digits from the text itself.
    const nano = BigInt(/"timeNano":\s*(\d+)/.exec(line)?.[1] ?? ev.timeNano);
    if (nano <= this.#lastNano) return; // replayed by `since`: already emitted
    this.#lastNano = nano;
    const record = toEventRecord(ev, nano, ctx.host, this.#inventory);
    const before = this.#inventory.get(record.containerId);
    if (record.action === "destroy") {
      await this.#refreshes;
      this.#inventory.markRemoved(record.containerId);
      this.#lifecycle.annotate(record, nano, undefined, before);
    } else if (before && DEATH_ACTIONS.has(record.action)) {
      // A known container's death goes out without waiting for its re-inspection: dockerd answers
      // that only once it has cleaned up after the container (55-75 ms, measured), and the events
      // behind it (an OOM kill's die after its oom) would wait as long. Its annotations need
      // nothing the inspection adds.
      void this.#refresh(record.containerId);
      this.#lifecycle.annotate(record, nano, before, before);
    } else if (REFRESH_ON.has(record.action)) {
      this.#lifecycle.annotate(record, nano, await this.#refresh(record.containerId), before);
    } else this.#lifecycle.annotate(record, nano, before, before);
    await ctx.emit([record], { timeNano: nano.toString() } satisfies EventsCursor);
  }

  /** Re-inspects a container after the re-inspections asked for before (inventory.refresh never rejects). */
  #refresh(id: string): Promise<ContainerInfo | undefined> {
    const info = this.#refreshes.then(() => this.#inventory.refresh(id));
    this.#refreshes = info;
    return info;
  }
}

/** `health_status: healthy` → action health_status, attribute health_status=healthy. */
export function toEventRecord(
  ev: DockerEvent,
  timeNano: bigint,
  host: string,
  inventory: Pick<ContainerInventory, "get">,
): EventRecord {
  const attrs = { ...(ev.Actor.Attributes ?? {}) };
  const colon = ev.Action.indexOf(":");
  const action = colon < 0 ? ev.Action : ev.Action.slice(0, colon);
  if (colon >= 0) attrs[action] = ev.Action.slice(colon + 1).trim();
  const known = inventory.get(ev.Actor.ID);
  const exit = attrs.exitCode;
  return {
    kind: "event",
    time: nanosToRfc3339(timeNano),
    host,
    type: ev.Type,
    action,
    containerId: ev.Actor.ID,
    containerName: attrs.name ?? known?.name ?? "",
    image: attrs.image ?? known?.image ?? "",
    exitCode: exit !== undefined && /^-?\d+$/.test(exit) ? Number(exit) : null,
    attributes: attrs,
  };
}
