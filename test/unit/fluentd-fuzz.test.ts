// Property-based fuzzing of the fluentd forward decoder (fast-check, 100 000 cases each):
// framing agrees with msgpack itself, any bytes or any msgpack value give records or a reason,
// never a throw, and what the framer holds stays bounded.
import { Encoder } from "@msgpack/msgpack";
import fc from "fast-check";
import { describe, it } from "vitest";
import { EventTime, fluentdCodec } from "../../collector/receivers/fluentd/event-time.ts";
import { readForwardMessage } from "../../collector/receivers/fluentd/forward-message.ts";
import { MsgpackFrames } from "../../collector/receivers/fluentd/frames.ts";
import { measureValue } from "../../collector/receivers/fluentd/msgpack-frame.ts";
import { fluentdToLogRecord } from "../../collector/receivers/fluentd/record.ts";
import { FakeInventory } from "../helpers/receiver-context.ts";

const RUNS = 100_000;
const MAX = 4096;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const ctx = { host: "h", inventory: new FakeInventory() };

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

/** Decodes, maps and checks every record of one msgpack value. */
function consume(bytes: Buffer): void {
  const m = readForwardMessage(bytes, MAX);
  if (!m.ok) {
    check(m.reason !== "", "a reason");
    return;
  }
  for (const e of m.events) {
    const r = fluentdToLogRecord(m.tag, e, ctx, 0);
    check(typeof r.body === "string" && RFC3339.test(r.time), `a body and a time, got ${r.time}`);
    for (const v of Object.values(r.attributes)) check(typeof v === "string", "string attributes");
  }
}

const encoder = new Encoder({ extensionCodec: fluentdCodec });
const enc = (v: unknown) => Buffer.from(encoder.encode(v)); // a copy: encode() reuses its buffer
const leaf = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.uint8Array({ maxLength: 10 }),
  fc.bigInt({ min: 0n, max: 2n ** 32n - 1n }).map((s) => new EventTime(s * 1_000_000_000n)),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    leaf,
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie("v"), { maxKeys: 3 }),
  ),
})).v;
const record = fc.dictionary(
  fc.constantFrom("log", "message", "source", "container_id", "container_name", "x"),
  value,
  { maxKeys: 4 },
);
const time = fc.oneof(fc.integer(), fc.double(), leaf);
const option = fc.oneof(
  fc.constant(undefined),
  fc.record({ chunk: value, compressed: fc.oneof(fc.constant("gzip"), value) }, { requiredKeys: [] }),
);
/** Forward messages in every mode, with wrong types sprinkled in. */
const message = fc.oneof(
  fc.tuple(fc.oneof(fc.string(), leaf), time, record, option).map(([t, tm, r, o]) => enc([t, tm, r, o])),
  fc
    .tuple(fc.string(), fc.array(fc.oneof(fc.tuple(time, record), value), { maxLength: 3 }), option)
    .map(([t, es, o]) => enc([t, es, o])),
  fc
    .tuple(fc.string(), fc.array(fc.tuple(time, record), { maxLength: 3 }), option)
    .map(([t, es, o]) => enc([t, Buffer.concat(es.map(enc)), o])),
  value.map(enc),
);

describe("fluentd fuzzing", () => {
  it("framing: measures exactly the msgpack value at the start, whatever follows", () => {
    fc.assert(
      fc.property(value, fc.uint8Array({ maxLength: 8 }), (v, tail) => {
        const bytes = enc(v);
        const m = measureValue(Buffer.concat([bytes, tail]), 1 << 20);
        check(
          m.kind === "value" && m.length === bytes.length,
          `length ${bytes.length}, got ${JSON.stringify(m)}`,
        );
        check(
          measureValue(bytes.subarray(0, bytes.length - 1), 1 << 20).kind === "incomplete",
          "a cut value is incomplete",
        );
      }),
      { numRuns: RUNS },
    );
  });

  it("any msgpack value of any mode: records or a reason, never a throw", () => {
    fc.assert(
      fc.property(message, (bytes) => {
        consume(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it("any byte stream in any reads: never a throw, the framer holds at most the cap", () => {
    const stream = fc.array(
      fc.oneof(
        fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
        message,
      ),
      { maxLength: 4 },
    );
    fc.assert(
      fc.property(
        stream,
        fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 9, max: 256 })),
        (pieces, readSize) => {
          const all = Buffer.concat(pieces);
          const frames = new MsgpackFrames(MAX);
          for (let at = 0; at < all.length; at += readSize) {
            const batch = frames.push(all.subarray(at, at + readSize));
            for (const v of batch.values) consume(v);
            check(frames.pendingBytes <= MAX + readSize, "bounded");
            if (batch.error) break; // the receiver closes the connection here
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
