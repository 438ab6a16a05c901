import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isCompletePiece, parseJsonFileLine } from "../../collector/sources/json-file/json-file-line.ts";

const FIXTURES = new URL("../fixtures/docker-json/", import.meta.url);
const fixtureLines = (name: string): string[] =>
  readFileSync(new URL(name, FIXTURES), "utf8")
    .split("\n")
    .filter((l) => l !== "");

describe("parseJsonFileLine", () => {
  it("parses every line docker wrote in the fixtures", () => {
    for (const name of ["basic.log", "attrs.log", "long-line.log", "interleaved.log", "rotated.log"]) {
      for (const text of fixtureLines(name))
        expect(parseJsonFileLine(text).ok, `${name}: ${text.slice(0, 80)}`).toBe(true);
    }
  });

  it("keeps log, stream and the exact time string", () => {
    const [first, second] = fixtureLines("basic.log");
    expect(parseJsonFileLine(first as string)).toEqual({
      ok: true,
      line: { log: "out 1\n", stream: "stdout", time: "2026-11-22T02:22:06.421763957Z", attrs: {} },
    });
    // Go trims trailing zeros of the nanoseconds: kept as written, not re-formatted.
    const r = parseJsonFileLine(second as string);
    expect(r.ok && r.line).toMatchObject({
      stream: "stderr",
      log: "err 1\n",
      time: "2026-11-22T02:22:06.42197853Z",
    });
  });

  it("keeps attrs from --log-opt labels/env and decodes escapes and UTF-8", () => {
    const lines = fixtureLines("attrs.log").map((l) => parseJsonFileLine(l));
    for (const r of lines) expect(r.ok && r.line.attrs).toEqual({ FS_ENV: "x", app: "demo", team: "core" });
    const bodies = lines.map((r) => (r.ok ? r.line.log : ""));
    expect(bodies).toContain('tab\there "quoted" \\ back é ünï 日本\n');
    expect(bodies).toContain("\n");
  });

  it("stringifies non-string attr values instead of dropping them", () => {
    const r = parseJsonFileLine(
      '{"log":"x\\n","stream":"stdout","time":"2026-11-22T02:22:06Z","attrs":{"n":1,"s":"v"}}',
    );
    expect(r.ok && r.line.attrs).toEqual({ n: "1", s: "v" });
  });

  it.each([
    ["truncated JSON", '{"log":"abc\\n","stream":"std'],
    ["not JSON", "hello world"],
    ["an array", '["log"]'],
    ["null", "null"],
    ["missing log", '{"stream":"stdout","time":"2026-11-22T02:22:06Z"}'],
    ["non-string log", '{"log":5,"stream":"stdout","time":"2026-11-22T02:22:06Z"}'],
    ["missing stream", '{"log":"x\\n","time":"2026-11-22T02:22:06Z"}'],
    ["missing time", '{"log":"x\\n","stream":"stdout"}'],
    ["malformed time", '{"log":"x\\n","stream":"stdout","time":"yesterday"}'],
    ["empty", ""],
  ])("returns an error result for %s, without throwing", (_what, text) => {
    const r = parseJsonFileLine(text);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/\S/);
  });

  it("tells a partial piece from a complete line", () => {
    const pieces = fixtureLines("long-line.log").map((l) => parseJsonFileLine(l));
    const complete = pieces.map((r) => r.ok && isCompletePiece(r.line));
    // before, 16 KiB, 16 KiB, rest of the 40 000-char line, after, 16 KiB, rest of the 20 000-char line, end
    expect(complete).toEqual([true, false, false, true, true, false, true, true]);
  });
});
