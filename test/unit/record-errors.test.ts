// Whatever one record holds, mapping it either succeeds or throws that record's RecordError with a
// reason: a value nested thousands deep in any field, a prototype key, a kind that is no kind. An
// error of any other type would fail the whole batch (a 500 the collector retries forever).
import { describe, expect, it } from "vitest";
import { RecordError, toRow } from "../../aggregator/ingest/to-row.ts";
import { RECORD_SCHEMAS } from "../../protocol/records.ts";

const nested = (depth: number, open: string, close: string) =>
  `${open.repeat(depth)}"x"${close.repeat(depth)}`;
const DEEP = {
  object: nested(10_000, '{"a":', "}"),
  array: nested(10_000, "[", "]"),
};

/** The outcome of mapping `line`: "stored", or the RecordError's message; anything else is thrown. */
function outcome(line: string): string {
  try {
    toRow(line);
    return "stored";
  } catch (err) {
    if (err instanceof RecordError) return err.message;
    throw err;
  }
}

describe("one bad record is that record's error", () => {
  for (const [kind, schema] of Object.entries(RECORD_SCHEMAS)) {
    const fields = [...Object.keys(schema.properties), "extra"];
    it.each(fields)(`a ${kind} record with %s nested 10,000 deep`, (field) => {
      for (const deep of Object.values(DEEP)) {
        const line = `{"kind":"${kind}","time":"2026-01-01T00:00:00Z","${field}":${deep}}`;
        expect(outcome(line)).not.toBe("stored");
      }
    });
  }

  it.each([
    [
      "a kind named __proto__",
      '{"kind":"__proto__"}',
      /^unknown record kind "__proto__"; expected one of log, /,
    ],
    ["a kind named constructor", '{"kind":"constructor"}', /^unknown record kind "constructor"/],
    ["a __proto__ key holding the kind", '{"__proto__":{"kind":"log"}}', /^unknown record kind undefined/],
    ["a kind nested 10,000 objects deep", `{"kind":${DEEP.object}}`, /^unknown record kind an object/],
    ["a kind nested 10,000 arrays deep", `{"kind":${DEEP.array}}`, /^unknown record kind an array/],
    ["a __proto__ key of null", '{"kind":"log","__proto__":null}', /^field "time" must be a string/],
  ])("%s → its reason", (_, line, reason) => {
    expect(outcome(line)).toMatch(reason);
  });
});
