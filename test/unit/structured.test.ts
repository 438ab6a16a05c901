import { describe, expect, it } from "vitest";
import { enrichLog } from "../../collector/processors/enrich.ts";
import { FIELDS_DROPPED_ATTRIBUTE, parseStructured } from "../../collector/processors/structured.ts";
import { producerLine } from "../helpers/producer-lines.ts";

const LIMITS = { maxFields: 4, maxKeyLength: 8, maxValueLength: 5, maxLineLength: 200 };

describe("structured lines keep their fields as attributes", () => {
  it("flattens a real JSON line with dotted keys", () => {
    const r = producerLine('{"level":"warn"');
    r.attributes = { app: "demo" }; // json-file `attrs` (labels) stay and win
    enrichLog(r, { maxLineBytes: 1024 });
    expect({ ...r.attributes }).toEqual({
      app: "demo",
      level: "warn",
      msg: "slow request",
      "http.status": "503",
      "http.path": "/api",
      took_ms: "1234",
    });
  });

  it("reads a real logfmt line, quoted values unescaped", () => {
    expect({ ...parseStructured(producerLine("time=2026").body) }).toEqual({
      time: "2026-11-22T02:22:03Z",
      lvl: "dbug",
      msg: "cache miss",
      key: "abc",
    });
    expect({ ...parseStructured('a=1 b="x \\"y\\" z"') }).toEqual({ a: "1", b: 'x "y" z' });
  });

  it("leaves prose, single pairs and broken lines alone", () => {
    for (const body of [
      "INFO server listening on :8080",
      "level=error something broke", // one pair and prose: severity only (severity.test.ts)
      "a=1",
      'a=1 b="unterminated',
      "{not json}",
      "[1,2,3]",
      '{"a":1} trailing',
      "",
    ])
      expect(parseStructured(body)).toBeUndefined();
  });

  it("caps fields, key and value lengths, and says how many were dropped", () => {
    const fields = parseStructured(
      JSON.stringify({ a: "123456789", b: 1, averyveryverylongkey: 2, c: [1, 2], d: null, e: { f: true } }),
      LIMITS,
    );
    expect({ ...fields }).toEqual({
      a: "12345",
      b: "1",
      c: "[1,2]",
      d: "null",
      [FIELDS_DROPPED_ATTRIBUTE]: "2",
    });
    expect(parseStructured(`{"a":"${"x".repeat(300)}"}`, LIMITS)).toBeUndefined();
  });

  it("does not let a line forge the collector's attributes or an object's prototype", () => {
    const fields = parseStructured('{"fleetscope.truncated_bytes":"1","__proto__":{"x":"1"},"ok":"y"}');
    expect(fields?.["fleetscope.truncated_bytes"]).toBeUndefined();
    expect(fields?.["__proto__.x"]).toBe("1");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("flattens deep nesting only so far, keeping the rest as JSON text", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 20; i++) deep = { k: deep };
    const fields = parseStructured(JSON.stringify(deep));
    const [key, value] = Object.entries(fields ?? {})[0] ?? [];
    expect(key?.split(".")).toHaveLength(9); // 8 levels flattened, the 9th key holds the rest
    expect(value?.startsWith('{"k":')).toBe(true);
  });
});
