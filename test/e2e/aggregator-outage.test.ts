// Spine test 3: the aggregator is killed while a container logs, stays down while the rest is
// printed, and comes back on the same store. The collector spools meanwhile and catches up:
// nothing lost, nothing stored twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { startSlowPrinter, storedNumbersOnceDrained, tally } from "../helpers/numbered-lines.ts";
import { spooledBatches } from "../helpers/spool.ts";
import {
  type FleetscopeProcess,
  freePort,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 8000;

describe("aggregator outage", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let aggregator: FleetscopeProcess | undefined;
  let collector: FleetscopeProcess;
  let port: number;
  let url: string;
  const name = uniqueName("outage");
  const marker = `marker-${name}`;

  beforeAll(async () => {
    dir = await tempDir("outage");
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await removeContainers(name);
    await collector?.stop();
    await aggregator?.stop();
    await dir?.remove();
  });

  it("spools while the aggregator is down and delivers everything once when it is back", async () => {
    const store = `${dir.path}/agg`;
    const spool = `${dir.path}/spool`;
    aggregator = await startAggregator(store, port);
    collector = await startCollector(url, spool);
    await startSlowPrinter(url, name, marker, N); // ~6 s of output: the failure lands mid-stream

    await aggregator.stop("SIGKILL");
    aggregator = undefined;
    await docker("wait", name);
    // The collector kept collecting: what it read while the aggregator was away is on disk.
    await waitFor("batches waiting in the spool", async () => (await spooledBatches(spool)) > 0);
    expect(collector.child.exitCode).toBeNull();

    aggregator = await startAggregator(store, port);
    const numbers = await storedNumbersOnceDrained(url, name, marker, N, spool);
    expect(tally(numbers, N)).toEqual({ distinct: N, duplicates: 0, missing: 0 });
    expect(numbers).toEqual(Array.from({ length: N }, (_, i) => i + 1));
  });
});
