// The spool on a real filesystem: what survives a crash, what is resumed, what is dropped.
import { getEventListeners } from "node:events";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { type FullPolicy, Spool, type SpooledBatch } from "../../collector/spool/spool.ts";
import { decodeBatch } from "../../protocol/batch.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { tempDir } from "../helpers/stack.ts";

const log = pino({ level: "silent" });
const dirs: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.remove();
});

async function openSpool(dir: string, { maxBytes = 1 << 30, fullPolicy = "block" as FullPolicy } = {}) {
  const spool = new Spool({ dir, host: "h", maxBytes, fullPolicy, log });
  await spool.open();
  return spool;
}

/** The oldest batch, which these tests know is there. */
function oldest(spool: Spool): SpooledBatch {
  const b = spool.oldest();
  if (!b) throw new Error("expected a spooled batch");
  return b;
}

function hostRecord(i: number): FleetRecord {
  return {
    kind: "host",
    time: "2026-11-22T00:00:00Z",
    host: `h${i}`,
    collectorId: "c",
    collectorVersion: "0",
    bootId: "",
    machineId: "",
    kernel: "",
    cpuCores: 1,
    memoryBytes: i,
  };
}

describe("spool", () => {
  it("wakes a sender waiting for the batches it takes only, and leaves no listener on its signal", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const spool = await openSpool(d.path);
    const stop = new AbortController();
    const small = (b: SpooledBatch) => b.count <= 1;
    let woke = false;
    const waiting = spool.waitForBatch(stop.signal, small).then(() => (woke = true));
    await spool.append([hostRecord(1), hostRecord(2)], {});
    await new Promise((r) => setImmediate(r)); // what the append woke has run
    expect(woke).toBe(false); // a batch it does not take
    await spool.append([hostRecord(3)], {});
    await waiting;
    expect(spool.claim(small)?.count).toBe(1);
    while (spool.claim());
    // A sender waits on the shipper's one signal for its whole life: each wait cleans up after itself.
    for (let i = 0; i < 50; i++) {
      const wait = spool.waitForBatch(stop.signal);
      await spool.append([hostRecord(i)], {});
      await wait;
      spool.claim();
    }
    expect(getEventListeners(stop.signal, "abort")).toHaveLength(0);
  });

  it("keeps batches across a reopen, in order, with unique ids", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const a = await openSpool(d.path);
    await a.append([hostRecord(1)], { src: 1 });
    await a.append([hostRecord(2), hostRecord(3)], { src: 2 });
    const b = await openSpool(d.path);
    const first = oldest(b);
    expect(first.count).toBe(1);
    const { header, lines } = await decodeBatch(await b.read(first));
    expect(header.batchId).toBe(`${a.collectorId}-1`);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({ host: "h1" });
    await b.ack(first);
    await b.ack(oldest(b));
    // Ids keep counting after every batch was acked and deleted: a reused id would be dropped as a replay.
    await b.append([hostRecord(4)], {});
    expect(b.oldest()?.id).toBe(`${a.collectorId}-3`);
  });

  it("resumes cursors from the newest batch even if state.json is older", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const a = await openSpool(d.path);
    await a.append([hostRecord(1)], { journald: "c1", other: "x" });
    await a.append([hostRecord(2)], { journald: "c2", other: "x" });
    // Simulate a crash between writing the batch and state.json: state.json still says c1.
    await writeFile(
      join(d.path, "state.json"),
      JSON.stringify({ lastSeq: 1, cursors: { journald: "c1", other: "x" } }),
    );
    const b = await openSpool(d.path);
    expect(b.cursors).toEqual({ journald: "c2", other: "x" });
  });

  // A read larger than one batch is written as several; only the last carries the cursors. A kill
  // after some of them would leave records on disk that the sources, resuming from the cursors
  // before them, read again: stored twice (CI saw 19,866 lines twice in zero-loss (a)).
  it("forgets the batches of a write cut short by a crash, so the sources' re-read is stored once", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const a = await openSpool(d.path);
    await a.append([hostRecord(1)], { src: "c1" });
    const before = await readFile(join(d.path, "state.json"), "utf8");
    const parts = [1, 2, 3].map((i) => ({ records: [hostRecord(10 + i)], sources: { src: 1 } }));
    await a.appendGroup(parts, { src: "c2" });
    // Not one member is handed to a shipper before the whole group is on disk.
    expect(a.backlog).toBe(4);
    // The crash: the group's last batch and state.json never reached the disk.
    const names = (await readdir(d.path)).filter((n) => n.endsWith(".batch")).sort();
    await rm(join(d.path, names.at(-1) as string));
    await writeFile(join(d.path, "state.json"), before);
    const b = await openSpool(d.path);
    expect(b.cursors).toEqual({ src: "c1" });
    expect(b.backlog).toBe(1);
    expect((await readdir(d.path)).filter((n) => n.endsWith(".batch"))).toEqual([names[0]]);
    // Their numbers are not given out again.
    await b.append([hostRecord(5)], { src: "c3" });
    expect(
      (await readdir(d.path))
        .filter((n) => n.endsWith(".batch"))
        .sort()
        .at(-1),
    ).toBe("000000000005.batch");
  });

  it("keeps a whole group's batches, and those whose last batch was acked already", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const a = await openSpool(d.path);
    const parts = [1, 2, 3].map((i) => ({ records: [hostRecord(i)], sources: { src: 1 } }));
    await a.appendGroup(parts, { src: "c1" });
    expect((await openSpool(d.path)).backlog).toBe(3);
    // The last one shipped first (another sender) and was deleted: the rest stay.
    const last = a.claim((x) => x.seq === 3);
    if (!last) throw new Error("expected the group's last batch");
    await a.ack(last);
    const b = await openSpool(d.path);
    expect(b.backlog).toBe(2);
    expect(b.cursors).toEqual({ src: "c1" });
  });

  it("keeps an acked batch's file while state.json could not take its cursors", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    // state.json cannot be written (a directory stands in its place): the batch file alone holds
    // its cursors, so an ack must not delete it, or a restart would read its records again.
    await mkdir(join(d.path, "state.json"));
    const a = await openSpool(d.path);
    await a.append([hostRecord(1)], { journald: "c1" });
    const shipped = a.claim();
    if (!shipped) throw new Error("expected a batch to ship");
    await a.ack(shipped);
    expect(a.oldest()).toBeUndefined();
    const b = await openSpool(d.path);
    expect(b.cursors).toEqual({ journald: "c1" });
    // Shipped again under its own id, which the aggregator stores once.
    expect(b.oldest()?.id).toBe(shipped.id);
    // Once state.json can be written, an ack deletes the file.
    await rm(join(d.path, "state.json"), { recursive: true });
    const again = b.claim();
    if (!again) throw new Error("expected the kept batch");
    await b.ack(again);
    expect((await readdir(d.path)).filter((n) => n.endsWith(".batch"))).toEqual([]);
    expect((await openSpool(d.path)).cursors).toEqual({ journald: "c1" });
  });

  it("drops a torn temp file and sets an unreadable batch aside", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const a = await openSpool(d.path);
    await a.append([hostRecord(1)], {});
    await writeFile(join(d.path, "000000000002.batch.tmp"), "half a batch");
    await writeFile(join(d.path, "000000000003.batch"), "not gzip at all");
    const b = await openSpool(d.path);
    expect(b.stats).toMatchObject({ batches: 1, corruptBatches: 1 });
    expect((await readdir(d.path)).filter((n) => n.endsWith(".tmp"))).toEqual([]);
    expect(await readdir(join(d.path, "corrupt"))).toEqual(["000000000003.batch"]);
  });

  it("with drop-oldest, drops whole batches when full and counts their records", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const dropped: Record<string, number>[] = [];
    const s = new Spool({
      dir: d.path,
      host: "h",
      maxBytes: 1,
      fullPolicy: "drop-oldest",
      log,
      onDropped: (b) => dropped.push(b.sources),
    });
    await s.open();
    await s.append([hostRecord(1), hostRecord(2)], {}, { host: 1, journald: 1 });
    await s.append([hostRecord(3)], {}, { host: 1 });
    await s.append([hostRecord(4)], {}, { host: 1 });
    expect(s.stats).toMatchObject({ batches: 1, droppedBatches: 2, droppedRecords: 3 });
    expect(dropped).toEqual([{ host: 1, journald: 1 }, { host: 1 }]);
  });

  it("with block, makes the writer wait until a batch is acked", async () => {
    const d = await tempDir("spool");
    dirs.push(d);
    const s = await openSpool(d.path, { maxBytes: 1, fullPolicy: "block" });
    await s.append([hostRecord(1)], {});
    let written = false;
    const pending = s.append([hostRecord(2)], {}).then(() => (written = true));
    await new Promise((r) => setImmediate(r));
    expect(written).toBe(false);
    await s.ack(oldest(s));
    await pending;
    expect(s.stats.batches).toBe(1);
  });
});
