import { describe, expect, it } from "vitest";
import { wholeTokens } from "../../aggregator/query/logs.ts";
import { nanosToRfc3339, parseDuration, parseTimeArg } from "../../protocol/time.ts";

describe("time arguments", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  it("parses relative, absolute and now", () => {
    expect(parseTimeArg("15m", now)?.toISOString()).toBe("2026-11-22T11:45:00.000Z");
    expect(parseTimeArg("2d", now)?.toISOString()).toBe("2026-11-20T12:00:00.000Z");
    expect(parseTimeArg("2026-11-22T01:02:03.5Z", now)?.toISOString()).toBe("2026-11-22T01:02:03.500Z");
    expect(parseTimeArg("now", now)?.getTime()).toBe(now);
  });
  it("refuses what it cannot read", () => {
    expect(parseTimeArg("yesterday", now)).toBeUndefined();
    expect(parseTimeArg("2026-13-45T00:00:00Z", now)).toBeUndefined();
    expect(parseDuration("10 parsecs")).toBeUndefined();
    expect(parseDuration("500ms")).toBe(500);
  });
  it("keeps all nine fractional digits of a nanosecond timestamp", () => {
    expect(nanosToRfc3339(1795314616757000123n)).toBe("2026-11-22T02:30:16.757000123Z");
  });
});

describe("text search tokens", () => {
  it("uses only words with a separator on both sides inside the query", () => {
    expect(wholeTokens("ERROR")).toEqual([]);
    expect(wholeTokens("disk full on /dev/sda1 now")).toEqual(["full", "on", "dev", "sda1"]);
    expect(wholeTokens(" timeout ")).toEqual(["timeout"]);
  });
});
