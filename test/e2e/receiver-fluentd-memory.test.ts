// The fluentd receiver's memory is bounded across connections: 100 connections each holding an
// unfinished ~7.9 MiB forward message keep the collector's peak RSS far below their sum; the
// connections over --fluentd-max-buffer (64 MiB by default) are closed and counted, and a message
// sent whole afterwards is still stored.
import { readFile } from "node:fs/promises";
import { createConnection, type Socket } from "node:net";
import { join } from "node:path";
import { encode } from "@msgpack/msgpack";
import { afterAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import {
  type FleetscopeProcess,
  freePort,
  startCollector,
  tempDir,
  useAggregator,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const CONNECTIONS = 100;
const HELD = Math.floor(7.9 * 1024 * 1024);

/** A kB figure of /proc/<pid>/status (VmHWM: peak resident set). */
async function statusKb(pid: number, field: string): Promise<number> {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(await readFile(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(m[1]);
}

async function droppedBufferFull(metricsUrl: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", metricsUrl))).text();
  const line = text
    .split("\n")
    .find(
      (l) => l.startsWith("fleetscope_collector_input_dropped_total{") && l.includes('reason="buffer-full"'),
    );
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

describe("fluentd receiver memory", () => {
  const agg = useAggregator("fluentd-memory");
  let collector: FleetscopeProcess | undefined;
  let dir: { remove: () => Promise<void> } | undefined;
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await collector?.stop();
    await dir?.remove();
  });

  it("stays bounded with 100 unfinished 7.9 MiB messages, closing and counting the connections over the bound", async () => {
    const d = await tempDir("fluentd-memory");
    dir = d;
    const [port, metricsPort] = [await freePort(), await freePort()];
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    collector = await startCollector(agg.url, join(d.path, "spool"), [
      "--fluentd-listen",
      `127.0.0.1:${port}`,
      "--metrics-listen",
      `127.0.0.1:${metricsPort}`,
    ]);
    const pid = collector.child.pid as number;
    const before = await statusKb(pid, "VmRSS");

    // [tag, bin32 …]: the header promises just under the 8 MiB a message may have; 7.9 MiB come.
    const header = Buffer.from([0x92, 0xa1, 0x74, 0xc6, 0, 0, 0, 0]);
    header.writeUInt32BE(8 * 1024 * 1024 - 64, 4);
    const body = Buffer.alloc(HELD, 0x61);
    const outcomes: Promise<"sent" | "closed">[] = [];
    for (let i = 0; i < CONNECTIONS; i++) {
      const socket = createConnection(port, "127.0.0.1");
      sockets.push(socket);
      socket.on("error", () => undefined);
      outcomes.push(
        new Promise((resolve) => {
          socket.once("close", () => resolve("closed"));
          socket.write(header);
          socket.write(body, (err) => resolve(err ? "closed" : "sent"));
        }),
      );
    }
    const results = await Promise.all(outcomes);
    const closed = results.filter((r) => r === "closed").length;
    expect(closed).toBeGreaterThan(0);
    expect(closed).toBeLessThan(CONNECTIONS);
    await waitFor(
      "the closed connections counted",
      async () => (await droppedBufferFull(metricsUrl)) >= closed,
    );
    expect(collector.child.exitCode).toBeNull();

    // Their sum is 790 MiB; what the collector ever held stays near the 64 MiB bound.
    const peakMiB = (await statusKb(pid, "VmHWM")) / 1024;
    expect(peakMiB - before / 1024).toBeLessThan(300);

    const text = `after-fluentd-flood-${Date.now()}`;
    const whole = createConnection(port, "127.0.0.1");
    sockets.push(whole);
    whole.end(Buffer.from(encode(["app", Math.floor(Date.now() / 1000), { log: text }])));
    await waitFor("a whole message stored", async () => {
      const res = await apiFetch(agg.url, `/api/v1/logs?q=${text}&since=1h`);
      return ((await res.json()) as { count: number }).count === 1;
    });
  });
});
