// Property-based fuzzing of the json-file line parser and the 16 KiB partial merger (fast-check,
// 100 000 cases each): no throw, no hang, only well-typed results, nothing lost or reordered.
import fc from "fast-check";
import { describe, it } from "vitest";
import { type JsonFileLine, parseJsonFileLine } from "../../collector/sources/json-file/json-file-line.ts";
import { PartialMerger } from "../../collector/sources/json-file/partial-merger.ts";

const RUNS = 100_000;
const time = fc.oneof(
  fc.constant("2026-11-22T02:22:06.421763957Z"),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 40 }),
);
/** Records shaped like docker's, with every field sometimes missing or of the wrong type. */
const recordish = fc
  .record(
    {
      log: fc.oneof(fc.string({ unit: "binary", maxLength: 60 }), fc.jsonValue({ maxDepth: 2 })),
      stream: fc.oneof(fc.constantFrom("stdout", "stderr"), fc.jsonValue({ maxDepth: 1 })),
      time: fc.oneof(time, fc.jsonValue({ maxDepth: 1 })),
      attrs: fc.oneof(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
        fc.jsonValue({ maxDepth: 2 }),
      ),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o));
const garbled = recordish.chain((s) =>
  fc
    .tuple(fc.nat(s.length), fc.nat(8), fc.string({ maxLength: 4 }))
    .map(([at, cut, ins]) => s.slice(0, at) + ins + s.slice(at + cut)),
);

describe("fuzz: json-file line parser", () => {
  it(`never throws and returns only well-typed lines (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.oneof(recordish, garbled, fc.string({ unit: "binary" }), fc.json()), (text) => {
        const r = parseJsonFileLine(text);
        if (!r.ok) return typeof r.error === "string" && r.error.length > 0;
        const { log, stream, time: t, attrs } = r.line;
        return (
          typeof log === "string" &&
          typeof stream === "string" &&
          /^\d{4}-\d\d-\d\dT/.test(t) &&
          Object.values(attrs).every((v) => typeof v === "string")
        );
      }),
      { numRuns: RUNS },
    );
  });
});

const piece: fc.Arbitrary<JsonFileLine> = fc.record({
  log: fc
    .tuple(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("é", "日本語", "🙂x")), fc.boolean())
    .map(([s, end]) => (end ? `${s}\n` : s)),
  stream: fc.constantFrom("stdout", "stderr", "x"),
  time: fc.constant("2026-11-22T00:00:00Z"),
  attrs: fc.constant({}),
});

describe("fuzz: partial merger", () => {
  it(`puts every stream's pieces back together, within the byte cap (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.integer({ min: 1, max: 40 }), (pieces, maxBytes) => {
        const m = new PartialMerger<number>({ maxBytes });
        const out = pieces.flatMap((p, i) => m.push(p, i) ?? []);
        const all = [...out, ...m.flush()];
        // One line per final piece, plus one per stream left unfinished; none pending after flush.
        if (m.pendingCount !== 0 || out.length !== pieces.filter((p) => p.log.endsWith("\n")).length)
          return false;
        for (const line of all) {
          const bytes = Buffer.byteLength(line.body);
          if (bytes > maxBytes || line.bytes < bytes || line.truncated !== line.bytes > bytes) return false;
          // An untruncated line is exactly one line its stream wrote.
          const text = pieces
            .filter((p) => p.stream === line.stream)
            .map((p) => p.log)
            .join("");
          if (!line.truncated && !text.split("\n").includes(line.body)) return false;
        }
        return true;
      }),
      { numRuns: RUNS },
    );
  });
});
