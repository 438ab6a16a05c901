// Ingest rejects, record by record, a time the store cannot hold: an impossible date or one
// outside DateTime64(9)'s range would fail the whole batch's insert, and the collector would send
// that batch again forever.
import { describe, expect, it } from "vitest";
import { isStorableTime } from "../../aggregator/ingest/storable-time.ts";
import { toRow } from "../../aggregator/ingest/to-row.ts";
import { logRecord } from "../helpers/log-record.ts";

describe("times the store can hold", () => {
  it.each([
    "2026-11-22T01:00:00Z",
    "2026-01-31T23:59:59.123456789+05:30",
    "2024-02-29T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "2262-04-11T23:47:16.854775807Z",
  ])("accepts %s", (t) => expect(isStorableTime(t)).toBe(true));

  it.each([
    "2026-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "1900-01-01T00:00:00+01:00",
    "2262-04-11T23:47:17Z",
    "0000-00-00T00:00:00Z",
  ])("refuses %s", (t) => expect(isStorableTime(t)).toBe(false));

  it("rejects such a record alone, naming the field", () => {
    expect(() => toRow(JSON.stringify(logRecord({ time: "2300-01-01T00:00:00Z" })))).toThrow(
      'field "time" must be a real date and time between 1900-01-01 and 2262-04-11, got "2300-01-01T00:00:00Z"',
    );
  });
});
