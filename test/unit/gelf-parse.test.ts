// The GELF parsers on bytes captured from Docker 20.10's real gelf driver (test/fixtures/gelf).
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ChunkReassembler, isChunk } from "../../collector/receivers/gelf/chunks.ts";
import { gelfToLogRecord } from "../../collector/receivers/gelf/message.ts";
import { NulFramer } from "../../collector/receivers/gelf/nul-framer.ts";
import { decodePayload } from "../../collector/receivers/gelf/payload.ts";
import type { LogRecord } from "../../protocol/records.ts";
import { readCapture, readDatagrams } from "../fixtures/gelf/datagrams.ts";
import { FakeInventory } from "../helpers/receiver-context.ts";

const MAX = 1024 * 1024;
const ctx = { host: "vm", inventory: new FakeInventory() };

/** Datagrams → records, the way the receiver does it, with the encodings seen. */
function parseDatagrams(datagrams: Buffer[], inventory = ctx.inventory) {
  const chunks = new ChunkReassembler();
  const records: LogRecord[] = [];
  const encodings = new Set<string>();
  let chunked = 0;
  for (const d of datagrams) {
    let payload = d;
    if (isChunk(d)) {
      chunked++;
      const r = chunks.add(d, "peer", 0);
      if (r.kind !== "complete") continue;
      payload = r.payload;
    }
    const decoded = decodePayload(payload, MAX);
    if (!decoded.ok) throw new Error(decoded.reason);
    encodings.add(decoded.encoding);
    const r = gelfToLogRecord(decoded.json, { ...ctx, inventory }, records.length);
    if (!r.ok) throw new Error(r.reason);
    records.push(r.record);
  }
  return { records, encodings, chunked, pending: chunks.pendingMessages };
}

const LONG = 24_000;
function expectScriptLines(records: LogRecord[], name: string) {
  const byBody = (b: string) => records.find((r) => r.body === b);
  expect(records).toHaveLength(9); // the empty line is not sent; the long line is two pieces
  for (const out of ["out 1", "utf8 héllo ✓ tab\tend", "nul \u0000 byte", "out last"])
    expect(byBody(out)?.stream, out).toBe("stdout");
  for (const err of ["err 1", "bad utf8 \ufffd\ufffd end", "err 2"])
    expect(byBody(err)?.stream, err).toBe("stderr");
  const pieces = records
    .filter((r) => r.body.length > 1000)
    .map((r) => r.body.length)
    .sort((a, b) => b - a);
  expect(pieces).toEqual([16_384, LONG - 16_384]);
  for (const r of records) {
    expect(r).toMatchObject({
      source: "gelf",
      containerName: name,
      image: "busybox:fleetscope",
      severityNumber: 0,
    });
    expect(r.containerId).toMatch(/^[0-9a-f]{64}$/);
    expect(r.identifier).toBe(r.containerId.slice(0, 12)); // Docker's default tag
    expect(r.time).toMatch(/^2026-11-22T05:0\d:\d\d\.\d{3}000000Z$/);
    expect(r.attributes.command).toMatch(/^sh -c echo "out 1"/); // unknown container: metadata kept
  }
}

describe("GELF from Docker's gelf driver", () => {
  for (const [name, encoding, chunked] of [
    ["gzip", "gzip", 11],
    ["zlib", "zlib", 11],
    ["none", "none", 19],
  ] as const) {
    it(`reassembles and maps UDP ${name}`, () => {
      const r = parseDatagrams(readDatagrams(`udp-${name}`));
      expect(r.encodings).toEqual(new Set([encoding]));
      expect(r.chunked).toBe(chunked);
      expect(r.pending).toBe(0);
      expectScriptLines(r.records, `fs-cap-gelf-${name}`);
    });
  }

  it("reassembles chunks arriving in any order, or twice", () => {
    const datagrams = readDatagrams("udp-gzip");
    const shuffled = [...datagrams].reverse().flatMap((d) => (isChunk(d) ? [d, d] : [d]));
    expectScriptLines(parseDatagrams(shuffled).records, "fs-cap-gelf-gzip");
  });

  it("frames TCP by NUL, however the stream is cut into reads", () => {
    const stream = readCapture("tcp.tcp");
    for (const readSize of [1, 7, 1000, stream.length]) {
      const framer = new NulFramer(MAX);
      const records: LogRecord[] = [];
      for (let at = 0; at < stream.length; at += readSize)
        for (const f of framer.push(stream.subarray(at, at + readSize))) {
          if (!f.ok) throw new Error(f.reason);
          const r = gelfToLogRecord(f.bytes.toString("utf8"), ctx, records.length);
          if (r.ok) records.push(r.record);
        }
      expectScriptLines(records, "fs-cap-gelf-tcp");
      expect(framer.pendingBytes).toBe(0);
    }
  });

  it("keeps labels, env and the tag; drops Docker's metadata when the inventory knows the container", () => {
    const datagrams = readDatagrams("udp-extras");
    const [first] = parseDatagrams(datagrams).records;
    expect(first?.attributes).toMatchObject({ app: "demo", FS_ENV: "x", created: expect.any(String) });
    expect(first?.identifier).toBe("fs-cap-gelf-extras/busybox:fleetscope");
    const id = first?.containerId as string;
    const known = new FakeInventory([{ id, name: "renamed", image: "busybox:fleetscope" }]);
    const { records } = parseDatagrams(datagrams, known);
    expect(records.map((r) => [r.body, r.stream, r.containerName]).sort()).toEqual([
      ["hello extras", "stdout", "renamed"],
      ["oops", "stderr", "renamed"],
    ]);
    expect(Object.keys(records[0]?.attributes ?? {}).sort()).toEqual(["FS_ENV", "app"]);
  });
});

describe("GELF from other senders", () => {
  const map = (m: unknown) => gelfToLogRecord(JSON.stringify(m), ctx, 0, Date.parse("2026-01-01T00:00:00Z"));

  it("maps a real syslog level to an OpenTelemetry severity, and full_message to the body", () => {
    const r = map({
      version: "1.1",
      host: "app1",
      short_message: "short",
      full_message: "full\ntrace",
      level: 4,
      _user: 7,
    });
    expect(r.ok && r.record).toMatchObject({
      body: "full\ntrace",
      severityNumber: 13,
      severityText: "WARN",
      stream: "",
      attributes: { user: "7", "gelf.host": "app1" },
    });
  });

  it("takes now when the timestamp is absent or absurd, and keeps microseconds", () => {
    for (const timestamp of [undefined, "soon", -1, 1e20]) {
      const r = map({ short_message: "x", timestamp });
      expect(r.ok && r.record.time).toBe("2026-01-01T00:00:00.000Z");
    }
    const r = map({ short_message: "x", timestamp: 1795323791.123456 });
    expect(r.ok && r.record.time).toBe("2026-11-22T05:03:11.123456000Z");
  });

  it("rejects what is not a GELF message, saying why", () => {
    expect(gelfToLogRecord("{not json", ctx, 0)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^not JSON/),
    });
    expect(gelfToLogRecord("[1]", ctx, 0)).toEqual({ ok: false, reason: "not a JSON object" });
    expect(map({ level: 3 })).toEqual({ ok: false, reason: "no short_message" });
  });

  it("stops inflating a zip bomb at the limit", () => {
    const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024, " "));
    const started = Date.now();
    expect(decodePayload(bomb, MAX)).toEqual({
      ok: false,
      reason: `gzip message inflates past the ${MAX}-byte limit`,
    });
    expect(Date.now() - started).toBeLessThan(500);
    expect(decodePayload(Buffer.from([0x1f, 0x8b, 1, 2, 3]), MAX)).toMatchObject({ ok: false });
  });
});
