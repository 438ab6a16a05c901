// Property-based fuzzing of the GELF parsers (fast-check, 100 000 cases each): whatever arrives,
// nothing throws, memory stays within the caps, and what is rejected is rejected with a reason.
import { deflateSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, it } from "vitest";
import { ChunkReassembler } from "../../collector/receivers/gelf/chunks.ts";
import { gelfToLogRecord } from "../../collector/receivers/gelf/message.ts";
import { NulFramer } from "../../collector/receivers/gelf/nul-framer.ts";
import { decodePayload } from "../../collector/receivers/gelf/payload.ts";
import { FakeInventory } from "../helpers/receiver-context.ts";

const RUNS = 100_000;

/** A plain assertion: expect() is too slow to call millions of times. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const ctx = { host: "h", inventory: new FakeInventory([{ id: "a".repeat(64), name: "web", image: "img" }]) };

/** A datagram: mostly chunk headers with small ids/sequences so that messages really complete. */
const datagram = fc.oneof(
  fc
    .record({
      id: fc.integer({ min: 0, max: 7 }),
      seq: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 255 })),
      count: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 255 })),
      piece: fc.uint8Array({ maxLength: 300 }),
    })
    .map(({ id, seq, count, piece }) => {
      const head = Buffer.from([0x1e, 0x0f, 0, 0, 0, 0, 0, 0, 0, id, seq, count]);
      return Buffer.concat([head, piece]);
    }),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.concat([Buffer.from([0x1e, 0x0f]), b])),
);

/** Anything that might reach the JSON mapping: GELF-shaped objects with odd values, or any JSON. */
const gelfValue = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);
const gelfObject = fc.record(
  {
    short_message: gelfValue,
    full_message: gelfValue,
    timestamp: gelfValue,
    level: fc.oneof(fc.integer({ min: -2, max: 9 }), gelfValue),
    host: gelfValue,
    _container_id: fc.oneof(
      fc.constant("a".repeat(64)),
      fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), maxLength: 64 }),
      gelfValue,
    ),
    _container_name: gelfValue,
    _tag: gelfValue,
    _extra: gelfValue,
  },
  { requiredKeys: [] },
);
const json = fc.oneof(
  gelfObject.map((o) => JSON.stringify(o)),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
);

/** Compressed payloads, whole and mutated: a flipped byte, a cut tail. */
const SAMPLES = [gzipSync('{"short_message":"hi","level":3}'), deflateSync('{"short_message":"hi"}')];
const payload = fc.oneof(
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.concat([Buffer.from([0x1f, 0x8b]), b])),
  },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.concat([Buffer.from([0x78, 0x9c]), b])),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(...SAMPLES), fc.nat(), fc.nat(255), fc.nat())
      .map(([s, at, byte, cut]) => {
        const b = Buffer.from(s);
        b[at % b.length] = byte;
        return b.subarray(0, b.length - (cut % 4));
      }),
  },
);

describe("GELF fuzzing", () => {
  it("chunk reassembly: never throws, stays within its caps", () => {
    const limits = { timeoutMs: 5000, maxPendingMessages: 4, maxPendingBytes: 4000 };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(datagram, fc.integer({ min: 0, max: 2 }), fc.nat(3000)), { maxLength: 25 }),
        (steps) => {
          const r = new ChunkReassembler(limits);
          let now = 0;
          for (const [d, sender, advance] of steps) {
            now += advance;
            const out = r.add(d, `s${sender}`, now);
            if (out.kind === "malformed") check(out.reason.length > 0, "a reason");
            const count = d[11] ?? 0;
            if (count < 1 || count > 128 || d.length <= 12)
              check(out.kind === "malformed", "bad header rejected");
            r.sweep(now);
            check(r.pendingMessages <= limits.maxPendingMessages, "message cap");
            check(r.pendingMessages <= 1 || r.pendingBytes <= limits.maxPendingBytes, "byte cap");
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("payload decoding: JSON text or a reason, never a throw", () => {
    fc.assert(
      fc.property(payload, (p) => {
        const d = decodePayload(p, 64 * 1024);
        check(d.ok ? typeof d.json === "string" : d.reason !== "", "text or a reason");
      }),
      { numRuns: RUNS },
    );
  });

  it("JSON mapping: a record or a reason, never a throw", () => {
    fc.assert(
      fc.property(json, (text) => {
        const r = gelfToLogRecord(text, ctx, 1);
        if (!r.ok) return check(r.reason !== "", "a reason");
        check(typeof r.record.body === "string", "a body");
        check(RFC3339.test(r.record.time), `RFC 3339 time, got ${r.record.time}`);
        check(["", "stdout", "stderr"].includes(r.record.stream), "a stream");
        for (const v of Object.values(r.record.attributes)) check(typeof v === "string", "string attributes");
      }),
      { numRuns: RUNS },
    );
  });

  it("TCP framing: never throws, never holds more than the cap", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b.map((x) => (x < 40 ? 0 : x)))),
          { maxLength: 20 },
        ),
        (reads) => {
          const f = new NulFramer(50);
          let out = 0;
          for (const data of reads) {
            for (const frame of f.push(data)) out += frame.ok ? frame.bytes.length : 0;
            check(f.pendingBytes <= 50, "framer cap");
          }
          check(out <= reads.reduce((n, r) => n + r.length, 0), "no bytes invented");
        },
      ),
      { numRuns: RUNS },
    );
  });
});
