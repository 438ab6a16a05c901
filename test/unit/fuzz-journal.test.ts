// Property-based fuzzing of the journal entry parser (fast-check, 100 000 cases): any object
// journalctl could print, or a hostile client could put in the journal, maps to a well-formed
// LogRecord without throwing.
import fc from "fast-check";
import { describe, it } from "vitest";
import { journalEntryToLogRecord } from "../../collector/sources/journald/journal-entry.ts";

const RUNS = 100_000;
const FIELDS = [
  "MESSAGE",
  "PRIORITY",
  "__CURSOR",
  "__REALTIME_TIMESTAMP",
  "__SEQNUM",
  "_PID",
  "_SYSTEMD_UNIT",
  "SYSLOG_IDENTIFIER",
  "CONTAINER_ID_FULL",
  "CONTAINER_NAME",
  "IMAGE_NAME",
  "CONTAINER_PARTIAL_MESSAGE",
  "_BOOT_ID",
];
/** What journalctl prints for a value: a string, a byte array, null, or an array of those. */
const value = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 30 }),
  fc.array(fc.integer({ min: -300, max: 300 }), { maxLength: 5 }),
  fc.constant(null),
  fc.constantFrom(
    "0",
    "3",
    "6",
    "7",
    "8",
    "-1",
    "1763778123000000",
    "99999999999999999999",
    "s=a;i=1f;b=c",
    "s=a;i=ffffffffffffffff",
  ),
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.array(fc.nat(255), { maxLength: 4 }), fc.constant(null))),
  fc.jsonValue({ maxDepth: 2 }),
);
const entry = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })), value, {
  maxKeys: 12,
});

describe("fuzz: journal entry parser", () => {
  it(`maps any entry to a well-formed record (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(entry, (e) => {
        const r = journalEntryToLogRecord(e, "h", () => "2026-11-22T00:00:00Z");
        const strings = [r.body, r.containerId, r.containerName, r.image, r.stream, r.unit, r.identifier];
        return (
          /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(r.time) &&
          strings.every((s) => typeof s === "string") &&
          Number.isInteger(r.pid) &&
          r.pid >= 0 &&
          r.pid <= 0xffffffff &&
          Number.isSafeInteger(r.seq) &&
          r.severityNumber >= 0 &&
          r.severityNumber <= 24 &&
          Object.values(r.attributes).every((v) => typeof v === "string")
        );
      }),
      { numRuns: RUNS },
    );
  });
});
