// The fluentd forward decoders on bytes captured from Docker 20.10's real fluentd driver
// (test/fixtures/fluentd), and on Forward / PackedForward / CompressedPackedForward frames
// built with @msgpack/msgpack per the forward protocol spec v1 (Docker sends none of those).
import { gzipSync } from "node:zlib";
import { encode } from "@msgpack/msgpack";
import { describe, expect, it } from "vitest";
import { EventTime, fluentdCodec } from "../../collector/receivers/fluentd/event-time.ts";
import { readForwardMessage } from "../../collector/receivers/fluentd/forward-message.ts";
import { MsgpackFrames } from "../../collector/receivers/fluentd/frames.ts";
import { fluentdToLogRecord } from "../../collector/receivers/fluentd/record.ts";
import type { LogRecord } from "../../protocol/records.ts";
import { readCapture } from "../fixtures/gelf/datagrams.ts";
import { FakeInventory } from "../helpers/receiver-context.ts";

const MAX = 1024 * 1024;
const ctx = { host: "vm", inventory: new FakeInventory() };
const fixture = (name: string) => readCapture(`../fluentd/${name}.tcp`);

/** A TCP stream → records and chunk ids, read `readSize` bytes at a time. */
function parseStream(stream: Buffer, readSize = stream.length) {
  const frames = new MsgpackFrames(MAX);
  const records: LogRecord[] = [];
  const chunks: string[] = [];
  for (let at = 0; at < stream.length; at += readSize) {
    const batch = frames.push(stream.subarray(at, at + readSize));
    if (batch.error) throw new Error(batch.error);
    for (const bytes of batch.values) {
      const msg = readForwardMessage(bytes, MAX);
      if (!msg.ok) throw new Error(msg.reason);
      if (msg.chunk) chunks.push(msg.chunk);
      for (const e of msg.events) records.push(fluentdToLogRecord(msg.tag, e, ctx, records.length));
    }
  }
  return { records, chunks, pending: frames.pendingBytes };
}

function expectScriptLines(records: LogRecord[], name: string) {
  const stream = (body: string) => records.find((r) => r.body === body)?.stream;
  expect(records).toHaveLength(10); // the empty line too; the long line in two pieces
  for (const out of ["out 1", "utf8 héllo ✓ tab\tend", "nul \u0000 byte", "", "out last"])
    expect(stream(out), out).toBe("stdout");
  for (const err of ["err 1", "bad utf8 \ufffd\ufffd end", "err 2"]) expect(stream(err), err).toBe("stderr");
  const pieces = records.filter((r) => r.body.length > 1000);
  expect(pieces.map((r) => [r.body.length, r.attributes.partial_ordinal, r.attributes.partial_last])).toEqual(
    [
      [16_384, "1", "false"],
      [7_616, "2", "true"],
    ],
  );
  for (const r of records) {
    expect(r).toMatchObject({ source: "fluentd", containerName: name, severityNumber: 0 });
    expect(r.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(r.attributes.container_id).toBeUndefined(); // became identity
    expect(r.attributes.source).toBeUndefined(); // became the stream
  }
}

describe("fluentd forward from Docker's fluentd driver", () => {
  it("decodes Message mode with integer seconds, in any read size", () => {
    for (const size of [1, 13, 4096, Number.MAX_SAFE_INTEGER]) {
      const { records, pending } = parseStream(fixture("default"), size);
      expectScriptLines(records, "fs-cap-fluentd-default");
      expect(records[0]?.time).toMatch(/^2026-11-22T05:0\d:\d\d\.000000000Z$/);
      expect(records[0]?.identifier).toBe(records[0]?.containerId.slice(0, 12));
      expect(pending).toBe(0);
    }
  });

  it("decodes EventTime (fluentd-sub-second-precision) to the nanosecond", () => {
    const { records } = parseStream(fixture("subsecond"));
    expectScriptLines(records, "fs-cap-fluentd-subsecond");
    expect(records[0]?.time).toMatch(/^2026-11-22T05:0\d:\d\d\.\d{9}Z$/);
    expect(new Set(records.map((r) => r.time)).size).toBeGreaterThan(5);
  });

  it("finds the chunk of every message of fluentd-request-ack (resends included)", () => {
    const { records, chunks } = parseStream(fixture("ack"));
    expect(chunks).toHaveLength(records.length);
    expect(chunks[0]).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    // 10 lines, sent over and over: Docker's stdout and stderr writers read each other's acks.
    expect(new Set(chunks).size).toBe(10);
    expect(records.length).toBeGreaterThan(1000);
  });

  it("reads async the same way, and keeps labels/env as attributes with the tag as identifier", () => {
    expectScriptLines(parseStream(fixture("async")).records, "fs-cap-fluentd-async");
    const { records } = parseStream(fixture("extras"));
    expectScriptLines(records, "fs-cap-fluentd-extras");
    expect(records[0]?.attributes).toMatchObject({ app: "demo", FS_ENV: "x" });
    expect(records[0]?.identifier).toBe("fs-cap-fluentd-extras");
  });
});

describe("fluentd forward modes built per the spec", () => {
  const t = new EventTime(1795323791_123456789n);
  const enc = (v: unknown) => Buffer.from(encode(v, { extensionCodec: fluentdCodec }));
  const packed = Buffer.concat([enc([t, { log: "a" }]), enc([1795323791, { log: "b" }])]);
  const bodies = (bytes: Buffer) => {
    const m = readForwardMessage(bytes, MAX);
    if (!m.ok) throw new Error(m.reason);
    return {
      tag: m.tag,
      chunk: m.chunk,
      bad: m.badEvents,
      events: m.events.map((e) => fluentdToLogRecord(m.tag, e, ctx, 0)),
    };
  };

  it("Forward: [tag, [[time, record]…], option]", () => {
    const m = bodies(
      enc(["app", [[t, { log: "a" }], [1795323791, { message: "b", n: 1 }], "junk"], { chunk: "c1" }]),
    );
    expect(m.events.map((r) => [r.body, r.time, r.attributes])).toEqual([
      ["a", "2026-11-22T05:03:11.123456789Z", {}],
      ["b", "2026-11-22T05:03:11.000000000Z", { n: "1" }],
    ]);
    expect([m.tag, m.chunk, m.bad]).toEqual(["app", "c1", 1]);
  });

  it("PackedForward and CompressedPackedForward", () => {
    expect(bodies(enc(["app", packed])).events.map((r) => r.body)).toEqual(["a", "b"]);
    const gz = bodies(enc(["app", gzipSync(packed), { compressed: "gzip", chunk: "c2" }]));
    expect([gz.events.map((r) => r.body), gz.chunk]).toEqual([["a", "b"], "c2"]);
  });

  it("a record without log or message keeps all of itself as a JSON body", () => {
    expect(bodies(enc(["app", 1, { a: 1, b: [true] }])).events[0]?.body).toBe('{"a":1,"b":[true]}');
  });

  it("rejects what is not a forward message, keeping the chunk to ack", () => {
    expect(readForwardMessage(enc(42), MAX)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/not a forward/),
    });
    expect(readForwardMessage(enc([1, 2, {}]), MAX)).toMatchObject({
      ok: false,
      reason: "tag is not a string",
    });
    expect(readForwardMessage(enc(["t", 1, "x", { chunk: "k" }]), MAX)).toEqual({
      ok: false,
      reason: "record is not a map",
      chunk: "k",
    });
    expect(readForwardMessage(enc(["t", packed, { compressed: "zstd" }]), MAX)).toMatchObject({
      reason: 'unknown compression "zstd"',
    });
  });

  it("stops inflating a gzip bomb at the limit", () => {
    const bomb = enc(["t", gzipSync(Buffer.alloc(16 * 1024 * 1024)), { compressed: "gzip" }]);
    const started = Date.now();
    expect(readForwardMessage(bomb, MAX)).toMatchObject({
      ok: false,
      reason: `gzip entries inflate past the ${MAX}-byte limit`,
    });
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe("msgpack framing of a TCP stream", () => {
  it("refuses a value declaring more than the cap before its bytes arrive", () => {
    const frames = new MsgpackFrames(1000);
    expect(frames.push(Buffer.from([0x92, 0xa1, 0x61, 0xdb, 0xff, 0xff, 0xff, 0xff]))).toEqual({
      values: [],
      error: "message longer than 1000 bytes",
    });
    expect(new MsgpackFrames(1000).push(Buffer.from([0xdd, 0, 1, 0, 0]))).toMatchObject({
      error: "message longer than 1000 bytes",
    });
    expect(new MsgpackFrames(1000).push(Buffer.from([0x01, 0xc1]))).toEqual({
      values: [Buffer.from([0x01])],
      error: "byte 0xc1 starts no msgpack value",
    });
  });
});
