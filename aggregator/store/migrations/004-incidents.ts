// Incidents: one row per version of an incident; the newest version (by `updated`)
// wins (ReplacingMergeTree, read with FINAL). Ids are deterministic — derived from the evidence
// — so a restarted or second aggregator re-detecting the same thing writes the same incident.
import type { Migration } from "./migration.ts";

export const incidents: Migration = {
  version: 4,
  name: "incidents",
  statements: [
    `CREATE TABLE IF NOT EXISTS incidents (
      id String,
      time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      updated DateTime64(3, 'UTC'),
      ended Nullable(DateTime64(3, 'UTC')),
      kind LowCardinality(String),
      status LowCardinality(String),
      host LowCardinality(String),
      container_id String,
      container_name LowCardinality(String),
      image LowCardinality(String),
      unit LowCardinality(String),
      count UInt32,
      summary String,
      evidence String CODEC(ZSTD(3))
    ) ENGINE = ReplacingMergeTree(updated)
    ORDER BY id
    TTL toDateTime(time) + INTERVAL 30 DAY`,
  ],
};
