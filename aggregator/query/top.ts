// Top containers over a window, as sysdig's topcontainers_cpu / _net / _file chisels rank them,
// computed in ClickHouse from the samples' cumulative counters.
import type { TopBy, TopContainer, TopQuery } from "../../protocol/api/top.ts";
import type { Store } from "../store/store.ts";
import { isCurrent, newestPerHost } from "./liveness.ts";
import { scopedConditions } from "./scope.ts";
import { timeWindow } from "./window.ts";

// Fixed fragments chosen by the validated `by`; no user text reaches the SQL.
const ORDER: Record<TopBy, string> = {
  cpu: "cpuCores",
  memory: "memoryWorkingSetBytes",
  network: "networkBytesPerSecond",
  io: "ioBytesPerSecond",
};

/** Growth of a cumulative counter over the window, never negative (a restarted cgroup starts at 0). */
const delta = (expr: string) =>
  `greatest(0, toFloat64(argMax(${expr}, time)) - toFloat64(argMin(${expr}, time)))`;

/**
 * One row per container with samples in the window, sorted by the chosen metric:
 * - cpuCores: mean cores used, i.e. CPU seconds consumed / seconds between the first and last sample
 *   (the time-weighted mean of the samples' cpuCores); a lone sample gives its own cpuCores;
 * - memoryWorkingSetBytes: the largest working set seen;
 * - networkBytesPerSecond: received + transmitted bytes per second over the samples' span;
 * - ioBytesPerSecond: block bytes read + written per second over the samples' span.
 * Only containers running at the window's end rank (see isCurrent): one that died or was removed
 * before it used nothing since, and its last rates would keep it on top.
 */
export async function topContainers(store: Store, q: TopQuery): Promise<TopContainer[]> {
  const where = scopedConditions(timeWindow(q.since, q.until, "5m"))
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .add("container_id != ''")
    .when(q.host, "host = {host:String}", { host: q.host });
  const [rows, states] = await Promise.all([
    store.rows<Record<string, unknown>>(
      `SELECT host, container_id AS id, argMax(container_name, time) AS name, argMax(image, time) AS image,
            count() AS samples, toUnixTimestamp64Milli(max(time)) AS newestMs,
            toUnixTimestamp64Milli({until:DateTime64(9, 'UTC')}) - toUnixTimestamp64Milli({since:DateTime64(9, 'UTC')}) AS windowMs,
            (toUnixTimestamp64Milli(max(time)) - toUnixTimestamp64Milli(min(time))) / 1000 AS spanSeconds,
            if(spanSeconds > 0, ${delta("cpu_usage_seconds")} / spanSeconds, avg(cpu_cores)) AS cpuCores,
            max(memory_working_set_bytes) AS memoryWorkingSetBytes,
            if(spanSeconds > 0, ${delta("network_rx_bytes + network_tx_bytes")} / spanSeconds, 0) AS networkBytesPerSecond,
            if(spanSeconds > 0, ${delta("blkio_read_bytes + blkio_write_bytes")} / spanSeconds, 0) AS ioBytesPerSecond
     FROM samples ${where.sql()}
     GROUP BY host, container_id
     ORDER BY ${ORDER[q.by]} DESC, host, id`,
      where.params,
    ),
    statesAtEnd(store, where.params, q.host),
  ]);
  const hostNewest = newestPerHost(rows.map((r) => ({ host: r.host, newestMs: Number(r.newestMs) })));
  const current = rows.filter((r) =>
    isCurrent(
      states.get(`${r.host}\u0000${r.id}`),
      { newestMs: Number(r.newestMs), samples: Number(r.samples), spanSeconds: Number(r.spanSeconds) },
      hostNewest.get(String(r.host)) ?? 0,
      Number(r.windowMs),
    ),
  );
  const round = (v: unknown, digits: number) => Math.round(Number(v) * 10 ** digits) / 10 ** digits;
  return current.slice(0, q.limit).map((r) => ({
    host: String(r.host),
    id: String(r.id),
    name: String(r.name),
    image: String(r.image),
    samples: Number(r.samples),
    spanSeconds: round(r.spanSeconds, 3),
    cpuCores: round(r.cpuCores, 4),
    memoryWorkingSetBytes: Number(r.memoryWorkingSetBytes),
    networkBytesPerSecond: round(r.networkBytesPerSecond, 1),
    ioBytesPerSecond: round(r.ioBytesPerSecond, 1),
  }));
}

/**
 * Each container's inventory state as of the window's end. A running container's snapshot is
 * renewed every minute, so looking two minutes before the window's start finds every container
 * sampled in it that the inventory knows.
 */
async function statesAtEnd(store: Store, window: Record<string, unknown>, host?: string) {
  const where = scopedConditions({ since: window.since, until: window.until })
    .add("time >= {since:DateTime64(9, 'UTC')} - INTERVAL 2 MINUTE AND time <= {until:DateTime64(9, 'UTC')}")
    .when(host, "host = {host:String}", { host });
  const rows = await store.rows<{ host: string; id: string; state: string }>(
    `SELECT host, container_id AS id, argMax(state, time) AS state FROM containers ${where.sql()}
     GROUP BY host, container_id`,
    where.params,
  );
  return new Map(rows.map((r) => [`${r.host}\u0000${r.id}`, r.state]));
}
