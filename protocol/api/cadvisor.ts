// cAdvisor's v1.3 REST shapes (info/v1/machine.go MachineInfo, info/v1/container.go ContainerInfo),
// as the aggregator answers them. Like cAdvisor's Go structs with `omitempty`, one ContainerInfo
// serves the machine (/), /docker and each Docker container, each leaving out what it lacks.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Query, timeWindow } from "./params.ts";

const HOST = {
  host: Type.Optional(
    Type.String({
      description: "host name as its collector reports it; default: the only host the store knows",
    }),
  ),
};
export const MachineQuery = Query(HOST);
export type MachineQuery = Static<typeof MachineQuery>;

export const CadvisorQuery = Query({
  ...HOST,
  count: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10_000, description: "samples per container (default 60)" }),
  ),
  num_stats: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10_000, description: "cAdvisor's name for count" }),
  ),
  ...timeWindow("15m"),
});
export type CadvisorQuery = Static<typeof CadvisorQuery>;

const n = Type.Number();
const opt = <T extends TSchema>(t: T) => Type.Optional(t);
const Labels = Type.Record(Type.String(), Type.String());

export const MachineInfo = Type.Object({
  num_cores: n,
  cpu_frequency_khz: Type.Number({ description: "not collected: 0" }),
  memory_capacity: n,
  machine_id: Type.String(),
  boot_id: Type.String(),
  filesystems: Type.Array(
    Type.Object({
      device: Type.String(),
      capacity: n,
      type: Type.String(),
      inodes: n,
      has_inodes: Type.Boolean(),
    }),
  ),
  network_devices: Type.Array(
    Type.Object({ name: Type.String(), mac_address: Type.String(), speed: n, mtu: n }),
  ),
  fleetscope: Type.Object(
    {
      host: Type.String(),
      hostname: Type.String(),
      kernel: Type.String(),
      os: Type.String(),
      swap_bytes: n,
      memory_available_bytes: n,
      uptime_seconds: n,
      load: Type.Array(n, { description: "1, 5 and 15 minutes" }),
      cpu_busy_cores: n,
      labels: Labels,
      last_seen: Type.String(),
    },
    { description: "fleetscope's own, beside cAdvisor's fields: the rest of the heartbeat" },
  ),
});
export type MachineInfo = Static<typeof MachineInfo>;

export const ContainerReference = Type.Object({
  id: opt(Type.String()),
  name: Type.String({ description: "the cgroup name: /, /docker, /docker/<id>" }),
  aliases: opt(Type.Array(Type.String())),
  namespace: opt(Type.String()),
});
export type ContainerReference = Static<typeof ContainerReference>;

export const ContainerSpec = Type.Object({
  creation_time: opt(Type.String()),
  labels: opt(Labels),
  image: opt(Type.String()),
  has_cpu: Type.Boolean(),
  cpu: opt(Type.Object({ limit: n, max_limit: n, mask: opt(Type.String()), quota: opt(n), period: opt(n) })),
  has_memory: Type.Boolean(),
  memory: opt(Type.Object({ limit: opt(n), reservation: opt(n), swap_limit: opt(n) })),
  has_network: Type.Boolean(),
  has_processes: Type.Boolean(),
  has_filesystem: opt(Type.Boolean()),
  has_diskio: Type.Boolean(),
});
export type ContainerSpec = Static<typeof ContainerSpec>;

const NETWORK_COUNTERS = {
  rx_bytes: n,
  rx_packets: n,
  rx_errors: n,
  rx_dropped: n,
  tx_bytes: n,
  tx_packets: n,
  tx_errors: n,
  tx_dropped: n,
};

const PerDisk = Type.Array(
  Type.Object({
    device: Type.String(),
    major: n,
    minor: n,
    stats: Type.Object({ Read: n, Write: n, Total: n }),
  }),
);

/** CPU in nanoseconds, memory and I/O in bytes, as cAdvisor's. */
export const ContainerStats = Type.Object({
  timestamp: Type.String(),
  cpu: Type.Object({
    usage: Type.Object({ total: n, user: opt(n), system: opt(n) }),
    cfs: opt(Type.Object({ periods: n, throttled_periods: n, throttled_time: n })),
    load_average: opt(Type.Number({ description: "load1 × 1000, as cAdvisor's" })),
  }),
  memory: Type.Object({
    usage: n,
    working_set: n,
    max_usage: opt(n),
    cache: opt(n),
    rss: opt(n),
    swap: opt(n),
    mapped_file: opt(n),
    failcnt: opt(n),
  }),
  network: opt(
    Type.Object({
      name: Type.String(),
      ...NETWORK_COUNTERS,
      interfaces: Type.Array(Type.Object({ name: Type.String(), ...NETWORK_COUNTERS })),
    }),
  ),
  diskio: opt(Type.Object({ io_service_bytes: PerDisk, io_serviced: PerDisk })),
  processes: opt(Type.Object({ process_count: n, fd_count: n, threads_current: n })),
  filesystem: opt(
    Type.Array(
      Type.Object({
        device: Type.String(),
        type: Type.String(),
        capacity: n,
        usage: n,
        available: n,
        has_inodes: Type.Boolean(),
        inodes: n,
      }),
    ),
  ),
  oom_events: opt(n),
});
export type ContainerStats = Static<typeof ContainerStats>;

export const ContainerInfo = Type.Composite([
  ContainerReference,
  Type.Object({
    subcontainers: opt(Type.Array(ContainerReference)),
    spec: ContainerSpec,
    stats: opt(Type.Array(ContainerStats, { description: "oldest first" })),
  }),
]);
export type ContainerInfo = Static<typeof ContainerInfo>;

/** Containers keyed by cgroup name (/docker/<id>). */
export const ContainerInfoMap = Type.Record(Type.String(), ContainerInfo);
