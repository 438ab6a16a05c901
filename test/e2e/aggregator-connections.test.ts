// Connections an aggregator must survive: many idle sockets beyond its cap, a body that trickles,
// and a second listener that serves only ingest and /healthz.
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch, rememberToken, tokenFor } from "../helpers/api.ts";
import { postBatch } from "../helpers/ingest.ts";
import { logRecord } from "../helpers/log-record.ts";
import { startAggregatorWith } from "../helpers/network.ts";
import { type FleetscopeProcess, freePort, metricTotal, tempDir } from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const CAP = 50;

/** Resolves when the socket closes, with everything the server wrote to it. */
function closed(socket: Socket): Promise<string> {
  let got = "";
  socket.on("data", (d) => (got += d));
  return new Promise((resolve) => socket.once("close", () => resolve(got)));
}

describe("aggregator connections", () => {
  let dir: { path: string; remove: () => Promise<void> };
  let proc: FleetscopeProcess | undefined;
  let url = "";
  let ingestUrl = "";
  let port = 0;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    dir = await tempDir("connections");
    port = await freePort();
    const ingestPort = await freePort();
    const agg = await startAggregatorWith(join(dir.path, "agg"), port, [
      "--max-connections",
      String(CAP),
      "--request-timeout",
      "2s",
      "--ingest-listen",
      `127.0.0.1:${ingestPort}`,
    ]);
    proc = agg.proc;
    url = agg.url;
    ingestUrl = `http://127.0.0.1:${ingestPort}`;
    rememberToken(ingestUrl, tokenFor(url) as string);
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await proc?.stop();
    await dir?.remove();
  });

  it("closes connections beyond --max-connections at once and silent ones soon, and /healthz answers", async () => {
    const closings: Promise<string>[] = [];
    for (let i = 0; i < CAP * 4; i++) {
      const s = connect(port, "127.0.0.1");
      s.on("error", () => {});
      sockets.push(s);
      closings.push(closed(s));
    }
    // Every idle socket is closed: those over the cap on arrival, the rest when they stay silent.
    await Promise.all(closings);
    expect((await apiFetch(url, "/healthz")).status).toBe(200);
    expect(
      await metricTotal(url, "fleetscope_aggregator_connections_dropped_total", 'reason="cap"'),
    ).toBeGreaterThan(0);
    expect(
      await metricTotal(url, "fleetscope_aggregator_connections_dropped_total", 'reason="silent"'),
    ).toBeGreaterThan(0);
    expect(proc?.child.exitCode).toBeNull();
  });

  it("cuts a request whose body trickles in past --request-timeout with a 408", async () => {
    const s = connect(port, "127.0.0.1");
    sockets.push(s);
    const answer = closed(s);
    s.write(
      `POST /api/v1/ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokenFor(url)}\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000000\r\n\r\n`,
    );
    const trickle = setInterval(() => s.writable && s.write("x"), 100);
    try {
      expect(await answer).toContain("408");
    } finally {
      clearInterval(trickle);
    }
  });

  it("serves ingest and /healthz on --ingest-listen, and nothing else there", async () => {
    await postBatch(ingestUrl, [
      logRecord({ time: new Date().toISOString(), host: "via-ingest", body: "hello" }),
    ]);
    expect((await apiFetch(ingestUrl, "/healthz")).status).toBe(200);
    const logs = await apiFetch(ingestUrl, "/api/v1/logs?since=1h");
    expect(logs.status).toBe(404);
    expect(((await logs.json()) as { error: string }).error).toContain("--listen");
    expect((await apiFetch(ingestUrl, "/api/v1/%6cogs?since=1h")).status).toBe(404);
    await waitFor("the line sent to the ingest listener, read on the API listener", async () => {
      const res = await apiFetch(url, "/api/v1/logs?since=1h&host=via-ingest");
      return ((await res.json()) as { count: number }).count === 1;
    });
  });
});
