// The read pacer (collector/read-pacer.ts) over a real spool on disk: file readers wait while the
// aggregator takes batches slower than they come, and never while it takes none (an outage).
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { ReadPacer } from "../../collector/read-pacer.ts";
import { Spool } from "../../collector/spool/spool.ts";
import type { FleetRecord } from "../../protocol/records.ts";
import { tempDir } from "../helpers/stack.ts";

const dirs: { remove: () => Promise<void> }[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await d.remove();
});

async function spoolWith(batches: number): Promise<Spool> {
  const dir = await tempDir("pacer");
  dirs.push(dir);
  const spool = new Spool({
    dir: dir.path,
    host: "h",
    maxBytes: 1 << 30,
    fullPolicy: "block",
    log: pino({ level: "silent" }),
  });
  await spool.open();
  const record: FleetRecord = {
    kind: "log",
    time: "2026-11-22T00:00:00Z",
    host: "h",
    source: "docker-json",
    body: "x",
    attributes: {},
  } as unknown as FleetRecord;
  for (let i = 0; i < batches; i++) await spool.append([record], { src: i });
  return spool;
}

/** Whether `p` settled by the time everything queued so far ran (no timers involved). */
async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

describe("ReadPacer", () => {
  it("lets readers on while the spool holds no more than the read-ahead", async () => {
    const spool = await spoolWith(2);
    const pacer = new ReadPacer(spool, () => true, 2);
    expect(pacer.open).toBe(true);
    expect(await settled(pacer.wait(new AbortController().signal))).toBe(true);
  });

  it("holds readers while the aggregator takes batches and more wait, until acks bring it down", async () => {
    const spool = await spoolWith(4);
    const pacer = new ReadPacer(spool, () => true, 2);
    const waiting = pacer.wait(new AbortController().signal);
    expect(await settled(waiting)).toBe(false);
    for (const n of [3, 2]) {
      const b = spool.claim();
      if (!b) throw new Error("expected a batch");
      await spool.ack(b);
      expect(spool.backlog).toBe(n);
    }
    await waiting; // woken by the ack that brought it to 2
    expect(pacer.open).toBe(true);
  });

  it("never holds readers while the aggregator takes no batch: the spool is for outages", async () => {
    const spool = await spoolWith(50);
    let delivering = true;
    const pacer = new ReadPacer(spool, () => delivering, 2);
    const waiting = pacer.wait(new AbortController().signal);
    expect(await settled(waiting)).toBe(false);
    delivering = false; // a send failed: the pacer's next look (within its recheck) lets it go
    await waiting;
    expect(pacer.open).toBe(true);
  });

  it("lets a stopping reader go", async () => {
    const spool = await spoolWith(10);
    const stop = new AbortController();
    const waiting = new ReadPacer(spool, () => true, 2).wait(stop.signal);
    expect(await settled(waiting)).toBe(false);
    stop.abort();
    await waiting;
  });
});
