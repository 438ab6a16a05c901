// The process view: one row per process per sample, for "what ran in this container at
// time T" and the host's top processes over a window. Ordered like samples, with the pid last so
// one container's snapshot at one time is a contiguous range. Host processes outside any
// container have container_id ''. cmdline is bounded by the collector (4 KiB).
import type { Migration } from "./migration.ts";

export const processes: Migration = {
  version: 3,
  name: "processes",
  statements: [
    `CREATE TABLE IF NOT EXISTS processes (
      time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      host LowCardinality(String),
      container_id String CODEC(ZSTD(1)),
      container_name LowCardinality(String),
      image LowCardinality(String),
      pid UInt32 CODEC(T64, ZSTD(1)),
      ns_pid UInt32 CODEC(T64, ZSTD(1)),
      ppid UInt32 CODEC(T64, ZSTD(1)),
      uid UInt32 CODEC(T64, ZSTD(1)),
      user LowCardinality(String),
      command LowCardinality(String),
      cmdline String CODEC(ZSTD(3)),
      state LowCardinality(String),
      cpu_percent Float32 CODEC(Gorilla, ZSTD(1)),
      rss_bytes UInt64 CODEC(T64, ZSTD(1)),
      threads UInt32 CODEC(T64, ZSTD(1)),
      start_time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1))
    ) ENGINE = MergeTree
    PARTITION BY toDate(time)
    ORDER BY (host, container_id, time, pid)
    TTL toDateTime(time) + INTERVAL 30 DAY
    SETTINGS non_replicated_deduplication_window = 100000`,
  ],
};
