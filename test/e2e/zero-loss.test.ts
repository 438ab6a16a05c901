// Loss tests at 100k lines: a collector SIGKILLed mid-stream and restarted, an
// aggregator SIGKILLed and kept down for 60 s, and a full spool with drop-oldest, where the
// lines missing must be exactly the ones the drop counter owns up to. Counts come from the store
// itself (test/helpers/offline-store.ts), not from paging the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_READ_AHEAD_BATCHES } from "../../collector/read-pacer.ts";
import { apiFetch } from "../helpers/api.ts";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { printLinesScript, storedLineCount } from "../helpers/numbered-lines.ts";
import { tallyStoredLines } from "../helpers/offline-store.ts";
import { spooledBatches } from "../helpers/spool.ts";
import {
  type FleetscopeProcess,
  freePort,
  ingestTokenFor,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 100_000;
/** ~10 s of output at this machine's pace (1000 pauses of 10 ms), so failures land mid-stream. */
const printer = (marker: string) => printLinesScript(marker, N, { sleepEvery: 100, sleepUs: 10_000 });

async function metric(url: string, line: RegExp): Promise<number> {
  const text = await (await apiFetch(url, "/metrics")).text();
  return Number(line.exec(text)?.[1] ?? 0);
}

describe("zero loss at 100k lines", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const procs: FleetscopeProcess[] = [];
  const names = {
    crash: uniqueName("loss-crash"),
    outage: uniqueName("loss-outage"),
    full: uniqueName("loss-full"),
    rotate: uniqueName("loss-rotate"),
  };

  beforeAll(async () => {
    dir = await tempDir("zero-loss");
  });
  afterAll(async () => {
    await removeContainers(...Object.values(names));
    for (const p of procs) await p.stop().catch(() => undefined);
    await dir?.remove();
  });

  /** Waits for all N lines and an empty spool, stops both, and counts the store: N rows, N distinct. */
  async function expectEveryLineOnce(
    at: { url: string; spool: string; store: string; name: string },
    ...stack: FleetscopeProcess[]
  ) {
    await waitFor(
      "every line stored, spool drained",
      async () => (await storedLineCount(at.url, at.name)) >= N && (await spooledBatches(at.spool)) === 0,
      { timeoutMs: 120_000 },
    );
    for (const p of stack) await p.stop();
    expect(await tallyStoredLines(at.store, at.name, `m-${at.name}`)).toEqual({ rows: N, distinct: N });
  }

  /** An aggregator on its own store; stop it before tallying that store. */
  async function aggregator(store: string, port: number) {
    const p = await startAggregator(store, port);
    procs.push(p);
    return p;
  }
  async function collector(url: string, spool: string, extra: string[] = []) {
    const p = await startCollector(url, spool, ["--metrics-listen", "off", ...extra]);
    procs.push(p);
    return p;
  }

  it("(a) a collector SIGKILLed four times mid-stream and restarted stores every line once", async () => {
    // Each kill lands wherever the collector happens to be: reading, writing a spool file,
    // shipping, waiting for an ack. The spool and the cursors must come back whole every time.
    const [name, port] = [names.crash, await freePort()];
    const [store, spool, url] = [`${dir.path}/a-store`, `${dir.path}/a-spool`, `http://127.0.0.1:${port}`];
    const agg = await aggregator(store, port);
    let col = await collector(url, spool);
    // Slower than `printer` (~40 s): a collector that catches up on its backlog in a blink after
    // each restart must still find the container printing at the fourth kill.
    const slow = printLinesScript(`m-${name}`, N, { sleepEvery: 100, sleepUs: 40_000 });
    await docker("run", "-d", "--name", name, BUSYBOX, "sh", "-c", slow);
    for (const fifth of [1, 2, 3, 4]) {
      await waitFor(
        `${fifth}/5 of the lines stored`,
        async () => (await storedLineCount(url, name)) >= (fifth * N) / 5,
      );
      await col.stop("SIGKILL");
      // The last kill really was mid-stream: lines were left for the restarted collector (asked
      // before it starts, which may catch up on the rest before a later count).
      if (fifth === 4) expect(await storedLineCount(url, name)).toBeLessThan(N);
      col = await collector(url, spool);
    }
    await docker("wait", name);
    await expectEveryLineOnce({ url, spool, store, name }, col, agg);
  });

  it("(b) an aggregator SIGKILLed and down for 60 s loses nothing and stores nothing twice", async () => {
    const [name, port] = [names.outage, await freePort()];
    const [store, spool, url] = [`${dir.path}/b-store`, `${dir.path}/b-spool`, `http://127.0.0.1:${port}`];
    let agg = await aggregator(store, port);
    const col = await collector(url, spool);
    await docker("run", "-d", "--name", name, BUSYBOX, "sh", "-c", printer(`m-${name}`));
    await waitFor("a fifth of the lines stored", async () => (await storedLineCount(url, name)) >= N / 5);
    await agg.stop("SIGKILL");
    const downSince = Date.now();
    await docker("wait", name);
    // The spool takes what the collector reads while nothing is shipped: the read pacer, which keeps
    // a flood in its file while the aggregator is slow, holds nothing back while it is down.
    await waitFor(
      "the rest of the lines in the spool",
      async () => (await spooledBatches(spool)) > DEFAULT_READ_AHEAD_BATCHES + 2,
    );
    // The outage itself: 60 s with nothing to ship to. The collector must stay up and keep all of it.
    await waitFor("60 s of outage", () => Date.now() - downSince >= 60_000, {
      timeoutMs: 70_000,
      intervalMs: 1000,
    });
    expect(col.child.exitCode).toBeNull();
    agg = await aggregator(store, port);
    await expectEveryLineOnce({ url, spool, store, name }, col, agg);
  });

  it("(c) a full spool with drop-oldest loses exactly what its drop counter says", async () => {
    const [name, port, metricsPort] = [names.full, await freePort(), await freePort()];
    const [store, spool, url] = [`${dir.path}/c-store`, `${dir.path}/c-spool`, `http://127.0.0.1:${port}`];
    const metricsUrl = `http://127.0.0.1:${metricsPort}`;
    // The aggregator once, for the collector's ingest token (made through its admin API).
    const first = await startAggregator(store, port);
    await ingestTokenFor(url);
    await first.stop();
    // No aggregator now: everything the collector reads goes to a 256 KiB spool. A fresh spool
    // reads every container's json-file from the start (the other tests' too): the accounting
    // below is over the whole docker-json source, which is what the counters count.
    const col = await collector(url, spool, [
      "--spool-max-size",
      "256KiB",
      "--spool-full",
      "drop-oldest",
      "--metrics-listen",
      `127.0.0.1:${metricsPort}`,
    ]);
    await docker("run", "--name", name, BUSYBOX, "sh", "-c", printLinesScript(`m-${name}`, N));
    const readRe = /fleetscope_collector_records_read_total\{source="docker-json"\} (\d+)/;
    const droppedRe = /fleetscope_collector_records_dropped_total\{source="docker-json"\} (\d+)/;
    await waitFor("the collector read every line", async () => (await metric(metricsUrl, readRe)) >= N, {
      timeoutMs: 120_000,
    });
    expect(await metric(metricsUrl, droppedRe)).toBeGreaterThan(0); // the spool really overflowed
    const agg = await aggregator(store, port);
    let last = -1;
    const { read, dropped } = await waitFor(
      "the spool drained and reading settled",
      async () => {
        const now = { read: await metric(metricsUrl, readRe), dropped: await metric(metricsUrl, droppedRe) };
        const settled = now.read === last && (await spooledBatches(spool)) === 0;
        last = now.read;
        return settled ? now : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    await col.stop();
    await agg.stop();
    const all = await tallyStoredLines(store, "*");
    expect(all).toEqual({ rows: read - dropped, distinct: read - dropped });
    const ours = await tallyStoredLines(store, name, `m-${name}`);
    expect(ours.rows).toBeGreaterThan(0);
    expect(ours.rows).toBeLessThan(N);
    expect(ours.distinct).toBe(ours.rows);
  });

  it("(d) json-file rotation under load (max-size=1m, max-file=3) loses nothing", async () => {
    // ~6 MB of output rotated every ~1 MB while the collector follows; each file is read before
    // Docker deletes it (two rotations later), so every line must arrive, once.
    const [name, port] = [names.rotate, await freePort()];
    const [store, spool, url] = [`${dir.path}/d-store`, `${dir.path}/d-spool`, `http://127.0.0.1:${port}`];
    const agg = await aggregator(store, port);
    const col = await collector(url, spool);
    const rotating = ["--log-opt", "max-size=1m", "--log-opt", "max-file=3"];
    // Paced at ~30 s of output rather than ~10 s: what this test proves is that rotation is
    // followed (each file read before Docker deletes it, two rotations later), not that a collector
    // sharing 2 cores with the rest of the suite outruns a 6 MB burst; starved of CPU for a few
    // seconds it would fall more than two files behind and lose what Docker deleted (README,
    // Known limits), and the run would fail on the machine's load rather than on the code.
    const paced = printLinesScript(`m-${name}`, N, { sleepEvery: 100, sleepUs: 30_000 });
    await docker("run", "--name", name, ...rotating, BUSYBOX, "sh", "-c", paced);
    await expectEveryLineOnce({ url, spool, store, name }, col, agg);
  });
});
