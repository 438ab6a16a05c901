// The first schema. ORDER BY keys serve the queries that must be fast: a container's last lines
// and samples before a time (host, container_id, time), a host's events in a window (host, time).
// Low-cardinality strings are dictionary-encoded; times are delta-coded. The batch id of every
// insert is its deduplication token, so a replayed batch is dropped by the table itself
// (non_replicated_deduplication_window keeps the last N tokens per table).
import type { Migration } from "./migration.ts";

const DEDUP = "SETTINGS non_replicated_deduplication_window = 100000";
const TTL = "TTL toDateTime(time) + INTERVAL 30 DAY";

export const initial: Migration = {
  version: 1,
  name: "initial",
  statements: [
    `CREATE TABLE IF NOT EXISTS logs (
      time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
      host LowCardinality(String),
      source LowCardinality(String),
      container_id String CODEC(ZSTD(1)),
      container_name LowCardinality(String),
      image LowCardinality(String),
      stream LowCardinality(String),
      unit LowCardinality(String),
      identifier LowCardinality(String),
      pid UInt32,
      severity_number UInt8,
      severity_text LowCardinality(String),
      body String CODEC(ZSTD(1)),
      attributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
      seq UInt64,
      INDEX body_text body TYPE text(tokenizer = splitByNonAlpha, preprocessor = lower(body))
    ) ENGINE = MergeTree
    PARTITION BY toDate(time)
    ORDER BY (host, container_id, time, seq)
    ${TTL} ${DEDUP}`,
    `CREATE TABLE IF NOT EXISTS samples (
      time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      host LowCardinality(String),
      container_id String CODEC(ZSTD(1)),
      container_name LowCardinality(String),
      image LowCardinality(String),
      origin LowCardinality(String),
      cpu_usage_seconds Float64 CODEC(Gorilla, ZSTD(1)),
      cpu_user_seconds Float64 CODEC(Gorilla, ZSTD(1)),
      cpu_system_seconds Float64 CODEC(Gorilla, ZSTD(1)),
      cpu_cores Float32 CODEC(Gorilla, ZSTD(1)),
      memory_usage_bytes UInt64 CODEC(T64, ZSTD(1)),
      memory_working_set_bytes UInt64 CODEC(T64, ZSTD(1)),
      memory_rss_bytes UInt64 CODEC(T64, ZSTD(1)),
      memory_cache_bytes UInt64 CODEC(T64, ZSTD(1)),
      memory_limit_bytes UInt64 CODEC(T64, ZSTD(1)),
      pids UInt32 CODEC(T64, ZSTD(1)),
      blkio_read_bytes UInt64 CODEC(DoubleDelta, ZSTD(1)),
      blkio_write_bytes UInt64 CODEC(DoubleDelta, ZSTD(1)),
      network_rx_bytes UInt64 CODEC(DoubleDelta, ZSTD(1)),
      network_tx_bytes UInt64 CODEC(DoubleDelta, ZSTD(1))
    ) ENGINE = MergeTree
    PARTITION BY toDate(time)
    ORDER BY (host, container_id, time)
    ${TTL} ${DEDUP}`,
    `CREATE TABLE IF NOT EXISTS events (
      time DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
      host LowCardinality(String),
      type LowCardinality(String),
      action LowCardinality(String),
      container_id String CODEC(ZSTD(1)),
      container_name LowCardinality(String),
      image LowCardinality(String),
      exit_code Nullable(Int32),
      attributes Map(LowCardinality(String), String) CODEC(ZSTD(1))
    ) ENGINE = MergeTree
    PARTITION BY toDate(time)
    ORDER BY (host, time, container_id)
    ${TTL} ${DEDUP}`,
    // Inventory snapshots; the API folds them per container (argMax by time). Kept past `docker rm`.
    `CREATE TABLE IF NOT EXISTS containers (
      time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      host LowCardinality(String),
      container_id String,
      container_name LowCardinality(String),
      image LowCardinality(String),
      created String,
      state LowCardinality(String),
      exit_code Nullable(Int32),
      oom_killed Bool,
      log_driver LowCardinality(String),
      labels Map(LowCardinality(String), String),
      memory_limit_bytes UInt64,
      cpu_limit_cores Float32,
      restart_policy LowCardinality(String)
    ) ENGINE = MergeTree
    ORDER BY (host, container_id, time)
    ${TTL} ${DEDUP}`,
    `CREATE TABLE IF NOT EXISTS hosts (
      time DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
      host LowCardinality(String),
      collector_id String,
      collector_version LowCardinality(String),
      boot_id String,
      machine_id String,
      kernel LowCardinality(String),
      cpu_cores UInt16,
      memory_bytes UInt64
    ) ENGINE = MergeTree
    ORDER BY (host, time)
    ${TTL} ${DEDUP}`,
  ],
};
