// A record's time the store cannot keep (before 1970: it would never expire; more than a day
// ahead: a wrong clock, and past 2106 the row vanishes; no real date, such as February 30) is
// replaced by the time the record was received, the original kept in `time.original`: the record
// is stored, never refused, and never fails its batch.
import { describe, expect, it } from "vitest";
import { toRow } from "../../aggregator/ingest/to-row.ts";
import { isRecordTime, TIME_ORIGINAL_ATTRIBUTE } from "../../protocol/time.ts";
import { logRecord } from "../helpers/log-record.ts";
import { containerRecord, sampleRecord } from "../helpers/records.ts";

const RECEIVED = "2026-11-30T08:00:00.123Z";

describe("the record time window", () => {
  it.each([
    "2026-11-22T01:00:00Z",
    "2026-01-31T23:59:59.123456789+05:30",
    "2024-02-29T00:00:00Z",
    "2026-11-30T07:59:59Z", // the 29th–31st are decided on the digits too: each month's last days
    "2026-10-31T12:00:00Z",
    "2000-02-29T12:00:00Z",
    "1970-01-01T00:00:00Z",
    "1970-01-01T01:00:00+01:00",
    "2026-12-01T08:00:00.123Z", // a day ahead, to the millisecond
    "2026-12-01T07:00:00-01:00",
  ])("keeps %s", (t) => expect(isRecordTime(t, RECEIVED)).toBe(true));

  it.each([
    "2026-02-30T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2100-02-29T00:00:00Z",
    "2026-04-31T00:00:00Z",
    "2026-11-31T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00+99:00",
    "1969-12-31T23:59:59.999999999Z",
    "1970-01-01T00:30:00+01:00",
    "1960-01-01T00:00:00Z",
    "1901-12-13T20:45:52Z",
    "2026-12-01T08:00:00.124Z",
    "2107-01-01T00:00:00Z",
    "2150-01-01T00:00:00Z",
    "2300-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-00-00T00:00:00Z",
  ])("replaces %s", (t) => expect(isRecordTime(t, RECEIVED)).toBe(false));
});

describe("ingest of a record with a time outside the window", () => {
  it("stores a log line with the received time and its own in time.original", () => {
    const { row, retimed } = toRow(JSON.stringify(logRecord({ time: "2300-01-01T00:00:00Z" })), RECEIVED);
    expect(retimed).toBe(true);
    expect(row.time).toBe(RECEIVED);
    expect(row.attributes).toEqual({ [TIME_ORIGINAL_ATTRIBUTE]: "2300-01-01T00:00:00Z" });
  });

  it("keeps the other attributes and leaves a time inside the window alone", () => {
    const line = logRecord({ time: "2026-02-30T10:00:00Z", attributes: { "syslog.procid": "7" } });
    expect(toRow(JSON.stringify(line), RECEIVED).row.attributes).toEqual({
      "syslog.procid": "7",
      [TIME_ORIGINAL_ATTRIBUTE]: "2026-02-30T10:00:00Z",
    });
    const fine = toRow(JSON.stringify(logRecord({ time: "2026-11-30T07:59:00Z" })), RECEIVED);
    expect(fine).toMatchObject({ retimed: false, row: { time: "2026-11-30T07:59:00Z", attributes: {} } });
  });

  it("gives kinds without attributes the received time", () => {
    for (const r of [
      sampleRecord({ time: "1960-01-01T00:00:00Z" }),
      containerRecord({ time: "2150-06-01T00:00:00Z" }),
    ]) {
      expect(toRow(JSON.stringify(r), RECEIVED)).toMatchObject({ retimed: true, row: { time: RECEIVED } });
    }
  });
});
