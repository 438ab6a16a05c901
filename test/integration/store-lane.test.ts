// Embedded chDB runs one statement at a time, first come first served; the store's lane
// (aggregator/store/lane.ts) puts reads ahead of waiting batch inserts, so a person's query does
// not wait behind a log storm's backlog. Real chDB on a temp directory; the order the statements
// finish in is the evidence, not their times.
import { describe, expect, it } from "vitest";
import { MAX_OVERTAKEN, MAX_PASSED, StoreLane } from "../../aggregator/store/lane.ts";
import { withQueryContext } from "../../aggregator/store/query-context.ts";
import { SMALL_BATCH_RECORDS } from "../../protocol/batch.ts";
import { useEmbeddedStore } from "../helpers/embedded-store.ts";

const event = (i: number) => ({
  time: "2026-11-22 00:00:00.000000000",
  host: "lane",
  type: "container",
  action: `a${i}`,
  container_id: "c".repeat(64),
  container_name: "c",
  image: "i",
  attributes: { filler: "x".repeat(200) },
});
const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => event(from + i));

describe("the embedded store's lane", () => {
  const db = useEmbeddedStore("store-lane");

  it("answers a read sent after three batch inserts before the last two of them", async () => {
    const done: string[] = [];
    // Distinct rows and tokens, as batches have (the tables drop a replayed token's rows).
    const insert = (i: number) =>
      db.store
        .insertRows("events", rows(20_000, i * 20_000), { insert_deduplication_token: `lane-${i}` })
        .then(() => done.push(`insert ${i}`));
    const inserts = [insert(1), insert(2), insert(3)];
    const read = db.store.rows("SELECT count() AS n FROM events").then(() => done.push("read"));
    await Promise.all([...inserts, read]);
    // The first insert was already running; the read goes next.
    expect(done).toEqual(["insert 1", "read", "insert 2", "insert 3"]);
    const [count] = await db.store.rows<{ n: string }>("SELECT count() AS n FROM events");
    expect(Number(count?.n)).toBe(60_000);
  });

  it("stores a small batch sent after big ones before the big ones still waiting", async () => {
    const done: string[] = [];
    // As ingest calls it: a batch of at most SMALL_BATCH_RECORDS is small.
    const insert = (name: string, n: number, from: number) =>
      db.store
        .insertRows(
          "events",
          rows(n, from),
          { insert_deduplication_token: `small-${name}` },
          n <= SMALL_BATCH_RECORDS,
        )
        .then(() => done.push(name));
    const big = [
      insert("big 1", 20_000, 100_000),
      insert("big 2", 20_000, 120_000),
      insert("big 3", 20_000, 140_000),
    ];
    const small = insert("small", 3, 160_000);
    await Promise.all([...big, small]);
    // The first big one was already running; the small one goes next, the others keep their order.
    expect(done).toEqual(["big 1", "small", "big 2", "big 3"]);
  });
});

describe("the embedded store's lane, reads", () => {
  const db = useEmbeddedStore("store-lane-reads");

  it("answers a request's read before the reads made for no request (the detector's) already waiting", async () => {
    const done: string[] = [];
    const running = db.store
      .insertRows("events", rows(20_000, 0), { insert_deduplication_token: "reads-0" })
      .then(() => done.push("insert"));
    // The detector's reads run outside any request: no query context.
    const background = [1, 2, 3].map((i) =>
      db.store.rows("SELECT count() AS n FROM events").then(() => done.push(`detector ${i}`)),
    );
    const request = withQueryContext({ signal: new AbortController().signal, limited: true }, () =>
      db.store.rows("SELECT count() AS n FROM events"),
    ).then(() => done.push("request"));
    await Promise.all([running, ...background, request]);
    expect(done).toEqual(["insert", "request", "detector 1", "detector 2", "detector 3"]);
  });
});

describe("StoreLane", () => {
  const gate = () => {
    let open = () => {};
    const p = new Promise<void>((r) => (open = r));
    return { p, open };
  };

  it("lets a write go after MAX_PASSED reads went ahead of it, so ingest never starves", async () => {
    const lane = new StoreLane();
    const order: string[] = [];
    const first = gate();
    const running = lane.run("read", () => first.p);
    const write = lane.run("write", async () => void order.push("write"));
    const reads = Array.from({ length: MAX_PASSED + 2 }, (_, i) =>
      lane.run("read", async () => void order.push(`read ${i}`)),
    );
    expect(lane.waiting).toEqual({ reads: MAX_PASSED + 2, writes: 1 });
    first.open();
    await Promise.all([running, write, ...reads]);
    expect(order.indexOf("write")).toBe(MAX_PASSED);
    expect(order).toHaveLength(MAX_PASSED + 3);
  });

  // A steady stream of statements that go ahead (API reads from anyone with a token, small batches
  // from many collectors) must not hold back the ones they pass for ever: the detector's reads,
  // a flood's big batch.
  it.each(["read", "write"] as const)(
    "runs a waiting %s after MAX_OVERTAKEN of its kind went ahead of it, however many more come",
    async (kind) => {
      const lane = new StoreLane();
      const order: string[] = [];
      const first = gate();
      const running = lane.run(kind, () => first.p);
      const behind = lane.run(kind, async () => void order.push("behind"));
      const aheads = Array.from({ length: MAX_OVERTAKEN + 3 }, (_, i) =>
        lane.run(kind, async () => void order.push(`ahead ${i}`), undefined, true),
      );
      first.open();
      await Promise.all([running, behind, ...aheads]);
      expect(order.indexOf("behind")).toBe(MAX_OVERTAKEN);
      // The ones that came after it was passed enough keep their own order behind it.
      expect(order.slice(MAX_OVERTAKEN + 1)).toEqual(
        Array.from({ length: 3 }, (_, i) => `ahead ${MAX_OVERTAKEN + i}`),
      );
    },
  );

  it("drops a waiting read whose caller went away, and runs the rest", async () => {
    const lane = new StoreLane();
    const first = gate();
    const running = lane.run("write", () => first.p);
    const abort = new AbortController();
    const ran: string[] = [];
    const gone = lane.run("read", async () => void ran.push("gone"), abort.signal);
    const next = lane.run("read", async () => "answered");
    abort.abort(new Error("client left"));
    await expect(gone).rejects.toThrow("client left");
    first.open();
    await running;
    expect(await next).toBe("answered");
    expect(ran).toEqual([]);
    expect(lane.waiting).toEqual({ reads: 0, writes: 0 });
  });
});
