// GELF chunk reassembly and TCP framing at their limits: timeouts, memory caps, bad headers,
// oversized frames. Every drop is counted.
import { describe, expect, it } from "vitest";
import { ChunkReassembler } from "../../collector/receivers/gelf/chunks.ts";
import { NulFramer } from "../../collector/receivers/gelf/nul-framer.ts";

/** A chunk datagram: magic, 8-byte id, seq, count, piece. */
function chunk(id: number, seq: number, count: number, piece: string | Buffer): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x1e;
  head[1] = 0x0f;
  head.writeBigUInt64BE(BigInt(id), 2);
  head[10] = seq;
  head[11] = count;
  return Buffer.concat([head, Buffer.from(piece)]);
}

describe("GELF chunk reassembly", () => {
  it("joins the pieces in sequence order, per sender", () => {
    const r = new ChunkReassembler();
    expect(r.add(chunk(1, 1, 2, "world"), "a", 0)).toEqual({ kind: "pending" });
    expect(r.add(chunk(1, 0, 2, "hello "), "b", 0)).toEqual({ kind: "pending" }); // same id, other sender
    expect(r.add(chunk(1, 0, 2, "hello "), "a", 0)).toEqual({
      kind: "complete",
      payload: Buffer.from("hello world"),
    });
    expect(r.pendingMessages).toBe(1);
  });

  it("drops a message whose chunks did not all come within the timeout", () => {
    const r = new ChunkReassembler({ timeoutMs: 5000 });
    r.add(chunk(1, 0, 2, "x"), "a", 0);
    r.add(chunk(2, 0, 2, "y"), "a", 3000);
    expect(r.sweep(4999)).toBe(0);
    expect(r.sweep(5000)).toBe(1);
    expect(r.expired).toBe(1);
    expect(r.add(chunk(1, 1, 2, "z"), "a", 5001)).toEqual({ kind: "pending" }); // too late: starts over
    expect(r.add(chunk(2, 1, 2, "z"), "a", 5001)).toEqual({ kind: "complete", payload: Buffer.from("yz") });
  });

  it("evicts the oldest incomplete messages past the message and byte caps, counting them", () => {
    const r = new ChunkReassembler({ maxPendingMessages: 3, maxPendingBytes: 1000 });
    for (let id = 0; id < 10; id++) r.add(chunk(id, 0, 2, "x"), "a", id);
    expect(r.pendingMessages).toBe(3);
    expect(r.evicted).toBe(7);
    expect(r.add(chunk(9, 1, 2, "y"), "a", 10)).toEqual({ kind: "complete", payload: Buffer.from("xy") });
    r.add(chunk(20, 0, 3, Buffer.alloc(600)), "a", 11);
    r.add(chunk(21, 0, 3, Buffer.alloc(600)), "a", 12);
    expect(r.pendingBytes).toBeLessThanOrEqual(1000);
    expect(r.evicted).toBe(7 + 2 + 1); // ids 7, 8, then 20
  });

  it("rejects bad headers one datagram at a time", () => {
    const r = new ChunkReassembler();
    expect(r.add(Buffer.from([0x1e, 0x0f, 1, 2]), "a", 0)).toMatchObject({ kind: "malformed" });
    expect(r.add(chunk(1, 0, 0, "x"), "a", 0)).toEqual({
      kind: "malformed",
      reason: "GELF chunk count 0 not in 1..128",
    });
    expect(r.add(chunk(1, 0, 129, "x"), "a", 0)).toMatchObject({ kind: "malformed" });
    expect(r.add(chunk(1, 3, 3, "x"), "a", 0)).toMatchObject({ kind: "malformed" });
    r.add(chunk(2, 0, 3, "x"), "a", 0);
    expect(r.add(chunk(2, 1, 4, "x"), "a", 0)).toMatchObject({
      kind: "malformed",
      reason: expect.stringMatching(/disagree/),
    });
    expect(r.pendingMessages).toBe(0);
    expect(r.add(chunk(3, 0, 1, "solo"), "a", 0)).toEqual({ kind: "complete", payload: Buffer.from("solo") });
  });
});

describe("GELF TCP framing", () => {
  it("skips an oversized frame up to its NUL and keeps the next one, holding no more than the cap", () => {
    const f = new NulFramer(10);
    expect(f.push(Buffer.from("ok\x000123456789ABC"))).toEqual([
      { ok: true, bytes: Buffer.from("ok") },
      { ok: false, reason: "frame longer than 10 bytes without a NUL", sample: Buffer.from("0123456789ABC") },
    ]);
    expect(f.push(Buffer.from("more and more"))).toEqual([]);
    expect(f.pendingBytes).toBe(0);
    expect(f.push(Buffer.from("end\0next\0"))).toEqual([{ ok: true, bytes: Buffer.from("next") }]);
    expect(f.push(Buffer.from("\0\0"))).toEqual([]); // empty frames: nothing
  });
});
