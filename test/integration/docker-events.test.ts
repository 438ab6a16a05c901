// The docker-events source against the real engine, through a socket proxy that can cut its
// connections and refuse new ones: a daemon restart or a socket that goes away, as the
// collector sees them.
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DockerInventory } from "../../collector/docker/inventory.ts";
import { DockerEventsSource } from "../../collector/sources/docker-events/docker-events-source.ts";
import type { SourceContext } from "../../collector/sources/source.ts";
import type { EventRecord, FleetRecord } from "../../protocol/records.ts";
import { BUSYBOX, docker, uniqueName } from "../helpers/docker.ts";
import { waitFor } from "../helpers/wait.ts";

const log = pino({ level: process.env.FLEETSCOPE_TEST_LOG ?? "silent" });
const DOCKER_SOCKET = "/var/run/docker.sock";

/** A unix-socket proxy to dockerd that can drop every connection and refuse new ones. */
class DockerSocketProxy {
  readonly path: string;
  readonly #dir = mkdtempSync(join(tmpdir(), "fs-docker-proxy-"));
  readonly #server: Server;
  readonly #open = new Set<Socket>();
  refusing = false;
  /** Requests for /events seen (the source's (re)connections). */
  eventsRequests = 0;

  constructor() {
    this.path = join(this.#dir, "docker.sock");
    this.#server = createServer((client) => {
      if (this.refusing) return void client.destroy();
      const upstream = connect(DOCKER_SOCKET);
      for (const s of [client, upstream]) {
        this.#open.add(s);
        s.on("close", () => this.#open.delete(s));
        s.on("error", () => {});
      }
      client.once("data", (chunk: Buffer) => {
        if (/^GET \/[^ ]*events/.test(chunk.toString("latin1"))) this.eventsRequests++;
      });
      client.pipe(upstream).pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.#server.listen(this.path, resolve));
  }

  /** Drops every open connection, the events stream among them. */
  cut(): void {
    for (const s of this.#open) s.destroy();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.#server.close(resolve));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

class CollectingContext implements SourceContext {
  readonly host = "events-test";
  readonly log = log;
  readonly cursor = undefined;
  readonly events: EventRecord[] = [];
  readonly inventory: DockerInventory;
  constructor(inventory: DockerInventory) {
    this.inventory = inventory;
  }
  async spooled(): Promise<void> {}
  async emit(records: FleetRecord[]): Promise<void> {
    for (const r of records) if (r.kind === "event") this.events.push(r);
  }
}

describe("DockerEventsSource", () => {
  const proxy = new DockerSocketProxy();
  afterAll(() => proxy.close());

  it("started without a cursor, keeps the events of an outage longer than its first look back", async () => {
    await proxy.listen();
    const client = new Docker({ socketPath: proxy.path });
    const inventory = new DockerInventory(client, log);
    const ctx = new CollectingContext(inventory);
    // A first start looks back 0 s: any outage is longer than that.
    const source = new DockerEventsSource(client, inventory, { firstStartLookbackS: 0 });
    await source.start(ctx);
    try {
      await waitFor("the events stream", () => proxy.eventsRequests >= 1 || undefined);
      proxy.refusing = true;
      proxy.cut();
      const name = uniqueName("events-outage");
      await docker("run", "--rm", "--name", name, BUSYBOX, "true");
      // `since` counts whole seconds: reconnect in a later second than the container's events.
      const eventSecond = Math.floor(Date.now() / 1000);
      await waitFor("a later second", () => Math.floor(Date.now() / 1000) > eventSecond + 1 || undefined);
      const before = proxy.eventsRequests;
      proxy.refusing = false;
      await waitFor("the reconnection", () => proxy.eventsRequests > before || undefined);
      const got = await waitFor(
        "the container's events from the outage",
        () => {
          const mine = ctx.events.filter((e) => e.containerName === name).map((e) => e.action);
          return mine.includes("destroy") ? mine : undefined;
        },
        { timeoutMs: 20_000 },
      );
      const lifecycle = new Set(["create", "start", "die", "destroy"]);
      expect(got.filter((a) => lifecycle.has(a))).toEqual(["create", "start", "die", "destroy"]);
      expect(ctx.events.every((e) => e.host === "events-test")).toBe(true);
    } finally {
      await source.stop();
    }
  });
});
