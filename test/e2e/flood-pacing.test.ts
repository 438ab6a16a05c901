// Containers flooding their logs faster than the aggregator stores rows (real Docker json-files, a
// real collector and aggregator): the collector reads them at the aggregator's pace, so the
// floods' backlog waits in their own files instead of in the spool ahead of every other
// container's lines (collector/read-pacer.ts), and still every line is stored once.
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

/** Floods at once: one poll of all of them read 3 MiB, 9 batches, into the spool before it was paced. */
const FLOODS = 3;
const N = 70_000;
/**
 * Batches a paced spool may hold: the read-ahead, the shipper's two in flight, what one read of a
 * flood takes (1 MiB: 3 batches of these lines), and the small batches of the other sources that
 * wait meanwhile. Unpaced, one flood alone put 25 batches there at 150k lines.
 */
const PACED_MAX = DEFAULT_READ_AHEAD_BATCHES + 8;

describe("floods the aggregator cannot keep up with", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const procs: FleetscopeProcess[] = [];
  const name = uniqueName("flood");

  beforeAll(async () => {
    dir = await tempDir("flood-pacing");
  });
  const floods = Array.from({ length: FLOODS }, (_, i) => `${name}-${i}`);
  afterAll(async () => {
    await removeContainers(name, ...floods);
    for (const p of procs) await p.stop().catch(() => undefined);
    await dir?.remove();
  });

  it("wait in their own files, not in the spool, and every line is stored once", async () => {
    const port = await freePort();
    const [store, spool, url] = [`${dir.path}/store`, `${dir.path}/spool`, `http://127.0.0.1:${port}`];
    const agg = await startAggregator(store, port);
    const col = await startCollector(url, spool, ["--metrics-listen", "off", "--no-journal"]);
    procs.push(col, agg);
    // The floods start once the collector ships: what piles up in the spool while the aggregator
    // is not taking batches yet (a slow start under load) is not paced by design, nor a flood's.
    await docker("run", "--name", name, BUSYBOX, "echo", `ready-${name}`);
    await waitFor("the collector ships", async () => (await storedLineCount(url, name).catch(() => 0)) === 1);
    // awk prints as fast as Docker takes it: several times what one aggregator stores on this machine.
    const awk = (flood: string) => `BEGIN{for(i=1;i<=${N};i++) print "m-${flood}", i}`;
    for (const flood of floods) await docker("run", "-d", "--name", flood, BUSYBOX, "awk", awk(flood));
    let most = 0;
    /** The batches in the spool now; the most seen is kept. */
    const sample = async () => {
      const now = await spooledBatches(spool);
      most = Math.max(most, now);
      return now;
    };
    const stored = async () => {
      let n = 0;
      for (const flood of floods) n += await storedLineCount(url, flood).catch(() => 0);
      return n;
    };
    await waitFor("the floods printed", async () => {
      await sample();
      const running = await docker("inspect", "-f", "{{.State.Running}}", ...floods);
      return !running.includes("true");
    });
    // The floods outran the aggregator: most of them was still to be stored when they ended (a
    // container may not even be known to the store yet: a 404 then).
    expect(await stored()).toBeLessThan((FLOODS * N) / 2);
    await waitFor(
      "every line stored, spool drained",
      async () => (await sample()) === 0 && (await stored()) >= FLOODS * N,
      { timeoutMs: 240_000, intervalMs: 100 },
    );
    // Unpaced, the collector read the whole file into the spool within seconds (tens of batches).
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(PACED_MAX);
    await col.stop();
    await agg.stop();
    for (const flood of floods)
      expect(await tallyStoredLines(store, flood, `m-${flood}`)).toEqual({ rows: N, distinct: N });
  }, 300_000);
});
