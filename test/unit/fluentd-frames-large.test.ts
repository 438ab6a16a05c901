// A forward message of 8 MiB arriving in 1 KiB reads (as a slow sender's would) is cut out whole
// and byte for byte; the framer's memory stays within a small factor of the message. Its speed
// is measured in bench/fluentd-framing.ts, not here.
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { MsgpackFrames } from "../../collector/receivers/fluentd/frames.ts";

describe("fluentd framing of a large message in small reads", () => {
  it("yields the one 8 MiB message, identical, after its last piece", () => {
    const log = "x".repeat(8 * 1024 * 1024 - 64);
    const message = Buffer.from(encode(["app", 1795323791, { log }, { chunk: "c1" }]));
    const next = Buffer.from(encode(["app", 1795323792, { log: "after" }]));
    const stream = Buffer.concat([message, next]);
    const frames = new MsgpackFrames(9 * 1024 * 1024);
    const values: Buffer[] = [];
    let maxHeld = 0;
    for (let i = 0; i < stream.length; i += 1024) {
      const out = frames.push(stream.subarray(i, i + 1024));
      expect(out.error).toBeUndefined();
      values.push(...out.values);
      maxHeld = Math.max(maxHeld, frames.heldBytes);
    }
    expect(values).toHaveLength(2);
    expect(values[0]?.equals(message)).toBe(true);
    expect(values[1]?.equals(next)).toBe(true);
    expect(frames.pendingBytes).toBe(0);
    expect(maxHeld).toBeLessThanOrEqual(2 * message.length);
  });

  it("resumes measuring a message of many small entries where it stopped", () => {
    const entries = Array.from({ length: 50_000 }, (_, i) => [1795323791 + i, { log: `line ${i}` }]);
    const message = Buffer.from(encode(["app", entries]));
    const frames = new MsgpackFrames(16 * 1024 * 1024);
    const values: Buffer[] = [];
    for (let i = 0; i < message.length; i += 100)
      values.push(...frames.push(message.subarray(i, i + 100)).values);
    expect(values.map((v) => v.length)).toEqual([message.length]);
  });
});
