import type { SampleRow, SamplesQuery } from "../../protocol/api/containers.ts";
import type { Store } from "../store/store.ts";
import { NUMBERS_UNQUOTED, renamedTuples } from "./columns.ts";
import { type KnownContainer, narrowTo, narrowToKnownContainer } from "./containers.ts";
import { scopedConditions } from "./scope.ts";
import { CONTAINER_MATCH, oldestFirst, timeWindow, withRfc3339Time } from "./window.ts";

/** A container's samples: GET /api/v1/containers/{container}/samples's parameters. */
export type SampleQuery = SamplesQuery & { container: string };

const INTERFACE_ELEMENTS =
  "name String, rxBytes UInt64, txBytes UInt64, rxPackets UInt64, txPackets UInt64, rxErrors UInt64, txErrors UInt64, rxDropped UInt64, txDropped UInt64";
const DEVICE_ELEMENTS =
  "device String, major UInt32, minor UInt32, readBytes UInt64, writeBytes UInt64, reads UInt64, writes UInt64";

/** Every samples column but time, as SampleRecord names them (see columns.ts). */
export const SAMPLE_FIELDS = `
  host, container_id AS containerId, container_name AS containerName, image, origin,
  cpu_usage_seconds AS cpuUsageSeconds, cpu_user_seconds AS cpuUserSeconds,
  cpu_system_seconds AS cpuSystemSeconds, cpu_cores AS cpuCores, cpu_periods AS cpuPeriods,
  cpu_throttled_periods AS cpuThrottledPeriods, cpu_throttled_seconds AS cpuThrottledSeconds,
  memory_usage_bytes AS memoryUsageBytes, memory_working_set_bytes AS memoryWorkingSetBytes,
  memory_rss_bytes AS memoryRssBytes, memory_cache_bytes AS memoryCacheBytes,
  memory_limit_bytes AS memoryLimitBytes, memory_swap_bytes AS memorySwapBytes,
  memory_mapped_file_bytes AS memoryMappedFileBytes, memory_max_usage_bytes AS memoryMaxUsageBytes,
  memory_failcnt AS memoryFailcnt, memory_reservation_bytes AS memoryReservationBytes,
  oom_kills AS oomKills, pids, threads, file_descriptors AS fileDescriptors,
  blkio_read_bytes AS blkioReadBytes, blkio_write_bytes AS blkioWriteBytes, blkio_reads AS blkioReads,
  blkio_writes AS blkioWrites, network_rx_bytes AS networkRxBytes, network_tx_bytes AS networkTxBytes,
  network_rx_packets AS networkRxPackets, network_tx_packets AS networkTxPackets,
  network_rx_errors AS networkRxErrors, network_tx_errors AS networkTxErrors,
  network_rx_dropped AS networkRxDropped, network_tx_dropped AS networkTxDropped,
  fs_device AS fsDevice, fs_usage_bytes AS fsUsageBytes, fs_limit_bytes AS fsLimitBytes, fs_inodes AS fsInodes,
  ${renamedTuples("interfaces", INTERFACE_ELEMENTS)} AS interfaces,
  ${renamedTuples("devices", DEVICE_ELEMENTS)} AS devices`;

/**
 * A container's samples in a window, oldest first (the order a chart wants): the newest `limit`
 * of them when there are more, so a chart of a long window ends now. `known`: its hosts and ids
 * when the caller has them from the store already.
 */
export async function querySamples(
  store: Store,
  q: SampleQuery,
  known?: KnownContainer,
): Promise<SampleRow[]> {
  const where = scopedConditions({ ...timeWindow(q.since, q.until), limit: q.limit })
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .add(CONTAINER_MATCH, { container: q.container })
    .when(q.host, "host = {host:String}", { host: q.host });
  if (known) narrowTo(where, known);
  else await narrowToKnownContainer(store, where, q.container, q.host);
  const rows = await store.rows<Omit<SampleRow, "time"> & { time_text: string }>(
    oldestFirst(
      `SELECT toString(time) AS time_text, ${SAMPLE_FIELDS}
       FROM samples ${where.sql()}
       ORDER BY time DESC LIMIT {limit:UInt32}`,
    ),
    where.params,
    NUMBERS_UNQUOTED,
  );
  return rows.map(withRfc3339Time);
}
