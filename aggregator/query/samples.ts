import type { Store } from "../store/store.ts";
import { camelize } from "./camelize.ts";
import { Conditions } from "./conditions.ts";
import { narrowToKnownContainer } from "./containers.ts";
import { CONTAINER_MATCH, timeWindow, withRfc3339Time } from "./window.ts";

export interface SampleQuery {
  container: string;
  host?: string;
  since?: string;
  until?: string;
  limit: number;
}

/** Every samples column but time, answered in camelCase (SampleRecord's field names). */
export const SAMPLE_COLUMNS = [
  "host",
  "container_id",
  "container_name",
  "image",
  "origin",
  "cpu_usage_seconds",
  "cpu_user_seconds",
  "cpu_system_seconds",
  "cpu_cores",
  "cpu_periods",
  "cpu_throttled_periods",
  "cpu_throttled_seconds",
  "memory_usage_bytes",
  "memory_working_set_bytes",
  "memory_rss_bytes",
  "memory_cache_bytes",
  "memory_limit_bytes",
  "memory_swap_bytes",
  "memory_mapped_file_bytes",
  "memory_max_usage_bytes",
  "memory_failcnt",
  "memory_reservation_bytes",
  "oom_kills",
  "pids",
  "threads",
  "file_descriptors",
  "blkio_read_bytes",
  "blkio_write_bytes",
  "blkio_reads",
  "blkio_writes",
  "network_rx_bytes",
  "network_tx_bytes",
  "network_rx_packets",
  "network_tx_packets",
  "network_rx_errors",
  "network_tx_errors",
  "network_rx_dropped",
  "network_tx_dropped",
  "interfaces",
  "devices",
];

/** A container's samples in a window, oldest first (the order a chart wants). */
export async function querySamples(store: Store, q: SampleQuery) {
  const where = new Conditions({ ...timeWindow(q.since, q.until), limit: q.limit })
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .add(CONTAINER_MATCH, { container: q.container })
    .when(q.host, "host = {host:String}", { host: q.host });
  await narrowToKnownContainer(store, where, q.container, q.host);
  const rows = await store.rows<Record<string, unknown> & { time_text: string }>(
    `SELECT toString(time) AS time_text, ${SAMPLE_COLUMNS.join(", ")}
     FROM samples ${where.sql()}
     ORDER BY time ASC LIMIT {limit:UInt32}`,
    where.params,
  );
  return rows.map((r) => camelize(withRfc3339Time(r)) as Record<string, unknown>);
}
