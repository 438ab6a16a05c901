// Property-based fuzzing of what the pipeline does to every log line: severity, structured
// fields, the size limit and safe rendering (100 000 cases each), plus hand-picked adversarial
// inputs for the regular expressions (no catastrophic backtracking).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderSafe } from "../../client/render-safe.ts";
import { enrichLog } from "../../collector/processors/enrich.ts";
import { severityFromText } from "../../collector/processors/severity.ts";
import { parseStructured } from "../../collector/processors/structured.ts";
import type { LogRecord } from "../../protocol/records.ts";
import { logRecord } from "../helpers/log-record.ts";

/** C0 (but tab and newline), DEL, C1 and bidi overrides: what a terminal acts on. */
const hasControls = (s: string) =>
  [...s].some((c) => {
    const k = c.charCodeAt(0);
    return (k < 0x20 && k !== 9 && k !== 10) || (k >= 0x7f && k <= 0x9f) || (k >= 0x202a && k <= 0x202e);
  });
const RUNS = 100_000;
const LEVELS = new Set([0, 1, 5, 9, 13, 17, 21]);
const LIMITS = { maxFields: 8, maxKeyLength: 16, maxValueLength: 32, maxLineLength: 2048 };
const word = fc.constantFrom(
  "level",
  "lvl",
  "=",
  '"',
  "\\",
  " ",
  "ERROR",
  "[warn]",
  "{",
  "}",
  ":",
  ",",
  "W1122",
  "panic: ",
  "\n",
  "\u0000",
  "é",
  "\ud800",
  "a.b",
  "__proto__",
);
/** Lines assembled from the tokens the parsers look for, so the interesting paths are hit often. */
const tokenLine = fc.array(word, { maxLength: 30 }).map((w) => w.join(""));
const line = fc.oneof(
  tokenLine,
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc
    .dictionary(fc.string({ maxLength: 20 }), fc.string({ unit: "binary", maxLength: 40 }), { maxKeys: 20 })
    .map((d) =>
      Object.entries(d)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(" "),
    ),
);

const record = (body: string): LogRecord =>
  logRecord({ source: "fuzz", stream: "stderr", body, attributes: { "fleetscope.truncated_bytes": "" } });

describe("fuzz: log enrichment", () => {
  it(`severity is one of the OpenTelemetry range starts or unknown (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(line, (s) => LEVELS.has(severityFromText(s)?.number ?? 0)),
      { numRuns: RUNS },
    );
  });

  it(`structured fields stay within their caps (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(line, (s) => {
        const f = parseStructured(s, LIMITS);
        if (!f) return true;
        const entries = Object.entries(f);
        return (
          entries.length <= LIMITS.maxFields + 1 &&
          entries.every(
            ([k, v]) =>
              typeof v === "string" &&
              k.length <= LIMITS.maxKeyLength + 10 &&
              v.length <= LIMITS.maxValueLength,
          )
        );
      }),
      { numRuns: RUNS },
    );
  });

  it(`an enriched record is valid UTF-8 within the size limit (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(line, fc.integer({ min: 40, max: 400 }), (s, max) => {
        const r = record(s);
        enrichLog(r, { maxLineBytes: max, structured: LIMITS });
        return (
          Buffer.byteLength(r.body) <= max &&
          r.body.isWellFormed() &&
          LEVELS.has(r.severityNumber) &&
          Object.values(r.attributes).every((v) => typeof v === "string")
        );
      }),
      { numRuns: RUNS },
    );
  });

  it(`renders nothing a terminal would act on (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(line, (s) => !hasControls(renderSafe(s))),
      { numRuns: RUNS },
    );
  });

  it("stays fast on adversarial lines (no catastrophic backtracking)", () => {
    const evil = [
      "level=".repeat(50_000),
      " ".repeat(200_000),
      "[".repeat(100_000),
      `{${'"a":'.repeat(30_000)}`,
      `${"a=1 ".repeat(30_000)}b="${"\\".repeat(30_000)}`,
      "W1122 ".repeat(40_000),
      "error".repeat(40_000),
    ];
    for (const body of evil) {
      const t0 = performance.now();
      enrichLog(record(body), { maxLineBytes: 1024 * 1024 });
      expect(performance.now() - t0).toBeLessThan(200);
    }
  });
});
