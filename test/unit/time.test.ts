import { describe, expect, it } from "vitest";
import { wholeTokens } from "../../aggregator/query/logs.ts";
import {
  counted,
  humanDuration,
  nanosToRfc3339,
  parseDuration,
  parseTimeNanos,
  rfc3339ToNanos,
  TimeArgError,
} from "../../protocol/time.ts";

const AGGREGATOR = new URL("../../aggregator/", import.meta.url).pathname;

describe("time arguments", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  const rfc = (v: string) => nanosToRfc3339(parseTimeNanos(v, now));
  const refusal = (v: string) => {
    try {
      parseTimeNanos(v, now);
    } catch (err) {
      if (err instanceof TimeArgError) return err.message;
      throw err;
    }
    throw new Error(`${v} was accepted`);
  };

  it("parses relative, absolute and now", () => {
    expect(rfc("15m")).toBe("2026-11-22T11:45:00.000000000Z");
    expect(rfc("2d")).toBe("2026-11-20T12:00:00.000000000Z");
    expect(rfc("1.5ms")).toBe("2026-11-22T11:59:59.998500000Z");
    expect(rfc("2026-11-22T01:02:03.5Z")).toBe("2026-11-22T01:02:03.500000000Z");
    expect(rfc("2026-11-22")).toBe("2026-11-22T00:00:00.000000000Z");
    expect(rfc("2026-11-22 01:02")).toBe("2026-11-22T01:02:00.000000000Z");
    expect(rfc("2026-11-22T03:02:03+02:00")).toBe("2026-11-22T01:02:03.000000000Z");
    expect(rfc("now")).toBe("2026-11-22T12:00:00.000000000Z");
  });

  it("keeps every one of nine fractional digits, which a Date cannot", () => {
    expect(rfc("2026-11-22T02:50:50.783724798Z")).toBe("2026-11-22T02:50:50.783724798Z");
    const a = parseTimeNanos("2026-11-22T02:50:50.783724798Z");
    const b = parseTimeNanos("2026-11-22T02:50:50.783724797Z");
    expect(a - b).toBe(1n);
    expect(rfc3339ToNanos("2026-11-22T02:50:50.000000001Z")).toBe(1795315850000000001n);
  });

  it("accepts the store's whole range and refuses what is outside it", () => {
    expect(rfc("1900-01-01T00:00:00Z")).toBe("1900-01-01T00:00:00.000000000Z");
    expect(rfc("1969-12-31T23:59:59.999999999Z")).toBe("1969-12-31T23:59:59.999999999Z");
    expect(rfc("2262-04-11T23:47:16.854775807Z")).toBe("2262-04-11T23:47:16.854775807Z");
    for (const v of [
      "1899-12-31T23:59:59.999999999Z",
      "2262-04-11T23:47:16.854775808Z",
      "9999-01-01",
      "99999999d",
    ])
      expect(refusal(v)).toMatch(/outside the times the store can hold \(1900-01-01.* to 2262-04-11/);
    expect(refusal(`1${"0".repeat(400)}d`)).toMatch(/further than any time/);
  });

  it("refuses impossible dates and what it cannot read, saying why", () => {
    expect(refusal("2026-02-30T00:00:00Z")).toBe("is not a date: February 2026 has 28 days");
    expect(rfc("2028-02-29T00:00:00Z")).toBe("2028-02-29T00:00:00.000000000Z");
    expect(refusal("2026-13-01T00:00:00Z")).toBe("has month 13; months are 01 to 12");
    expect(refusal("2026-11-22T24:00:00Z")).toMatch(/hour 24/);
    expect(refusal("2026-11-22T02:00:00.1234567891Z")).toMatch(/10 fractional digits/);
    expect(refusal("2026-11-22T02:00:00+25:00")).toMatch(/zone offset/);
    expect(refusal("yesterday")).toMatch(/neither RFC 3339/);
    expect(parseDuration("10 parsecs")).toBeUndefined();
    expect(parseDuration("500ms")).toBe(500);
  });

  it("keeps all nine fractional digits of a nanosecond timestamp, before 1970 too", () => {
    expect(nanosToRfc3339(1795314616757000123n)).toBe("2026-11-22T02:30:16.757000123Z");
    expect(nanosToRfc3339(-1n)).toBe("1969-12-31T23:59:59.999999999Z");
  });

  it("no query compares the store with a millisecond time parameter", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const files = (await readdir(AGGREGATOR, { recursive: true })).filter((f) => f.endsWith(".ts"));
    const offenders: string[] = [];
    for (const f of files) {
      const text = await readFile(`${AGGREGATOR}${f}`, "utf8");
      for (const m of text.matchAll(/\{\w+:(?:Nullable\()?DateTime64\((\d)/g))
        if (m[1] !== "9") offenders.push(`${f}: ${m[0]}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe("wording", () => {
  it("formats spans with milliseconds under a second and counts with plurals", () => {
    expect(humanDuration(30)).toBe("30 ms");
    expect(humanDuration(4500)).toBe("4.5 s");
    expect(humanDuration(10_000)).toBe("10 s");
    expect(humanDuration(-1200)).toBe("-1.2 s");
    expect(humanDuration(12 * 60_000)).toBe("12 min");
    expect(humanDuration(5 * 3600_000)).toBe("5 h");
    expect(humanDuration(3 * 86400_000)).toBe("3 d");
    expect(counted(1, "start")).toBe("1 start");
    expect(counted(0, "start")).toBe("0 starts");
    expect(counted(2, "sample")).toBe("2 samples");
  });
});

describe("text search tokens", () => {
  it("uses only words with a separator on both sides inside the query", () => {
    expect(wholeTokens("ERROR")).toEqual([]);
    expect(wholeTokens("disk full on /dev/sda1 now")).toEqual(["full", "on", "dev", "sda1"]);
    expect(wholeTokens(" timeout ")).toEqual(["timeout"]);
  });
});
