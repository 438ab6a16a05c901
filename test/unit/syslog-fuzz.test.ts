// Property-based fuzzing of the syslog parsers and the TCP framer: whatever arrives, nothing
// throws or hangs, output stays bounded, and malformed input is rejected (counted by the caller).
// FLEETSCOPE_FUZZ_RUNS sets the cases per property (100k by default; a bench run can go higher).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SyslogFramer } from "../../collector/receivers/syslog/framer.ts";
import { parseSyslog } from "../../collector/receivers/syslog/message.ts";
import { MAX_SD_PARAMS } from "../../collector/receivers/syslog/structured-data.ts";
import { toLogRecord } from "../../collector/receivers/syslog/to-record.ts";

const RUNS = Number(process.env.FLEETSCOPE_FUZZ_RUNS ?? 100_000);
const NOW = new Date("2026-11-22T05:00:00Z");
const MAX_LINE = 200;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3,9}Z$/;

/** Text from syslog's own alphabet (so the parsers get past their first checks) and anything else. */
const piece = fc.oneof(
  fc.constantFrom(
    "<",
    ">",
    "[",
    "]",
    '"',
    "\\",
    "=",
    " ",
    "-",
    "1 ",
    ":",
    "\n",
    "\0",
    "\uFEFF",
    "\uFFFD",
    "é",
  ),
  fc.integer({ min: 0, max: 300 }).map(String),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: "binary", maxLength: 8 }),
);
const junk = fc.array(piece, { maxLength: 12 }).map((p) => p.join(""));
const field = fc.oneof(fc.constant("-"), junk, fc.stringMatching(/^[!-~]{1,12}$/));
const sdElement = fc
  .tuple(field, fc.array(fc.tuple(field, junk), { maxLength: 3 }))
  .map(([id, ps]) => `[${id}${ps.map(([k, v]) => ` ${k}="${v}"`).join("")}]`);
const sd = fc.oneof(
  fc.constant("-"),
  fc.array(sdElement, { minLength: 1, maxLength: 3 }).map((e) => e.join("")),
  junk,
);
const pri = fc.oneof(
  fc.integer({ min: 0, max: 200 }).map((n) => `<${n}>`),
  junk,
);
const time5424 = fc.oneof(
  fc.date({ min: new Date(0), max: new Date("2100-01-01"), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constant("-"),
  junk,
);
const rfc5424 = fc
  .tuple(pri, fc.constantFrom("1 ", "1", "2 "), time5424, field, field, field, field, sd, junk)
  .map(([p, v, ...rest]) => `${p}${v}${rest.join(" ")}`);
const stamp3164 = fc
  .tuple(
    fc.constantFrom("Jan", "Feb", "Nov", "Dec", "Xyz"),
    fc.integer({ min: 0, max: 40 }),
    fc.integer({ min: 0, max: 70 }),
  )
  .map(([m, d, s]) => `${m} ${String(d).padStart(2, " ")} 12:34:${String(s).padStart(2, "0")}`);
const rfc3164 = fc
  .tuple(pri, fc.oneof(stamp3164, time5424, junk), field, fc.tuple(field, fc.option(fc.nat(99999))), junk)
  .map(([p, t, host, [tag, pid], msg]) => `${p}${t} ${host} ${tag}${pid === null ? "" : `[${pid}]`}: ${msg}`);
const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 300 }), junk);

/** A cheap assertion for the hot loop (vitest's expect costs more than the parsers). */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

function checkParse(text: string, tally: { ok: number; rejected: number }): void {
  const r = parseSyslog(text, NOW);
  if (!r.ok) {
    check(typeof r.reason === "string" && r.reason !== "", "rejected without a reason");
    tally.rejected++;
    return;
  }
  tally.ok++;
  const m = r.message;
  check(m.message.length <= text.length, "message longer than its input");
  check(m.facility >= 0 && m.facility <= 23 && m.severity >= 0 && m.severity <= 7, "PRI out of range");
  check(Object.keys(m.structuredData).length <= MAX_SD_PARAMS, "too many SD params");
  check(m.time === undefined || RFC3339.test(m.time), `bad time ${m.time}`);
  const rec = toLogRecord({ message: m, truncated: false, invalidUtf8: false }, undefined, {
    host: "h",
    maxLineBytes: MAX_LINE,
    receivedAt: NOW,
    seq: 0,
  });
  check(Buffer.byteLength(rec.body) <= MAX_LINE, "body over the line limit");
  check(/^\d{4}-\d{2}-\d{2}T/.test(rec.time), `bad record time ${rec.time}`);
}

// Generated messages must be both accepted and rejected (the generators aim at both sides of
// the grammar); arbitrary text is mostly rejected, and may by chance never parse.
describe.each([
  ["RFC 5424", rfc5424, true],
  ["RFC 3164", rfc3164, true],
  ["any text", anyText, false],
] as const)("fuzzing the syslog parser with %s", (_name, arbitrary, bothSides) => {
  it(`never throws and keeps output bounded (${RUNS} cases)`, () => {
    const tally = { ok: 0, rejected: 0 };
    fc.assert(
      fc.property(arbitrary, (text) => checkParse(text, tally)),
      { numRuns: RUNS },
    );
    expect(tally.ok + tally.rejected).toBe(RUNS);
    if (bothSides) expect(Math.min(tally.ok, tally.rejected)).toBeGreaterThan(0);
  });
});

/** A byte stream of octet-counted frames, lines and garbage. */
const streamPart = fc.oneof(
  fc.string({ maxLength: 40 }).map((s) => `${Buffer.byteLength(s) + 1} <${s}\n`),
  fc.string({ maxLength: 40 }).map((s) => `<${s}\n`),
  fc.integer({ min: 0, max: 2000 }).map((n) => `${n} <`),
  fc.constantFrom("\n", "\r\n", " ", "<", "0 <", "123"),
  fc.string({ unit: "binary", maxLength: 60 }),
);
const stream = fc.tuple(fc.array(streamPart, { maxLength: 20 }), fc.array(fc.nat(80), { maxLength: 10 }));
const MAX_FRAME = 64;

function feed(bytes: Buffer, cuts: number[]) {
  const framer = new SyslogFramer(MAX_FRAME);
  const frames: string[] = [];
  let fatal: string | undefined;
  let at = 0;
  for (const end of [...cuts.map((c) => Math.min(c, bytes.length)).sort((a, b) => a - b), bytes.length]) {
    const out = framer.push(bytes.subarray(at, Math.max(at, end)));
    at = Math.max(at, end);
    for (const f of out.frames) {
      check(f.bytes.length <= MAX_FRAME, "frame over the maximum");
      frames.push(f.bytes.toString("latin1"));
    }
    check(framer.buffered <= MAX_FRAME + 2 + 11, "framer holds more than one frame");
    fatal ??= out.fatal;
    if (fatal) break;
  }
  if (!fatal) frames.push(...framer.end().frames.map((f) => f.bytes.toString("latin1")));
  return { frames, fatal };
}

describe("fuzzing the syslog TCP framer", () => {
  it(`frames any stream the same however it is split, within bounded memory (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(stream, ([parts, cuts]) => {
        const bytes = Buffer.from(parts.join(""), "utf8");
        const whole = feed(bytes, []);
        const split = feed(bytes, cuts);
        expect(split).toEqual(whole);
        const total = whole.frames.reduce((n, f) => n + f.length, 0);
        expect(total).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: RUNS },
    );
  });
});
