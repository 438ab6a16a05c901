// The collector brings every record within what the aggregator accepts before spooling it: a time
// outside the record window becomes the time it was read (the original kept in time.original),
// and attribute maps are cut to the per-record limits, so ingest never refuses what a collector sent.
import { describe, expect, it } from "vitest";
import { ATTRIBUTES_CUT_ATTRIBUTE, boundRecord } from "../../collector/processors/bounds.ts";
import { TRUNCATION_MARKER } from "../../collector/processors/truncate.ts";
import { RECORD_LIMITS } from "../../protocol/records.ts";
import { TIME_ORIGINAL_ATTRIBUTE } from "../../protocol/time.ts";
import { logRecord } from "../helpers/log-record.ts";
import { containerRecord } from "../helpers/records.ts";

const NOW = "2026-11-30T08:00:00.000Z";

describe("record bounds in the collector", () => {
  it.each([
    "2300-01-01T00:00:00Z",
    "1960-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "+275760-09-13T00:00:00Z",
    "2026-11-30 07:00:00Z", // not the record form: the aggregator would refuse the line
  ])("gives a line dated %s the received time and keeps its own", (time) => {
    const r = logRecord({ time, attributes: { "syslog.procid": "1" } });
    expect(boundRecord(r, NOW)).toEqual({ retimed: true, entriesCut: 0 });
    expect(r.time).toBe(NOW);
    expect(r.attributes).toEqual({ "syslog.procid": "1", [TIME_ORIGINAL_ATTRIBUTE]: time });
  });

  it("leaves a record inside every bound as it is", () => {
    const r = logRecord({ time: "2026-11-30T07:59:59.999999999Z", attributes: { a: "b" } });
    const before = structuredClone(r);
    expect(boundRecord(r, NOW)).toEqual({ retimed: false, entriesCut: 0 });
    expect(r).toEqual(before);
  });

  it("cuts long values, leaves out long keys and entries past the limit, and says how many", () => {
    const attributes: Record<string, string> = { long: "v".repeat(RECORD_LIMITS.valueChars + 10) };
    attributes["k".repeat(RECORD_LIMITS.keyChars + 1)] = "x";
    for (let i = 0; i < RECORD_LIMITS.mapEntries + 5; i++) attributes[`a${i}`] = "x";
    const r = logRecord({ time: NOW, attributes });
    const { entriesCut } = boundRecord(r, NOW);
    // 519 entries: the long value and the long key, and the 8 past the first 511 (one is left
    // for the count itself).
    expect(entriesCut).toBe(10);
    expect(Object.keys(r.attributes).length).toBeLessThanOrEqual(RECORD_LIMITS.mapEntries);
    expect(r.attributes[ATTRIBUTES_CUT_ATTRIBUTE]).toBe("10");
    expect(r.attributes.long).toHaveLength(RECORD_LIMITS.valueChars);
    expect(r.attributes.long?.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it("cuts a container's labels the same way", () => {
    const r = containerRecord({ time: NOW, labels: { big: "v".repeat(RECORD_LIMITS.valueChars + 1) } });
    expect(boundRecord(r, NOW).entriesCut).toBe(1);
    expect(r.labels.big).toHaveLength(RECORD_LIMITS.valueChars);
  });
});
