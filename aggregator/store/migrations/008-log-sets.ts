// Log sets: every stored row carries the log set of the ingest token that sent it (or, for an
// incident, of the rows it was built from); a read token limited to log sets sees only theirs.
// Rows stored before this migration, and anything an admin sends, are in 'default'. The column
// is not in the sort keys (those cannot change in place); a set index lets a scoped read skip the
// granules of other log sets, and the host clause a scope may add uses the sort key's first column.
import type { Migration } from "./migration.ts";

const DATA_TABLES = ["logs", "samples", "events", "containers", "hosts", "processes", "incidents"];

export const logSets: Migration = {
  version: 8,
  name: "log-sets",
  statements: DATA_TABLES.flatMap((table) => [
    `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS log_set LowCardinality(String) DEFAULT 'default'`,
    `ALTER TABLE ${table} ADD INDEX IF NOT EXISTS log_set_index log_set TYPE set(256) GRANULARITY 4`,
  ]),
};
