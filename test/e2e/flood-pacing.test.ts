// A container flooding its log faster than the aggregator stores rows (a real Docker json-file, a
// real collector and aggregator): the collector reads it at the aggregator's pace, so the flood's
// backlog waits in its own file instead of in the spool ahead of every other container's lines
// (collector/read-pacer.ts), and still every line is stored once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_READ_AHEAD_BATCHES } from "../../collector/read-pacer.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { storedLineCount } from "../helpers/numbered-lines.ts";
import { tallyStoredLines } from "../helpers/offline-store.ts";
import { spooledBatches } from "../helpers/spool.ts";
import {
  type FleetscopeProcess,
  freePort,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 200_000;
/**
 * Batches a paced spool may hold: the read-ahead, the shipper's two in flight, one being written,
 * and what one poll reads of the other containers on this machine (a fresh spool reads every
 * json-file from its start). Unpaced, the flood alone put 25 batches there at 150k lines.
 */
const PACED_MAX = DEFAULT_READ_AHEAD_BATCHES + 8;

describe("a flood the aggregator cannot keep up with", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const procs: FleetscopeProcess[] = [];
  const name = uniqueName("flood");

  beforeAll(async () => {
    dir = await tempDir("flood-pacing");
  });
  afterAll(async () => {
    await removeContainers(name);
    for (const p of procs) await p.stop().catch(() => undefined);
    await dir?.remove();
  });

  it("waits in its own file, not in the spool, and every line is stored once", async () => {
    const port = await freePort();
    const [store, spool, url] = [`${dir.path}/store`, `${dir.path}/spool`, `http://127.0.0.1:${port}`];
    const agg = await startAggregator(store, port);
    const col = await startCollector(url, spool, ["--metrics-listen", "off", "--no-journal"]);
    procs.push(col, agg);
    // awk prints as fast as Docker takes it: several times what one aggregator stores on this machine.
    const awk = `BEGIN{for(i=1;i<=${N};i++) print "m-${name}", i}`;
    await docker("run", "-d", "--name", name, BUSYBOX, "awk", awk);
    let most = 0;
    /** The batches in the spool now; the most seen is kept. */
    const sample = async () => {
      const now = await spooledBatches(spool);
      most = Math.max(most, now);
      return now;
    };
    await waitFor("the flood printed", async () => {
      await sample();
      return (await docker("inspect", "-f", "{{.State.Running}}", name)) === "false";
    });
    // The flood outran the aggregator: most of it was still to be stored when it ended (the
    // container may not even be known to the store yet: a 404 then).
    expect(await storedLineCount(url, name).catch(() => 0)).toBeLessThan(N / 2);
    await waitFor(
      "every line stored, spool drained",
      async () => (await sample()) === 0 && (await storedLineCount(url, name).catch(() => 0)) >= N,
      { timeoutMs: 240_000, intervalMs: 100 },
    );
    // Unpaced, the collector read the whole file into the spool within seconds (tens of batches).
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(PACED_MAX);
    await col.stop();
    await agg.stop();
    expect(await tallyStoredLines(store, name, `m-${name}`)).toEqual({ rows: N, distinct: N });
  }, 300_000);
});
