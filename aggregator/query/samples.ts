import type { Store } from "../store/store.ts";
import { Conditions } from "./conditions.ts";
import { CONTAINER_MATCH, timeWindow, withRfc3339Time } from "./window.ts";

export interface SampleQuery {
  container: string;
  host?: string;
  since?: string;
  until?: string;
  limit: number;
}

/** A container's samples in a window, oldest first (the order a chart wants). */
export async function querySamples(store: Store, q: SampleQuery) {
  const where = new Conditions({ ...timeWindow(q.since, q.until), limit: q.limit })
    .add("time >= {since:DateTime64(3, 'UTC')} AND time <= {until:DateTime64(3, 'UTC')}")
    .add(CONTAINER_MATCH, { container: q.container })
    .when(q.host, "host = {host:String}", { host: q.host });
  const rows = await store.rows<Record<string, unknown> & { time_text: string }>(
    `SELECT toString(time) AS time_text, host, container_id AS containerId, container_name AS containerName, origin,
            cpu_usage_seconds AS cpuUsageSeconds, cpu_user_seconds AS cpuUserSeconds,
            cpu_system_seconds AS cpuSystemSeconds, cpu_cores AS cpuCores,
            memory_usage_bytes AS memoryUsageBytes, memory_working_set_bytes AS memoryWorkingSetBytes,
            memory_rss_bytes AS memoryRssBytes, memory_cache_bytes AS memoryCacheBytes,
            memory_limit_bytes AS memoryLimitBytes, pids,
            blkio_read_bytes AS blkioReadBytes, blkio_write_bytes AS blkioWriteBytes,
            network_rx_bytes AS networkRxBytes, network_tx_bytes AS networkTxBytes
     FROM samples ${where.sql()}
     ORDER BY time ASC LIMIT {limit:UInt32}`,
    where.params,
  );
  // UInt64 arrives as a string (it may exceed 2^53); byte counts here never do.
  return rows.map((r) => {
    const out: Record<string, unknown> = withRfc3339Time(r);
    for (const [k, v] of Object.entries(out))
      if (typeof v === "string" && /^\d+$/.test(v)) out[k] = Number(v);
    return out;
  });
}
