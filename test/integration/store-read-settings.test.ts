// A read's settings belong to that read. Embedded chDB has one session per process and turns a
// query's clickhouse_settings into SETs on it, so they outlived the query and changed every later
// one on it (an insert's format, another read's numbers). Real chDB on a temp directory.
import { describe, expect, it } from "vitest";
import { NUMBERS_UNQUOTED } from "../../aggregator/query/columns.ts";
import { withQueryContext } from "../../aggregator/store/query-context.ts";
import { useEmbeddedStore } from "../helpers/embedded-store.ts";

describe("store reads with settings on embedded chDB", () => {
  const db = useEmbeddedStore("read-settings");

  it("applies a read's settings to that read and leaves the session's as they were", async () => {
    const read = "SELECT toUInt64(5) AS n, getSetting('output_format_json_quote_64bit_integers') AS quoting";
    // chDB answers 64-bit integers unquoted by default (a server quotes them): ask for the other way once.
    const [before] = await db.store.rows<{ n: unknown; quoting: unknown }>(read);
    expect(before).toEqual({ n: 5, quoting: false });
    const [once] = await db.store.rows<{ n: unknown; quoting: unknown }>(read, undefined, {
      output_format_json_quote_64bit_integers: 1,
    });
    expect(once).toEqual({ n: "5", quoting: true });
    const [after] = await db.store.rows<{ n: unknown; quoting: unknown }>(read);
    expect(after).toEqual({ n: 5, quoting: false });
    // Nor did the setting stay on the session the client's inserts and reads use.
    const rs = await db.store.client.query({ query: read, format: "JSONEachRow" });
    expect(await rs.json()).toEqual([{ n: 5, quoting: false }]);
  });

  it("runs a read with settings inside a limited API request: both sets apply to the one query", async () => {
    const rows = await withQueryContext({ signal: new AbortController().signal, limited: true }, () =>
      db.store.rows<{ n: unknown; timeout: unknown; memory: unknown }>(
        "SELECT toUInt64(7) AS n, getSetting('max_execution_time') AS timeout, getSetting('max_memory_usage') AS memory",
        undefined,
        NUMBERS_UNQUOTED,
      ),
    );
    const { timeoutMs, memoryBytes } = db.store.queryLimits;
    expect(rows).toEqual([{ n: 7, timeout: timeoutMs / 1000, memory: Math.floor(memoryBytes) }]);
  });
});
