// `--aggregator first,second`: the first is stopped while lines are on their way, and the
// collector moves on to the second (lines keep arriving there); the first comes back, and the
// collector returns to it. Every line is stored exactly once across the two stores. The two
// aggregators start from copies of one data directory, so the collector's one token is valid in
// both (aggregators sharing a ClickHouse server share their tokens the same way).
import { cp, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { range, sendMarkedLines, storedMarkers } from "../helpers/marked-lines.ts";
import { spooledBatches } from "../helpers/spool.ts";
import {
  type FleetscopeProcess,
  fleetscope,
  freePort,
  ingestTokenFor,
  metricTotal,
  startAggregator,
  TEST_COLLECTOR_FLAGS,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 300;
/** Lines sent as the first aggregator stops: batches on their way to it then. */
const IN_FLIGHT = 6000;
/** The lines sent while the first is down, and after it is back. */
const DOWN = { from: N + IN_FLIGHT + 1, to: 2 * N + IN_FLIGHT };
const BACK = { from: 2 * N + IN_FLIGHT + 1, to: 3 * N + IN_FLIGHT };
const TOTAL = 3 * N + IN_FLIGHT;

/** A gauge's value on a collector's /metrics. */
async function gauge(metricsUrl: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("failover across --aggregator", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let first: FleetscopeProcess | undefined;
  let second: FleetscopeProcess | undefined;
  let collector: FleetscopeProcess | undefined;
  const ports = { first: 0, second: 0 };
  const url = (port: number) => `http://127.0.0.1:${port}`;

  beforeAll(async () => {
    dir = await tempDir("failover");
    ports.first = await freePort();
    ports.second = await freePort();
    first = await startAggregator(`${dir.path}/first`, ports.first);
    const token = await ingestTokenFor(url(ports.first));
    await writeFile(`${dir.path}/collector.token`, `${token}\n`, { mode: 0o600 });
    await first.stop();
    await cp(`${dir.path}/first`, `${dir.path}/second`, { recursive: true });
    first = await startAggregator(`${dir.path}/first`, ports.first);
    second = await startAggregator(`${dir.path}/second`, ports.second);
  });
  afterAll(async () => {
    await collector?.stop();
    await first?.stop();
    await second?.stop();
    await dir?.remove();
  });

  it("ships to the second while the first is down, back to the first after, each line once", async () => {
    const [firstUrl, secondUrl] = [url(ports.first), url(ports.second)];
    const syslogPort = await freePort();
    const metricsUrl = url(await freePort());
    const marker = `failover-${syslogPort}`;
    const spool = `${dir.path}/spool`;
    collector = fleetscope([
      "collector",
      "--aggregator",
      `${firstUrl},${secondUrl}`,
      "--failback-after",
      "1s",
      "--token-file",
      `${dir.path}/collector.token`,
      "--spool",
      spool,
      ...TEST_COLLECTOR_FLAGS,
      "--no-journal",
      "--syslog-listen",
      `127.0.0.1:${syslogPort}`,
      "--metrics-listen",
      new URL(metricsUrl).host,
    ]);
    await collector.ready("shipping to");

    await sendMarkedLines(syslogPort, marker, 1, N);
    await waitFor(
      "the first lines at the first aggregator",
      async () => (await storedMarkers(firstUrl, marker)).length >= N,
    );

    // The first stops while these are being stored (SIGTERM: it finishes what it took, and
    // refuses the rest, with a 5xx or no connection): each line is acked by one of the two.
    const sending = sendMarkedLines(syslogPort, marker, N + 1, N + IN_FLIGHT);
    await waitFor(
      "the first of them at the first aggregator",
      async () => (await storedMarkers(firstUrl, marker)).length > N,
      { intervalMs: 20 },
    );
    await first?.stop();
    first = undefined;
    await sending;
    await sendMarkedLines(syslogPort, marker, DOWN.from, DOWN.to);
    await waitFor("lines sent while the first is down at the second", async () => {
      const stored = new Set(await storedMarkers(secondUrl, marker));
      return range(DOWN.from, DOWN.to).every((i) => stored.has(i));
    });
    expect(await gauge(metricsUrl, "fleetscope_collector_aggregator_index")).toBe(1);
    expect(await metricTotal(metricsUrl, "fleetscope_collector_failovers_total", "reason=")).toBeGreaterThan(
      0,
    );

    first = await startAggregator(`${dir.path}/first`, ports.first);
    await waitFor(
      "the collector back on the first",
      async () => (await gauge(metricsUrl, "fleetscope_collector_aggregator_index")) === 0,
    );
    await sendMarkedLines(syslogPort, marker, BACK.from, BACK.to);
    await waitFor("every line stored and the spool drained", async () => {
      const stored = [
        ...(await storedMarkers(firstUrl, marker)),
        ...(await storedMarkers(secondUrl, marker)),
      ];
      return stored.length >= TOTAL && (await spooledBatches(spool)) === 0;
    });

    const atFirst = await storedMarkers(firstUrl, marker);
    const atSecond = await storedMarkers(secondUrl, marker);
    expect([...atFirst, ...atSecond].sort((a, b) => a - b)).toEqual(range(1, TOTAL));
    expect(atFirst).toEqual(expect.arrayContaining([...range(1, N), ...range(BACK.from, BACK.to)]));
    expect(atSecond).toEqual(expect.arrayContaining(range(DOWN.from, DOWN.to)));
    expect(collector.child.exitCode).toBeNull();
  });
});
