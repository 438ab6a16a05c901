// Two real collectors sharing a copied spool directory (a golden VM image, a cloned volume): the
// same collector id, the same batch numbering. Each host must still get every line of a
// container: a copy on another node takes a new id at start; a copy running beside the original
// is refused by the aggregator (409, counted) and recovers with a fresh id, losing nothing.
import { cp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSYBOX, docker, removeContainers, uniqueName } from "../helpers/docker.ts";
import { containerLines, numbersOf, printLinesScript, tally } from "../helpers/numbered-lines.ts";
import { spooledBatches } from "../helpers/spool.ts";
import {
  type FleetscopeProcess,
  freePort,
  metricTotal,
  startAggregator,
  startCollector,
  tempDir,
} from "../helpers/stack.ts";
import { waitFor } from "../helpers/wait.ts";

const N = 400;
/** ~20 s of output (20 pauses of 1 s), longer than the aggregator's restart grace (10 s). */
const printer = (marker: string) => printLinesScript(marker, N, { sleepEvery: 20, sleepUs: 1_000_000 });

const idOf = async (spool: string) => (await readFile(join(spool, "collector-id"), "utf8")).split("\n")[0];

describe("a collector id shared through a copied spool", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let url = "";
  const procs: FleetscopeProcess[] = [];
  const names = { otherNode: uniqueName("dup-node"), sameNode: uniqueName("dup-same") };

  beforeAll(async () => {
    dir = await tempDir("dup-collector");
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    procs.push(await startAggregator(join(dir.path, "agg"), port));
  });
  afterAll(async () => {
    await removeContainers(...Object.values(names));
    for (const p of procs.reverse()) await p.stop();
    await dir?.remove();
  });

  /** A collector on `spool` for `host`, started once, stopped, its spool copied to `copy`. */
  async function originalAndCopy(spool: string, copy: string, host: string): Promise<void> {
    const first = await startCollector(url, spool, ["--host-name", host, "--metrics-listen", "off"]);
    await first.stop();
    await cp(spool, copy, { recursive: true });
  }

  /** Every line of the container stored for `host`, once both spools are drained. */
  async function linesFor(container: string, host: string, spools: string[]) {
    const rows = await waitFor(
      `${N} lines of ${container} on ${host}, spools drained`,
      async () => {
        const r = (await containerLines(url, container, `&host=${host}`)).filter((l) => l.host === host);
        const drained = (await Promise.all(spools.map(spooledBatches))).every((n) => n === 0);
        return drained && new Set(r.map((l) => l.body)).size >= N ? r : undefined;
      },
      { timeoutMs: 120_000 },
    );
    return tally(numbersOf(rows, container), N);
  }

  it("a copy started on another node takes its own id, and each host keeps all its lines", async () => {
    const [a, b] = [join(dir.path, "node-a"), join(dir.path, "node-b")];
    await originalAndCopy(a, b, "dup-node-a");
    procs.push(await startCollector(url, a, ["--host-name", "dup-node-a", "--metrics-listen", "off"]));
    const clone = await startCollector(url, b, ["--host-name", "dup-node-b", "--metrics-listen", "off"]);
    procs.push(clone);
    await docker("run", "-d", "--name", names.otherNode, BUSYBOX, "sh", "-c", printer(names.otherNode));
    expect((await linesFor(names.otherNode, "dup-node-a", [a, b])).missing).toBe(0);
    expect((await linesFor(names.otherNode, "dup-node-b", [a, b])).missing).toBe(0);
    expect(await idOf(b)).not.toBe(await idOf(a));
    expect(clone.stdout + clone.stderr).toContain("made for another node");
  });

  it("a copy running beside the original is refused with 409, takes a fresh id and loses nothing", async () => {
    const [a, b] = [join(dir.path, "same-a"), join(dir.path, "same-b")];
    await originalAndCopy(a, b, "dup-same");
    const copiedId = await idOf(b);
    procs.push(await startCollector(url, a, ["--host-name", "dup-same", "--metrics-listen", "off"]));
    const clone = await startCollector(url, b, ["--host-name", "dup-same", "--metrics-listen", "off"]);
    procs.push(clone);
    expect(await idOf(b)).toBe(copiedId); // same node: only the aggregator can tell
    await docker("run", "-d", "--name", names.sameNode, BUSYBOX, "sh", "-c", printer(names.sameNode));
    await waitFor("the copy refused and renewed", async () => (await idOf(b)) !== copiedId, {
      timeoutMs: 90_000,
    });
    expect(
      await metricTotal(url, "fleetscope_aggregator_batches_total", 'outcome="duplicate_collector"'),
    ).toBeGreaterThan(0);
    expect(clone.stdout + clone.stderr).toContain("another running collector uses it");
    expect((await linesFor(names.sameNode, "dup-same", [a, b])).missing).toBe(0);
  });
});
