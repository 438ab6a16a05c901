// cAdvisor's v1 REST shapes (info/v1/machine.go MachineInfo, info/v1/container.go ContainerInfo)
// built from the store: the latest heartbeat for the machine, the inventory for each container's
// spec, and its samples for stats. Field names and units are cAdvisor's (CPU in nanoseconds,
// memory and I/O in bytes); parts we do not collect are left out, as cAdvisor's omitempty does.
import type { ContainerInfo, ContainerSpec, MachineInfo } from "../../protocol/api/cadvisor.ts";
import type { HostRow } from "../../protocol/api/hosts.ts";
import type { Store } from "../store/store.ts";
import { assertKnownContainer, queryContainers } from "./containers.ts";
import { NotFound } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { fromChTime, timeWindow } from "./window.ts";

/** Name of a Docker container in cAdvisor's cgroup namespace (cgroupfs driver layout). */
export const dockerCgroupName = (id: string) => `/docker/${id}`;

export function machineInfo(h: HostRow): MachineInfo {
  return {
    num_cores: h.cpuCores,
    // Not collected: cAdvisor reads it from sysfs cpufreq, absent on most VMs.
    cpu_frequency_khz: 0,
    memory_capacity: h.memoryBytes,
    machine_id: h.machineId,
    boot_id: h.bootId,
    filesystems: h.filesystems.map((f) => ({
      device: f.device,
      capacity: f.capacityBytes,
      type: f.type,
      inodes: f.inodes,
      has_inodes: f.inodes > 0,
    })),
    network_devices: h.interfaces.map((i) => ({
      name: i.name,
      mac_address: i.mac,
      speed: i.speedMbps,
      mtu: i.mtu,
    })),
    // fleetscope's own, beside cAdvisor's fields: the rest of the heartbeat.
    fleetscope: {
      host: h.host,
      hostname: h.hostname,
      kernel: h.kernel,
      os: h.os,
      swap_bytes: h.swapBytes,
      memory_available_bytes: h.memoryAvailableBytes,
      uptime_seconds: h.uptimeSeconds,
      load: [h.load1, h.load5, h.load15],
      cpu_busy_cores: h.cpuBusyCores,
      labels: h.labels,
      last_seen: h.lastSeen,
    },
  };
}

export interface StatsQuery {
  /** Most recent samples to return per container (cAdvisor's num_stats). */
  count: number;
  since?: string;
  until?: string;
}

type Row = Record<string, unknown>;
const n = (v: unknown) => Number(v ?? 0);
const ns = (seconds: unknown) => Math.round(n(seconds) * 1e9);

interface ContainerMeta {
  id: string;
  name: string;
  image: string;
  created: string;
  state: string;
  labels: Record<string, string>;
  memoryLimitBytes: number;
  cpuLimitCores: number;
}

function reference(c: { id: string; name: string }) {
  return {
    id: c.id,
    name: dockerCgroupName(c.id),
    aliases: c.name ? [c.name, c.id] : [c.id],
    namespace: "docker",
  };
}

function spec(c: ContainerMeta, latest: Row | undefined) {
  const memoryLimit = c.memoryLimitBytes || n(latest?.memory_limit_bytes);
  const reservation = n(latest?.memory_reservation_bytes);
  const cpu: NonNullable<ContainerSpec["cpu"]> = { limit: 1024, max_limit: 0 };
  if (c.cpuLimitCores > 0) {
    cpu.quota = Math.round(c.cpuLimitCores * 100_000);
    cpu.period = 100_000;
  }
  const memory: NonNullable<ContainerSpec["memory"]> = {};
  if (memoryLimit > 0) memory.limit = memoryLimit;
  if (reservation > 0) memory.reservation = reservation;
  return {
    creation_time: c.created || undefined,
    labels: c.labels,
    image: c.image,
    has_cpu: true,
    cpu,
    has_memory: true,
    memory,
    has_network: true,
    has_processes: true,
    has_filesystem: false,
    has_diskio: true,
  };
}

function stats(r: Row) {
  const interfaces = ((r.interfaces ?? []) as Row[]).map((i) => ({
    name: String(i.name),
    rx_bytes: n(i.rx_bytes),
    rx_packets: n(i.rx_packets),
    rx_errors: n(i.rx_errors),
    rx_dropped: n(i.rx_dropped),
    tx_bytes: n(i.tx_bytes),
    tx_packets: n(i.tx_packets),
    tx_errors: n(i.tx_errors),
    tx_dropped: n(i.tx_dropped),
  }));
  const devices = (r.devices ?? []) as Row[];
  const perDevice = (read: string, write: string) =>
    devices.map((d) => ({
      device: String(d.device),
      major: n(d.major),
      minor: n(d.minor),
      stats: { Read: n(d[read]), Write: n(d[write]), Total: n(d[read]) + n(d[write]) },
    }));
  return {
    timestamp: fromChTime(String(r.time_text)),
    cpu: {
      usage: {
        total: ns(r.cpu_usage_seconds),
        user: ns(r.cpu_user_seconds),
        system: ns(r.cpu_system_seconds),
      },
      cfs: {
        periods: n(r.cpu_periods),
        throttled_periods: n(r.cpu_throttled_periods),
        throttled_time: ns(r.cpu_throttled_seconds),
      },
    },
    memory: {
      usage: n(r.memory_usage_bytes),
      max_usage: n(r.memory_max_usage_bytes),
      cache: n(r.memory_cache_bytes),
      rss: n(r.memory_rss_bytes),
      swap: n(r.memory_swap_bytes),
      mapped_file: n(r.memory_mapped_file_bytes),
      working_set: n(r.memory_working_set_bytes),
      failcnt: n(r.memory_failcnt),
    },
    network: {
      // cAdvisor's inline totals carry the first interface's name.
      name: interfaces[0]?.name ?? "",
      rx_bytes: n(r.network_rx_bytes),
      rx_packets: n(r.network_rx_packets),
      rx_errors: n(r.network_rx_errors),
      rx_dropped: n(r.network_rx_dropped),
      tx_bytes: n(r.network_tx_bytes),
      tx_packets: n(r.network_tx_packets),
      tx_errors: n(r.network_tx_errors),
      tx_dropped: n(r.network_tx_dropped),
      interfaces,
    },
    diskio: {
      io_service_bytes: perDevice("read_bytes", "write_bytes"),
      io_serviced: perDevice("reads", "writes"),
    },
    processes: {
      process_count: n(r.pids),
      fd_count: n(r.file_descriptors),
      threads_current: n(r.threads),
    },
    oom_events: n(r.oom_kills),
    filesystem: fsStats(r),
  };
}

/**
 * The writable layer as cAdvisor's Docker handler reports it: usage from the walk, the
 * filesystem's size as capacity (Docker sets no per-container limit), nothing for available; none
 * when the collector did not measure it (an empty device).
 */
function fsStats(r: Row) {
  if (!r.fs_device) return undefined;
  const inodes = n(r.fs_inodes);
  return [
    {
      device: String(r.fs_device),
      type: "vfs",
      capacity: n(r.fs_limit_bytes),
      usage: n(r.fs_usage_bytes),
      available: 0,
      has_inodes: inodes > 0,
      inodes,
    },
  ];
}

/** The newest `count` samples of each container (or of all on the host), oldest first. */
async function recentSamples(store: Store, host: string, ids: string[] | undefined, q: StatsQuery) {
  const where = scopedConditions({ ...timeWindow(q.since, q.until, "15m"), count: q.count, host })
    .add("host = {host:String}")
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .when(ids, "container_id IN {ids:Array(String)}", { ids });
  const rows = await store.rows<Row & { container_id: string; time_text: string }>(
    `SELECT toString(time) AS time_text, container_id, cpu_usage_seconds, cpu_user_seconds, cpu_system_seconds,
            cpu_periods, cpu_throttled_periods, cpu_throttled_seconds,
            memory_usage_bytes, memory_max_usage_bytes, memory_cache_bytes, memory_rss_bytes, memory_swap_bytes,
            memory_mapped_file_bytes, memory_working_set_bytes, memory_failcnt, memory_limit_bytes,
            memory_reservation_bytes, oom_kills, pids, threads, file_descriptors,
            network_rx_bytes, network_rx_packets, network_rx_errors, network_rx_dropped,
            network_tx_bytes, network_tx_packets, network_tx_errors, network_tx_dropped, interfaces, devices,
            fs_device, fs_usage_bytes, fs_limit_bytes, fs_inodes
     FROM samples ${where.sql()}
     ORDER BY container_id, time DESC
     LIMIT {count:UInt32} BY container_id`,
    where.params,
  );
  const byId = new Map<string, Row[]>();
  for (const r of rows) {
    const list = byId.get(r.container_id) ?? [];
    list.push(r);
    byId.set(r.container_id, list);
  }
  for (const list of byId.values()) list.reverse();
  return byId;
}

const LIVE_STATES = new Set(["running", "paused", "restarting"]);

async function inventory(store: Store, host: string, container?: string): Promise<ContainerMeta[]> {
  const rows = await queryContainers(store, { host, container, limit: 10_000 });
  return rows.map((row) => {
    const r = row as Record<string, unknown>;
    return {
      id: String(r.id),
      name: String(r.name),
      image: String(r.image),
      created: String(r.created ?? ""),
      state: String(r.state),
      labels: (r.labels ?? {}) as Record<string, string>,
      memoryLimitBytes: n(r.memoryLimitBytes),
      cpuLimitCores: n(r.cpuLimitCores),
    };
  });
}

function containerInfo(c: ContainerMeta, samples: Row[]): ContainerInfo {
  return {
    ...reference(c),
    spec: spec(c, samples[samples.length - 1]),
    stats: samples.map(stats),
  };
}

/** `/api/v1.3/docker/`: every live Docker container on the host, keyed by cgroup name. */
export async function allDockerContainers(store: Store, host: HostRow, q: StatsQuery) {
  const live = (await inventory(store, host.host)).filter((c) => LIVE_STATES.has(c.state));
  const samples = await recentSamples(
    store,
    host.host,
    live.map((c) => c.id),
    q,
  );
  const out: Record<string, ContainerInfo> = {};
  for (const c of live.sort((a, b) => a.id.localeCompare(b.id)))
    out[dockerCgroupName(c.id)] = containerInfo(c, samples.get(c.id) ?? []);
  return out;
}

/** One Docker container by name, id or id prefix (12+), live or not: its spec and recent stats. */
export async function dockerContainer(store: Store, host: HostRow, container: string, q: StatsQuery) {
  const [c] = await inventory(store, host.host, container);
  if (!c) {
    await assertKnownContainer(store, container, host.host);
    throw new NotFound(`"${container}" on host ${host.host} is known from log lines only, not from Docker`);
  }
  const samples = await recentSamples(store, host.host, [c.id], q);
  return containerInfo(c, samples.get(c.id) ?? []);
}

/**
 * The machine's stats as cAdvisor gives the root cgroup's, from the host's newest `count`
 * heartbeats in the window, oldest first. CPU is cumulative like a cgroup's: the busy cores of
 * each heartbeat times the time since the one before, summed since the first stored heartbeat of
 * that boot (so rates taken between two stats are right; the total is not the boot's). Memory
 * in use is what the kernel does not count available (MemTotal − MemAvailable).
 */
async function machineStats(store: Store, host: HostRow, q: StatsQuery) {
  const where = scopedConditions({ ...timeWindow(q.since, q.until, "15m"), count: q.count, host: host.host })
    .add("host = {host:String}")
    .add("time <= {until:DateTime64(9, 'UTC')}");
  const rows = await store.rows<Row & { time_text: string; filesystems: Row[] }>(
    `SELECT toString(time) AS time_text, cpu_seconds, memory_bytes, memory_available_bytes, load1, filesystems
     FROM (
       SELECT time, memory_bytes, memory_available_bytes, load1, filesystems,
              sum(busy_seconds) OVER (PARTITION BY boot_id ORDER BY time ROWS UNBOUNDED PRECEDING) AS cpu_seconds
       FROM (
         SELECT time, boot_id, memory_bytes, memory_available_bytes, load1, filesystems,
                cpu_busy_cores * (toUnixTimestamp64Milli(time) - toUnixTimestamp64Milli(lagInFrame(time, 1, time)
                  OVER (PARTITION BY boot_id ORDER BY time ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))) / 1000 AS busy_seconds
         FROM hosts ${where.sql()}))
     WHERE time >= {since:DateTime64(9, 'UTC')}
     ORDER BY time DESC LIMIT {count:UInt32}`,
    where.params,
  );
  return rows.reverse().map((r) => {
    const used = Math.max(0, n(r.memory_bytes) - n(r.memory_available_bytes));
    return {
      timestamp: fromChTime(r.time_text),
      cpu: { usage: { total: ns(r.cpu_seconds) }, load_average: Math.round(n(r.load1) * 1000) },
      memory: { usage: used, working_set: used },
      filesystem: r.filesystems.map((f) => ({
        device: String(f.device),
        type: String(f.type),
        capacity: n(f.capacity_bytes),
        usage: Math.max(0, n(f.capacity_bytes) - n(f.available_bytes)),
        available: n(f.available_bytes),
        has_inodes: n(f.inodes) > 0,
        inodes: n(f.inodes),
      })),
    };
  });
}

/** The root container `/`: the machine as a whole, with the Docker containers as subcontainers. */
export async function rootContainer(store: Store, host: HostRow, q: StatsQuery): Promise<ContainerInfo> {
  const [all, stats] = await Promise.all([inventory(store, host.host), machineStats(store, host, q)]);
  const live = all.filter((c) => LIVE_STATES.has(c.state));
  return {
    name: "/",
    subcontainers: live.sort((a, b) => a.id.localeCompare(b.id)).map(reference),
    spec: {
      has_cpu: true,
      cpu: { limit: 1024, max_limit: 0, mask: host.cpuCores > 1 ? `0-${host.cpuCores - 1}` : "0" },
      has_memory: true,
      memory: { limit: host.memoryBytes, ...(host.swapBytes ? { swap_limit: host.swapBytes } : {}) },
      has_network: host.interfaces.length > 0,
      has_processes: true,
      has_filesystem: host.filesystems.length > 0,
      has_diskio: false,
      labels: host.labels,
    },
    stats,
  };
}

/** `/docker`: the parent of every Docker container, with them as subcontainers. */
export async function dockerRoot(store: Store, host: HostRow): Promise<ContainerInfo> {
  const live = (await inventory(store, host.host)).filter((c) => LIVE_STATES.has(c.state));
  return {
    name: "/docker",
    subcontainers: live.sort((a, b) => a.id.localeCompare(b.id)).map(reference),
    spec: { has_cpu: true, has_memory: true, has_network: false, has_processes: true, has_diskio: true },
  };
}
