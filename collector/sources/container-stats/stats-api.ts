import type Dockerode from "dockerode";
import type { InterfaceStats } from "../../../protocol/records.ts";
import { type CgroupStats, emptyStats, workingSet } from "../../cgroup/stats.ts";

// The fallback when a container's cgroup cannot be read: Docker's stats API, ~1–2 s per call.
/** Maps a Docker stats API answer (v1 or v2 daemon) to our counters. */
export function statsFromDockerApi(s: Dockerode.ContainerStats): {
  stats: CgroupStats;
  rxBytes: number;
  txBytes: number;
  interfaces: InterfaceStats[];
} {
  const stats = emptyStats();
  const cpu = s.cpu_stats?.cpu_usage;
  stats.cpuUsageSeconds = (cpu?.total_usage ?? 0) / 1e9;
  stats.cpuUserSeconds = (cpu?.usage_in_usermode ?? 0) / 1e9;
  stats.cpuSystemSeconds = (cpu?.usage_in_kernelmode ?? 0) / 1e9;
  const mem = (s.memory_stats?.stats ?? {}) as Record<string, number | undefined>;
  stats.memoryUsageBytes = s.memory_stats?.usage ?? 0;
  // v1 daemons report total_* keys, v2 ones the kernel's anon/file/inactive_file.
  stats.memoryWorkingSetBytes = workingSet(
    stats.memoryUsageBytes,
    mem.total_inactive_file ?? mem.inactive_file ?? 0,
  );
  stats.memoryRssBytes = mem.total_rss ?? mem.anon ?? mem.rss ?? 0;
  stats.memoryCacheBytes = mem.total_cache ?? mem.file ?? mem.cache ?? 0;
  // memory_stats.limit is the host's RAM when there is no limit, so the caller uses the inventory's.
  stats.pids = s.pids_stats?.current ?? 0;
  for (const e of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === "read") stats.blkioReadBytes += e.value;
    else if (op === "write") stats.blkioWriteBytes += e.value;
  }
  const cfs = s.cpu_stats?.throttling_data;
  stats.cpuPeriods = cfs?.periods ?? 0;
  stats.cpuThrottledPeriods = cfs?.throttled_periods ?? 0;
  stats.cpuThrottledSeconds = (cfs?.throttled_time ?? 0) / 1e9;
  stats.memoryMaxUsageBytes = s.memory_stats?.max_usage ?? 0;
  stats.memoryFailcnt = s.memory_stats?.failcnt ?? 0;
  let rxBytes = 0;
  let txBytes = 0;
  const interfaces: InterfaceStats[] = [];
  for (const [name, n] of Object.entries(s.networks ?? {})) {
    rxBytes += n.rx_bytes;
    txBytes += n.tx_bytes;
    interfaces.push({
      name,
      rxBytes: n.rx_bytes,
      txBytes: n.tx_bytes,
      rxPackets: n.rx_packets,
      txPackets: n.tx_packets,
      rxErrors: n.rx_errors,
      txErrors: n.tx_errors,
      rxDropped: n.rx_dropped,
      txDropped: n.tx_dropped,
    });
  }
  return { stats, rxBytes, txBytes, interfaces };
}
