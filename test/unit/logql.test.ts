// LogQL parsing with Grafana's grammar into the subset fleetscope answers, the errors for the rest
// (worded as Loki's), and Loki's ways of writing a time.
import { describe, expect, it } from "vitest";
import { timestamp } from "../../aggregator/api/routes/loki.ts";
import { LABEL_COLUMNS, streamLabels } from "../../aggregator/query/logql.ts";
import { LogqlError, matchesEmpty, parseLogql } from "../../aggregator/query/logql-parse.ts";

const errorOf = (q: string) => {
  try {
    parseLogql(q);
  } catch (err) {
    if (err instanceof LogqlError) return err.message;
    throw err;
  }
  throw new Error(`${q} parsed`);
};

describe("parseLogql", () => {
  it("takes every matcher operator and chained line filters, quoted or raw strings", () => {
    expect(
      parseLogql(
        '{host="a", container=~"w.*", image!="x", unit!~"cron.*"} |= "err" != `x\\n` |~ "a|b" !~ "c"',
      ),
    ).toEqual({
      kind: "logs",
      selector: {
        matchers: [
          { label: "host", op: "=", value: "a" },
          { label: "container", op: "=~", value: "w.*" },
          { label: "image", op: "!=", value: "x" },
          { label: "unit", op: "!~", value: "cron.*" },
        ],
        filters: [
          { op: "|=", value: "err" },
          { op: "!=", value: "x\\n" },
          { op: "|~", value: "a|b" },
          { op: "!~", value: "c" },
        ],
      },
    });
  });

  it("decodes Go escapes in double-quoted strings", () => {
    const q = parseLogql('{host="a\\tb\\"c\\\\d"}');
    expect(q.kind === "logs" && q.selector.matchers[0]?.value).toBe('a\tb"c\\d');
  });

  it("evaluates Grafana's health check expression and constant arithmetic", () => {
    expect(parseLogql("vector(1)+vector(1)")).toEqual({ kind: "constant", value: 2, vector: true });
    expect(parseLogql("(vector(1) + 2) * 3")).toEqual({ kind: "constant", value: 9, vector: true });
    expect(parseLogql("1 - 3")).toEqual({ kind: "constant", value: -2, vector: false });
  });

  it("refuses what it does not answer with a Loki-style parse error naming the place", () => {
    expect(errorOf('{app="a"} | json | n > 5')).toMatch(
      /^parse error at line 1, col 18: the stage "\| n > 5" is not supported/,
    );
    expect(errorOf('{app="a"} |= "x" or "y"')).toMatch(/^parse error at line 1, col 11: the line filter/);
    expect(errorOf('avg(rate({app="a"}[1m]))')).toMatch(/^parse error at line 1, col 1: .* is not supported/);
    expect(errorOf('sum without (host) (rate({app="a"}[1m]))')).toMatch(/is not supported/);
    expect(errorOf('count_over_time({app="a"}[1m] offset 5m)')).toMatch(/is not supported/);
    expect(errorOf('{app="a"} | drop host')).toMatch(/the stage "\| drop host" is not supported/);
    expect(errorOf('{app="a"}\n| line_format "x"')).toMatch(/^parse error at line 2, col 1:/);
  });

  it("takes range functions, sum/count by labels, and Grafana's volume query with its drop __error__", () => {
    expect(
      parseLogql(
        'sum by (level, detected_level) (count_over_time({app="a"} |= "x" | drop __error__[1m30s]))',
      ),
    ).toEqual({
      kind: "metric",
      fn: "count_over_time",
      selector: {
        matchers: [{ label: "app", op: "=", value: "a" }],
        filters: [{ op: "|=", value: "x" }],
        dropsError: true,
      },
      rangeNs: 90_000_000_000n,
      aggregate: { op: "sum", by: ["level", "detected_level"] },
    });
    const after = parseLogql('count(bytes_rate({app="a"}[250ms])) by (host)');
    expect(after).toMatchObject({
      fn: "bytes_rate",
      rangeNs: 250_000_000n,
      aggregate: { op: "count", by: ["host"] },
    });
    expect(parseLogql('rate({app="a"}[5m])')).not.toHaveProperty("aggregate");
  });

  it("takes | json and | logfmt, each label filter reading the parser before it or a stream label", () => {
    const q = parseLogql('{app="a"} | level="x" | logfmt | status=~"5.." |= "x" | json | msg!="y"');
    expect(q.kind === "logs" && q.selector).toEqual({
      matchers: [{ label: "app", op: "=", value: "a" }],
      filters: [{ op: "|=", value: "x" }],
      labelFilters: [
        { label: "level", op: "=", value: "x" },
        { label: "status", op: "=~", value: "5..", parser: "logfmt" },
        { label: "msg", op: "!=", value: "y", parser: "json" },
      ],
      parser: "json",
    });
    expect(errorOf('{app="a"} | logfmt --strict')).toMatch(/is not supported/);
    expect(errorOf('{app="a"} | json a="b"')).toMatch(/is not supported/);
  });

  it("reports syntax errors at their place, and an empty query", () => {
    expect(errorOf("{a=}")).toBe('parse error at line 1, col 4: syntax error: unexpected "}"');
    expect(errorOf("   ")).toBe("parse error : syntax error: unexpected $end");
    expect(errorOf(`{a="${"x".repeat(5001)}"}`)).toMatch(/longer than 5000 characters/);
  });

  it("needs one matcher that an empty label does not meet, as Loki does", () => {
    expect(errorOf('{app=~".*"}')).toMatch(
      /^parse error : queries require at least one regexp or equality matcher/,
    );
    expect(errorOf('{app=""}')).toMatch(/queries require/);
    expect(parseLogql('{app=~".*", host="h"}').kind).toBe("logs");
    expect(matchesEmpty({ label: "a", op: "!~", value: ".+" })).toBe(true);
    expect(matchesEmpty({ label: "a", op: "=~", value: ".+" })).toBe(false);
  });
});

describe("Loki labels", () => {
  it("maps the labels people type to columns, severity as level", () => {
    expect(LABEL_COLUMNS.container).toBe("container_name");
    expect(LABEL_COLUMNS.severity).toBe(LABEL_COLUMNS.level);
    expect(streamLabels({ host: "h", container: "", level: "error", severity: "error" })).toEqual({
      host: "h",
      level: "error",
    });
  });
});

describe("timestamp (Loki's parseTimestamp)", () => {
  const def = 7n;
  it("reads 10 digits or fewer as seconds, more as nanoseconds, a fraction as seconds to the millisecond", () => {
    expect(timestamp("t", "4000000000", def)).toBe(4_000_000_000_000_000_000n);
    expect(timestamp("t", "1700000000123456789", def)).toBe(1_700_000_000_123_456_789n);
    expect(timestamp("t", "1700000000.5", def)).toBe(1_700_000_000_500_000_000n);
    expect(timestamp("t", "", def)).toBe(def);
    expect(timestamp("t", undefined, def)).toBe(def);
  });

  it("reads RFC 3339 to the nanosecond and refuses anything else", () => {
    expect(timestamp("t", "2026-11-30T18:00:00.123456789Z", def)).toBe(1_796_061_600_123_456_789n);
    expect(timestamp("t", "2026-11-30T19:00:00+01:00", def)).toBe(1_796_061_600_000_000_000n);
    expect(() => timestamp("start", "yesterday", def)).toThrow(
      'invalid parameter "start": cannot parse "yesterday"',
    );
  });
});
