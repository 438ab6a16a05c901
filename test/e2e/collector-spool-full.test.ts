// A full spool disk must not crash the collector nor lose what a TCP sender was told it sent:
// the spool lives on a real 16 MiB tmpfs, filled to the last byte while the aggregator is down;
// 200 syslog-TCP lines sent meanwhile are all stored once space returns and the aggregator is back.
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiFetch } from "../helpers/api.ts";
import { fillDisk } from "../helpers/disk.ts";
import {
  type FleetscopeProcess,
  freePort,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const run = promisify(execFile);
const LINES = 200;

/** The sum of a counter's series on a /metrics page. */
async function counter(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", metricsUrl))).text();
  let total = 0;
  for (const line of text.split("\n"))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(" ") + 1));
  return total;
}

describe("collector spool on a full disk", () => {
  const procs: FleetscopeProcess[] = [];
  let dir: { path: string; remove: () => Promise<void> };
  let spool = "";
  beforeAll(async () => {
    dir = await tempDir("spool-full");
    spool = join(dir.path, "spool");
    await run("mkdir", ["-p", spool]);
    await run("mount", ["-t", "tmpfs", "-o", "size=16m", "tmpfs", spool]);
  });
  afterAll(async () => {
    for (const p of procs.reverse()) await p.stop("SIGKILL");
    await run("umount", [spool]).catch(() => undefined);
    await dir?.remove();
  });

  it("stays up, counts the failed writes, and stores every accepted line once space returns", async () => {
    const [aggPort, syslogPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
    const aggUrl = `http://127.0.0.1:${aggPort}`;
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    const aggDir = join(dir.path, "agg");
    // Started once so the collector gets an ingest token, then down while the disk fills.
    const firstAgg = await startAggregator(aggDir, aggPort);
    const collector = await startCollector(
      aggUrl,
      spool,
      ["--syslog-listen", `127.0.0.1:${syslogPort}`, "--metrics-listen", `127.0.0.1:${metricsPort}`],
      { FLEETSCOPE_SPOOL_MIN_FREE: "0" },
    );
    procs.push(collector);
    // The default --spool-max-size (1 GiB) cannot fit on 16 MiB: clamped, and said so.
    expect(collector.stdout + collector.stderr).toContain("--spool-max-size");
    await firstAgg.stop();
    const filler = join(spool, "filler");
    await fillDisk(filler);

    const marker = `spoolfull-${Date.now()}`;
    const socket = createConnection(syslogPort, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    for (let i = 0; i < LINES; i++) socket.write(`<14>1 - h app - - - ${marker} line ${i}\n`);
    await new Promise<void>((resolve) => socket.end(resolve));

    await waitFor("failed spool writes counted", async () => {
      if (collector.child.exitCode !== null) throw new Error(`collector exited:\n${collector.stderr}`);
      return (await counter(metricsUrl, "fleetscope_collector_spool_write_failures_total")) > 0;
    });
    expect(collector.child.exitCode).toBeNull();

    await rm(filler);
    procs.push(await startAggregator(aggDir, aggPort));
    const stored = await waitFor(
      `${LINES} lines stored`,
      async () => {
        if (collector.child.exitCode !== null) throw new Error(`collector exited:\n${collector.stderr}`);
        const res = await apiFetch(aggUrl, `/api/v1/logs?q=${marker}&since=1h&limit=1000`);
        const body = (await res.json()) as { count: number; logs: { body: string }[] };
        return body.count >= LINES ? body.logs : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(new Set(stored.map((l) => l.body)).size).toBe(LINES);
    expect(stored).toHaveLength(LINES);
  });
});
