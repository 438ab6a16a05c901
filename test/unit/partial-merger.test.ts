import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TRUNCATED_ATTRIBUTE } from "../../collector/processors/truncate.ts";
import { type JsonFileLine, parseJsonFileLine } from "../../collector/sources/json-file/json-file-line.ts";
import { PartialMerger, utf8Prefix } from "../../collector/sources/json-file/partial-merger.ts";

const FIXTURES = new URL("../fixtures/docker-json/", import.meta.url);

function fixturePieces(name: string): JsonFileLine[] {
  return readFileSync(new URL(name, FIXTURES), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const r = parseJsonFileLine(l);
      if (!r.ok) throw new Error(r.error);
      return r.line;
    });
}

/** What the fixture containers printed (see test/fixtures/docker-json/SOURCE.md). */
const numbered = (prefix: string, width: number, count: number): string =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(width, "0")}`).join("");

const piece = (log: string, stream = "stdout", time = "2026-11-22T00:00:00Z"): JsonFileLine => ({
  log,
  stream,
  time,
  attrs: {},
});

describe("PartialMerger", () => {
  it("merges docker's real 16 KiB pieces back into the 40 000- and 20 000-char lines", () => {
    const m = new PartialMerger<number>();
    const pieces = fixturePieces("long-line.log");
    const out = pieces.flatMap((p, i) => m.push(p, i) ?? []);
    expect(out.map((r) => r.body)).toEqual([
      "before",
      numbered("", 10, 4000),
      "after",
      numbered("E", 9, 2000),
      "end",
    ]);
    const long = out[1];
    expect(long?.meta).toBe(1); // meta of the first piece
    expect(long?.time).toBe(pieces[1]?.time); // time of the first piece
    expect(long?.truncated).toBe(false);
    expect(out[3]?.stream).toBe("stderr");
    expect(m.pendingCount).toBe(0);
  });

  it("keeps one pending buffer per stream when stdout and stderr pieces interleave", () => {
    const pieces = fixturePieces("interleaved.log");
    // The fixture really interleaves: a stderr piece sits between stdout pieces.
    expect(pieces.map((p) => p.stream[3])).toEqual(["o", "e", "e", "o", "o", "o", "e", "e", "o"]);
    const m = new PartialMerger<number>();
    const out = pieces.flatMap((p, i) => m.push(p, i) ?? []);
    expect(out.map((r) => [r.stream, r.body])).toEqual([
      ["stdout", numbered("O", 9, 5000)],
      ["stderr", numbered("E", 9, 5000)],
      ["stdout", "done"],
    ]);
    expect(out.map((r) => r.meta)).toEqual([0, 1, 8]);
  });

  it("reports the oldest line still waiting for its last piece", () => {
    const m = new PartialMerger<string>();
    expect(m.oldestPending()).toBeUndefined();
    m.push(piece("a", "stdout"), "first");
    m.push(piece("b", "stderr"), "second");
    expect(m.oldestPending()).toBe("first");
    expect(m.push(piece("a2\n", "stdout"), "x")?.body).toBe("aa2");
    expect(m.oldestPending()).toBe("second");
    expect(m.push(piece("\n", "stderr"), "y")?.body).toBe("b");
    expect(m.oldestPending()).toBeUndefined();
  });

  it("cuts a line at maxBytes and marks it truncated instead of growing", () => {
    const m = new PartialMerger<number>({ maxBytes: 10 });
    expect(m.push(piece("abcdefgh"), 0)).toBeUndefined();
    expect(m.push(piece("ijklmnop"), 1)).toBeUndefined();
    expect(m.push(piece("qrstuvwx"), 2)).toBeUndefined();
    const r = m.push(piece("yz\n"), 3);
    expect(r).toMatchObject({ body: "abcdefghij", truncated: true, meta: 0 });
    expect(r?.attrs).toEqual({ [TRUNCATED_ATTRIBUTE]: "true" });
    // The next line starts clean.
    expect(m.push(piece("ok\n"), 4)).toMatchObject({ body: "ok", truncated: false, attrs: {} });
  });

  it("caps the real 40 000-char line at 20 000 bytes", () => {
    const m = new PartialMerger<number>({ maxBytes: 20_000 });
    const out = fixturePieces("long-line.log").flatMap((p, i) => m.push(p, i) ?? []);
    expect(out[1]?.body).toBe(numbered("", 10, 4000).slice(0, 20_000));
    expect(out[1]?.attrs[TRUNCATED_ATTRIBUTE]).toBe("true");
    expect(out[3]?.truncated).toBe(false); // the 20 000-char stderr line fits exactly
  });

  it("caps a single-piece line too, without splitting a UTF-8 character", () => {
    const m = new PartialMerger<number>({ maxBytes: 5 });
    expect(m.push(piece("aé日本\n"), 0)).toMatchObject({ body: "aé", truncated: true });
    expect(utf8Prefix("aé日本", 6)).toBe("aé日");
    expect(utf8Prefix("aé日本", 0)).toBe("");
    expect(utf8Prefix("abc", 10)).toBe("abc");
  });

  it("flushes unfinished lines oldest first", () => {
    const m = new PartialMerger<number>();
    m.push(piece("err-part", "stderr", "t1"), 0);
    m.push(piece("out-part", "stdout", "t2"), 1);
    expect(m.flush().map((r) => [r.stream, r.body, r.time, r.meta])).toEqual([
      ["stderr", "err-part", "t1", 0],
      ["stdout", "out-part", "t2", 1],
    ]);
    expect(m.pendingCount).toBe(0);
  });

  it("passes a short line straight through with its attrs", () => {
    const m = new PartialMerger<number>();
    const r = m.push({ log: "hi\n", stream: "stdout", time: "t", attrs: { app: "x" } }, 7);
    expect(r).toEqual({
      stream: "stdout",
      time: "t",
      body: "hi",
      attrs: { app: "x" },
      truncated: false,
      bytes: 2,
      meta: 7,
    });
  });

  it("knows the size of a line it cut, for fleetscope.truncated_bytes", () => {
    const m = new PartialMerger<number>({ maxBytes: 10 });
    expect(m.push(piece("0123456789abcdef"), 1)).toBeUndefined();
    const r = m.push(piece("ghij\n"), 2);
    expect([r?.body, r?.truncated, r?.bytes]).toEqual(["0123456789", true, 20]);
  });
});
