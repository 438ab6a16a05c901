// Property-based fuzzing of the multi-line joiner (fast-check, 100 000 cases): whatever the mix
// of trace-like and ordinary lines over several streams, every line comes out exactly once, in
// its stream's order, and nothing stays held after a flush.
import fc from "fast-check";
import { describe, it } from "vitest";
import { MultilineJoiner } from "../../collector/processors/multiline.ts";
import type { LogRecord } from "../../protocol/records.ts";
import { logRecord } from "../helpers/log-record.ts";

const RUNS = 100_000;
const text = fc.oneof(
  fc.constantFrom(
    'Exception in thread "main" java.lang.RuntimeException: x',
    "\tat A.b(A.java:1)",
    "Caused by: java.io.IOException: y",
    "\t... 3 more",
    "Traceback (most recent call last):",
    '  File "a.py", line 1, in <module>',
    "ValueError: z",
    "panic: boom",
    "",
    "goroutine 1 [running]:",
    "main.main()",
    "\t/app/main.go:9 +0x1d",
    "ERROR failed",
    "ok line",
    "multi\nline",
  ),
  fc.string({ maxLength: 20 }),
);
const input = fc.array(
  fc.record({ text, stream: fc.constantFrom("stdout", "stderr"), container: fc.constantFrom("a", "b", "") }),
  { maxLength: 25 },
);

const rec = (body: string, stream: string, containerId: string): LogRecord =>
  logRecord({ source: "fuzz", stream, body, containerId });

describe("fuzz: multi-line joiner", () => {
  it(`loses, duplicates and reorders nothing (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(input, fc.integer({ min: 1, max: 6 }), fc.nat(1000), (lines, maxLines, lingerStep) => {
        const j = new MultilineJoiner<number>({ lingerMs: 500, maxLines, maxChars: 200 });
        const out = lines.flatMap((l, i) => [
          ...j.push(rec(l.text, l.stream, l.container), i, i * lingerStep),
          ...j.flush(i * lingerStep),
        ]);
        out.push(...j.flush(Number.MAX_SAFE_INTEGER, true));
        if (j.held !== 0 || j.nextDue() !== undefined) return false;
        const tags = out.flatMap((o) => o.tags);
        if (tags.length !== lines.length || new Set(tags).size !== lines.length) return false;
        for (const o of out) {
          if (o.tags.length > Math.max(1, maxLines)) return false;
          // A record's lines are its tags' lines, in order, of one stream.
          if (o.record.body !== o.tags.map((t) => lines[t]?.text).join("\n")) return false;
          if (
            o.tags.some(
              (t, k) => k > 0 && (t <= (o.tags[k - 1] as number) || lines[t]?.stream !== o.record.stream),
            )
          )
            return false;
        }
        // Within a stream, records come out in the order their first lines went in.
        const key = (t: number) => `${lines[t]?.container}/${lines[t]?.stream}`;
        const firsts = out.map((o) => o.tags[0] as number);
        return firsts.every((t, k) => firsts.slice(k + 1).every((u) => key(u) !== key(t) || u > t));
      }),
      { numRuns: RUNS },
    );
  });
});
