// The cAdvisor-parity sample fields and the machine view of hosts. Every new column has a
// default (0, empty), so rows from older collectors and rows stored before this migration read
// as "not reported". Per-interface and per-device stats are arrays of named tuples: typed and
// compressed like the other columns, queryable with arrayJoin/arraySum, and they round-trip
// through JSONEachRow as arrays of objects (input_format_json_named_tuples_as_objects).
import type { Migration } from "./migration.ts";

const COUNTER = "UInt64 CODEC(DoubleDelta, ZSTD(1))";
const GAUGE = "UInt64 CODEC(T64, ZSTD(1))";
const SMALL_GAUGE = "UInt32 CODEC(T64, ZSTD(1))";
const SECONDS = "Float64 CODEC(Gorilla, ZSTD(1))";

const SAMPLE_COLUMNS: [string, string][] = [
  ["cpu_periods", COUNTER],
  ["cpu_throttled_periods", COUNTER],
  ["cpu_throttled_seconds", SECONDS],
  ["memory_swap_bytes", GAUGE],
  ["memory_mapped_file_bytes", GAUGE],
  ["memory_max_usage_bytes", GAUGE],
  ["memory_failcnt", COUNTER],
  ["memory_reservation_bytes", GAUGE],
  ["oom_kills", COUNTER],
  ["threads", SMALL_GAUGE],
  ["file_descriptors", SMALL_GAUGE],
  ["network_rx_packets", COUNTER],
  ["network_tx_packets", COUNTER],
  ["network_rx_errors", COUNTER],
  ["network_tx_errors", COUNTER],
  ["network_rx_dropped", COUNTER],
  ["network_tx_dropped", COUNTER],
  ["blkio_reads", COUNTER],
  ["blkio_writes", COUNTER],
  [
    "interfaces",
    `Array(Tuple(name LowCardinality(String), rx_bytes UInt64, tx_bytes UInt64, rx_packets UInt64,
      tx_packets UInt64, rx_errors UInt64, tx_errors UInt64, rx_dropped UInt64, tx_dropped UInt64)) CODEC(ZSTD(1))`,
  ],
  [
    "devices",
    `Array(Tuple(device LowCardinality(String), major UInt32, minor UInt32, read_bytes UInt64,
      write_bytes UInt64, reads UInt64, writes UInt64)) CODEC(ZSTD(1))`,
  ],
];

const HOST_COLUMNS: [string, string][] = [
  ["hostname", "LowCardinality(String)"],
  ["os", "LowCardinality(String)"],
  ["swap_bytes", "UInt64"],
  ["uptime_seconds", "Float64"],
  ["load1", "Float32"],
  ["load5", "Float32"],
  ["load15", "Float32"],
  ["cpu_busy_cores", "Float32"],
  ["memory_available_bytes", "UInt64"],
  ["labels", "Map(LowCardinality(String), String)"],
  [
    "filesystems",
    `Array(Tuple(device String, mountpoint String, type LowCardinality(String), capacity_bytes UInt64,
      available_bytes UInt64, inodes UInt64)) CODEC(ZSTD(1))`,
  ],
  ["interfaces", "Array(Tuple(name String, mac String, speed_mbps UInt32, mtu UInt32)) CODEC(ZSTD(1))"],
];

const addColumns = (table: string, columns: [string, string][]) =>
  `ALTER TABLE ${table} ${columns.map(([name, type]) => `ADD COLUMN IF NOT EXISTS ${name} ${type}`).join(", ")}`;

export const machineAndCadvisorFields: Migration = {
  version: 2,
  name: "machine-and-cadvisor-fields",
  statements: [addColumns("samples", SAMPLE_COLUMNS), addColumns("hosts", HOST_COLUMNS)],
};
