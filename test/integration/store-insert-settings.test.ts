// Embedded chDB keeps an insert's settings on its one session: an ingest batch's deduplication
// token must not make the next inserts that give none (the detector's incidents, say) look like
// duplicates and vanish. Real chDB on a temp directory.
import { describe, expect, it } from "vitest";
import { useEmbeddedStore } from "../helpers/embedded-store.ts";

const event = (action: string) => ({
  time: new Date().toISOString(),
  host: "settings",
  type: "container",
  action,
  container_id: "c".repeat(64),
  container_name: "c",
  image: "i",
  attributes: {},
});

describe("store inserts on embedded chDB", () => {
  const db = useEmbeddedStore("insert-settings");

  it("stores token-less inserts after a batch inserted with a deduplication token", async () => {
    await db.store.client.insert({
      table: "events",
      values: [event("create")],
      format: "JSONEachRow",
      clickhouse_settings: { insert_deduplication_token: "batch-1", date_time_input_format: "best_effort" },
    });
    for (const action of ["start", "die"])
      await db.store.client.insert({
        table: "events",
        values: [event(action)],
        format: "JSONEachRow",
        clickhouse_settings: { date_time_input_format: "best_effort" },
      });
    const rows = await db.store.rows<{ action: string }>("SELECT action FROM events ORDER BY action");
    expect(rows.map((r) => r.action)).toEqual(["create", "die", "start"]);
  });
});
