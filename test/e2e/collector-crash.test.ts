// Spine test 2: the collector is SIGKILLed while a container is logging and started again on
// the same spool. Every line, and every event, must be stored exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventRow } from "../../protocol/api/events.ts";
import { docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import {
  containerLines,
  startSlowPrinter,
  storedNumbersOnceDrained,
  tally,
} from "../helpers/numbered-lines.ts";
import {
  type FleetscopeProcess,
  freePort,
  getJson,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";

const N = 8000;

describe("collector SIGKILL mid-stream", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let aggregator: FleetscopeProcess;
  let collector: FleetscopeProcess | undefined;
  let url: string;
  const name = uniqueName("crash");
  const marker = `marker-${name}`;

  beforeAll(async () => {
    dir = await tempDir("crash");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    aggregator = await startAggregator(`${dir.path}/agg`, port);
  });
  afterAll(async () => {
    await removeContainers(name);
    await collector?.stop();
    await aggregator?.stop();
    await dir?.remove();
  });

  it("stores every line exactly once across the kill and restart", async () => {
    const spool = `${dir.path}/spool`;
    collector = await startCollector(url, spool);
    await startSlowPrinter(url, name, marker, N); // ~6 s of output: the failure lands mid-stream

    const killed = await collector.stop("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");
    const storedAtKill = (await containerLines(url, name)).length;
    expect(storedAtKill).toBeLessThan(N); // the kill really was mid-stream
    await docker("wait", name); // the rest is printed while no collector runs

    collector = await startCollector(url, spool);
    const numbers = await storedNumbersOnceDrained(url, name, marker, N, spool);
    expect(tally(numbers, N)).toEqual({ distinct: N, duplicates: 0, missing: 0 });
    expect(numbers).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });

  it("recovers the events that happened while it was down, each once", async () => {
    // The container started before the kill and died after it: the restarted collector asks
    // the daemon for events since its cursor, and skips what it had already emitted.
    const { events } = await getJson<{ events: EventRow[] }>(
      url,
      `/api/v1/events?container=${name}&since=1h`,
    );
    const count = (action: string) => events.filter((e) => e.action === action).length;
    expect([count("create"), count("start"), count("die")]).toEqual([1, 1, 1]);
    expect(events.find((e) => e.action === "die")?.exitCode).toBe(0);
  });
});
