// The Docker logs stream parser (local driver source): frames split anywhere give the same lines;
// garbage never throws; pieces of a long line are joined and capped (fast-check, 100 000 cases).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  readLocalCursor,
  toSince,
} from "../../collector/sources/docker-local-logs/docker-local-logs-source.ts";
import { LogStreamParser } from "../../collector/sources/docker-local-logs/log-stream.ts";

const RUNS = 100_000;
const TIME = "2026-11-22T05:01:57.343414948Z";

function frame(stream: number, payload: string | Buffer): Buffer {
  const body = Buffer.from(payload);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

const message = fc.record({
  stream: fc.constantFrom(1, 2),
  text: fc.string({ maxLength: 30 }),
  last: fc.boolean(),
});

describe("LogStreamParser", () => {
  it("reads docker's frames, joins a long line's pieces and caps it", () => {
    const p = new LogStreamParser({ maxLineBytes: 8 });
    const lines = p.push(
      Buffer.concat([
        frame(1, `${TIME} hello\n`),
        frame(2, `${TIME} abcdef`),
        frame(1, `${TIME} é\n`),
        frame(2, `${TIME} ghijkl\n`),
      ]),
    );
    expect(lines).toEqual([
      { stream: "stdout", time: TIME, body: "hello", truncated: false, bytes: 5 },
      { stream: "stdout", time: TIME, body: "é", truncated: false, bytes: 2 },
      { stream: "stderr", time: TIME, body: "abcdefgh", truncated: true, bytes: 12 },
    ]);
    expect(new LogStreamParser({ tty: true }).push(Buffer.from(`${TIME} a tty line\r\n`))[0]?.body).toBe(
      "a tty line",
    );
  });

  it("turns a timestamp into Docker's `since` and refuses bad cursors", () => {
    expect(toSince(TIME)).toBe("1795323717.343414948");
    expect(toSince("2026-11-22T05:01:57Z")).toBe("1795323717.000000000");
    expect(
      readLocalCursor({ a: { time: TIME, n: 2 }, b: { time: "x", n: 1 }, c: { time: TIME, n: -1 }, d: null }),
    ).toEqual({
      a: { time: TIME, n: 2 },
    });
  });

  it(`gives the same lines however the stream is cut (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 8 }),
        fc.array(fc.nat(400), { maxLength: 6 }),
        (msgs, cuts) => {
          const bytes = Buffer.concat(
            msgs.map((m) => frame(m.stream, `${TIME} ${m.text}${m.last ? "\n" : ""}`)),
          );
          const whole = new LogStreamParser({ maxLineBytes: 40 });
          const expected = [...whole.push(bytes), ...whole.end()];
          const cut = new LogStreamParser({ maxLineBytes: 40 });
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const got = [];
          let from = 0;
          for (const at of [...points, bytes.length]) {
            got.push(...cut.push(bytes.subarray(from, at)));
            from = at;
          }
          got.push(...cut.end());
          return (
            JSON.stringify(got) === JSON.stringify(expected) &&
            expected.length ===
              msgs.filter((m) => m.last).length +
                new Set(
                  msgs
                    .filter(
                      (m, i) => !m.last && !msgs.slice(i + 1).some((n) => n.stream === m.stream && n.last),
                    )
                    .map((m) => m.stream),
                ).size &&
            got.every((l) => Buffer.byteLength(l.body) <= 40)
          );
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`never throws on garbage and counts what it skipped (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (bytes, tty) => {
        const p = new LogStreamParser({ tty });
        const lines = [...p.push(Buffer.from(bytes)), ...p.end()];
        return lines.every((l) => typeof l.body === "string") && p.malformed >= 0;
      }),
      { numRuns: RUNS },
    );
  });
});
