// The read gate (aggregator/api/limits.ts): a few requests per token, a global cap with a short
// bounded queue behind it, and callers who leave the queue when their client goes away.
import { describe, expect, it } from "vitest";
import { GateRefusal, QueryGate, Slots } from "../../aggregator/api/limits.ts";
import { QueryStopped } from "../../aggregator/store/query-context.ts";

const gate = (over: Partial<ConstructorParameters<typeof QueryGate>[0]> = {}) =>
  new QueryGate({ perToken: 2, global: 2, queue: 1, queueWaitMs: 60_000, ...over });

describe("QueryGate", () => {
  it("refuses a token's request beyond its share with a per_token refusal (429)", async () => {
    const g = gate({ global: 10 });
    await g.enter("a");
    await g.enter("a");
    const refused = await g.enter("a").catch((e) => e);
    expect(refused).toBeInstanceOf(GateRefusal);
    expect(refused).toMatchObject({ reason: "per_token", statusCode: 429 });
    expect(refused.message).toContain("--max-queries-per-token");
    await g.enter("b"); // other tokens are not held back
  });

  it("queues behind the global cap, admits in order on release, and refuses when the queue is full", async () => {
    const seen: [number, number][] = [];
    const g = new QueryGate({ perToken: 9, global: 2, queue: 1, queueWaitMs: 60_000 }, (r, w) =>
      seen.push([r, w]),
    );
    const first = await g.enter("a");
    await g.enter("b");
    const third = g.enter("c");
    const full = await g.enter("d").catch((e) => e);
    expect(full).toMatchObject({ reason: "busy", statusCode: 503 });
    expect(full.message).toContain("--max-queries");
    first();
    first(); // releasing twice frees one slot only
    const release = await third;
    expect(g.running).toBe(2);
    release();
    expect(g.running).toBe(1);
    expect(seen.at(-1)).toEqual([1, 0]);
  });

  it("refuses a request that waited past the queue's patience", async () => {
    const g = gate({ global: 1, queueWaitMs: 20 });
    await g.enter("a");
    await expect(g.enter("b")).rejects.toMatchObject({ reason: "busy" });
  });

  it("drops a waiting request whose client went away, without giving it a slot", async () => {
    const g = gate({ global: 1, perToken: 1 });
    const first = await g.enter("a");
    const controller = new AbortController();
    const waiting = g.enter("b", controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(QueryStopped);
    first();
    expect(g.running).toBe(0);
    await g.enter("b"); // its share of its token was given back too (else: per_token)
  });
});

describe("Slots", () => {
  it("runs at most `size` at once, the rest in order", async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates = Array.from({ length: 5 }, () => Promise.withResolvers<void>());
    const runs = gates.map((g, i) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await g.promise;
        running--;
      }),
    );
    for (const g of gates) g.resolve();
    await Promise.all(runs);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
});
