// The pipeline cuts batches by size as well as by count, so no batch it writes is one the
// aggregator refuses as too large (--max-batch-bytes), and the cursors written with the batches
// never run ahead of the records in the spool. A container's death is written at once.
import { readFile } from "node:fs/promises";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createCollectorMetrics } from "../../collector/metrics.ts";
import { Pipeline } from "../../collector/pipeline.ts";
import { Spool } from "../../collector/spool/spool.ts";
import { decodeBatch } from "../../protocol/batch.ts";
import type { LogRecord } from "../../protocol/records.ts";
import { logRecord } from "../helpers/log-record.ts";
import { eventRecord } from "../helpers/records.ts";
import { tempDir } from "../helpers/stack.ts";

const log = pino({ level: "silent" });
const dirs: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.remove();
});

/** The collector's metrics, over a spool that says nothing of itself. */
const metrics = () => createCollectorMetrics(() => ({ batches: 0, bytes: 0, corruptBatches: 0 }) as never);

async function spoolIn(): Promise<Spool> {
  const dir = await tempDir("pipeline-batches");
  dirs.push(dir);
  const spool = new Spool({ dir: dir.path, host: "h", maxBytes: 1 << 30, fullPolicy: "block", log });
  await spool.open();
  return spool;
}

/** Every spooled batch, oldest first, as its header and records; acked as read. */
async function drain(spool: Spool) {
  const out: {
    seq: number;
    groupEnd: number | undefined;
    cursors: unknown;
    sources: unknown;
    bodies: string[];
    bytes: number;
  }[] = [];
  for (let b = spool.oldest(); b; b = spool.oldest()) {
    const { header, lines } = await decodeBatch(await readFile(b.file));
    out.push({
      seq: b.seq,
      groupEnd: header.groupEnd,
      cursors: header.cursors,
      sources: header.sources,
      bodies: lines.map((l) => (JSON.parse(l) as LogRecord).body),
      bytes: lines.join("\n").length,
    });
    await spool.ack(b);
  }
  return out;
}

describe("batches by size", () => {
  it("splits one large emit into batches below the byte bound, in order, the cursor on the last", async () => {
    const spool = await spoolIn();
    const p = new Pipeline(
      spool,
      { maxBatchRecords: 5000, maxBatchBytes: 64 * 1024, flushIntervalMs: 10_000 },
      metrics(),
    );
    const body = (i: number) => `${String(i).padStart(4, "0")} ${"x".repeat(4000)}`;
    await p.emit(
      "src",
      Array.from({ length: 100 }, (_, i) => logRecord({ body: body(i) })),
      "c100",
    );
    await p.flush();
    const batches = await drain(spool);
    expect(batches.length).toBeGreaterThanOrEqual(6);
    expect(batches.flatMap((b) => b.bodies)).toEqual(Array.from({ length: 100 }, (_, i) => body(i)));
    for (const b of batches) expect(b.bytes).toBeLessThan(2 * 64 * 1024);
    // Each batch counts its own records: what the spool's drop counter says when it drops one.
    for (const b of batches) expect(b.sources).toEqual({ src: b.bodies.length });
    // Only the batch that holds the last record may say the source is read up to c100.
    expect(batches.slice(0, -1).every((b) => (b.cursors as Record<string, unknown>).src === undefined)).toBe(
      true,
    );
    expect((batches.at(-1)?.cursors as Record<string, unknown> | undefined)?.src).toBe("c100");
    // The others name it as their group's end: a crash before it was written, and the spool
    // forgets them instead of shipping records the source reads again (spool.test.ts).
    const last = batches.at(-1);
    expect(last?.groupEnd).toBeUndefined();
    for (const b of batches.slice(0, -1)) expect(b.groupEnd).toBe(last?.seq);
  });
});

describe("batches of several emits", () => {
  const logs = (tag: string, n: number) =>
    Array.from({ length: n }, (_, i) => logRecord({ body: `${tag}${i}` }));

  it("are cut where an emit ends, each batch carrying the cursors up to it, small emits packed together", async () => {
    const spool = await spoolIn();
    const p = new Pipeline(spool, { maxBatchRecords: 10, flushIntervalMs: 3_600_000 }, metrics());
    await p.emit("a", logs("a", 4), "a1");
    await p.emit("b", logs("b", 4), "b1");
    await p.emit("c", logs("c", 4), "c1"); // 12 buffered: a flush
    await p.flush();
    const batches = await drain(spool);
    // Each batch stands alone (no group): it was shipped as soon as it was written, and a crash
    // after it re-reads nothing it holds.
    expect(batches.map((b) => [b.bodies.length, b.groupEnd, b.cursors])).toEqual([
      [8, undefined, { a: "a1", b: "b1" }],
      [4, undefined, { a: "a1", b: "b1", c: "c1" }],
    ]);
  });

  it("group only the batches of one emit too big for one", async () => {
    const spool = await spoolIn();
    const p = new Pipeline(spool, { maxBatchRecords: 10, flushIntervalMs: 3_600_000 }, metrics());
    await p.emit("a", logs("a", 6), "a1");
    await p.emit("b", logs("b", 25), "b1");
    await p.emit("c", logs("c", 3), "c1");
    await p.flush();
    const batches = await drain(spool);
    const b1 = batches.findIndex((b) => (b.cursors as Record<string, unknown>).b === "b1");
    expect(batches.map((b) => b.bodies.length)).toEqual([6, 10, 10, 5, 3]);
    expect(b1).toBe(3);
    expect(batches.map((b) => b.groupEnd)).toEqual([
      undefined,
      batches[3]?.seq,
      batches[3]?.seq,
      undefined,
      undefined,
    ]);
    expect(batches.flatMap((b) => b.bodies)).toEqual(
      [...logs("a", 6), ...logs("b", 25), ...logs("c", 3)].map((r) => r.body),
    );
  });

  it("written again after a failed write from the group that failed, nothing twice, nothing lost", async () => {
    const dir = await tempDir("pipeline-batches");
    dirs.push(dir);
    /** The real spool, refusing its second write once as a full disk does. */
    class FullOnce extends Spool {
      calls = 0;
      override async appendGroup(...args: Parameters<Spool["appendGroup"]>): Promise<void> {
        if (++this.calls === 2) throw Object.assign(new Error("no space"), { code: "ENOSPC" });
        return super.appendGroup(...args);
      }
    }
    const spool = new FullOnce({ dir: dir.path, host: "h", maxBytes: 1 << 30, fullPolicy: "block", log });
    await spool.open();
    const p = new Pipeline(
      spool,
      { maxBatchRecords: 10, flushIntervalMs: 3_600_000, retryMs: 10 },
      metrics(),
    );
    await p.emit("a", logs("a", 6), "a1");
    await p.emit("b", logs("b", 6), "b1");
    await p.flush();
    const batches = await drain(spool);
    expect(spool.calls).toBe(3);
    expect(batches.map((b) => [b.bodies, b.cursors])).toEqual([
      [logs("a", 6).map((r) => r.body), { a: "a1" }],
      [logs("b", 6).map((r) => r.body), { a: "a1", b: "b1" }],
    ]);
  });
});

describe("a container's death", () => {
  it("is written to the spool at once with what was buffered before it; other records wait for the interval", async () => {
    const spool = await spoolIn();
    const p = new Pipeline(
      spool,
      { maxBatchRecords: 5000, maxBatchBytes: 1 << 20, flushIntervalMs: 3_600_000 },
      metrics(),
    );
    await p.emit("logs", [logRecord({ body: "last words" })], "l1");
    await p.emit("events", [eventRecord({ action: "kill" }), eventRecord({ action: "start" })], "e1");
    expect(spool.oldest()).toBeUndefined();
    for (const action of ["die", "oom", "oom-kill"]) {
      await p.emit("events", [eventRecord({ action })], action);
      const batch = spool.oldest();
      expect(batch, action).toBeDefined();
      const { lines } = await decodeBatch(await readFile(batch?.file as string));
      const written = lines.map((l) => JSON.parse(l) as { kind: string; action?: string; body?: string });
      expect(written.at(-1)?.action).toBe(action);
      if (action === "die")
        expect(written.map((r) => r.action ?? r.body)).toEqual(["last words", "kill", "start", "die"]);
      await spool.ack(batch as NonNullable<typeof batch>);
    }
    expect(spool.oldest()).toBeUndefined();
  });
});
