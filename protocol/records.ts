// The one record model shared by collector and aggregator. Field names follow the
// OpenTelemetry conventions where one exists (host.name → host, container.id → containerId …),
// flattened to camelCase for the wire; the store maps them to its columns.

/** RFC 3339 UTC timestamp with up to nanosecond precision, e.g. 2026-11-22T02:18:35.123456789Z */
export type Rfc3339 = string;

/** Identity of the container a record belongs to; empty strings when none. */
export interface ContainerRef {
  containerId: string;
  containerName: string;
  image: string;
}

/**
 * An empty attribute map without a prototype, for maps filled with keys a sender chose: a
 * `__proto__` key is then stored like any other instead of being swallowed.
 */
export const newAttributes = (): Record<string, string> => Object.create(null);

export interface LogRecord extends ContainerRef {
  kind: "log";
  time: Rfc3339;
  host: string;
  /** Where the collector got it: docker-json, journald, syslog, gelf, fluentd … */
  source: string;
  /** stdout / stderr for container output, empty otherwise. */
  stream: string;
  /** systemd unit, for journal entries. */
  unit: string;
  /** syslog identifier / tag. */
  identifier: string;
  pid: number;
  /** OpenTelemetry severity number 1–24, 0 when unknown. */
  severityNumber: number;
  severityText: string;
  body: string;
  attributes: Record<string, string>;
  /** Tie-breaker for records with the same timestamp (file offset, journal seqnum …). */
  seq: number;
}

/** One resource sample of one container. Counters are cumulative; cpuCores is derived. */
export interface SampleRecord extends ContainerRef {
  kind: "sample";
  time: Rfc3339;
  host: string;
  /** cgroup or docker-api: which path produced it. */
  origin: string;
  cpuUsageSeconds: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  /** CPU used since the previous sample, in cores (1 = one core busy). */
  cpuCores: number;
  memoryUsageBytes: number;
  memoryWorkingSetBytes: number;
  memoryRssBytes: number;
  memoryCacheBytes: number;
  /** 0 when the container has no memory limit. */
  memoryLimitBytes: number;
  pids: number;
  blkioReadBytes: number;
  blkioWriteBytes: number;
  networkRxBytes: number;
  networkTxBytes: number;
  // Added with the cAdvisor-parity metrics (migration 002). Optional on the wire so older
  // collectors stay valid; 0 when the kernel does not report it.
  cpuPeriods?: number;
  cpuThrottledPeriods?: number;
  cpuThrottledSeconds?: number;
  memorySwapBytes?: number;
  memoryMappedFileBytes?: number;
  memoryMaxUsageBytes?: number;
  memoryFailcnt?: number;
  /** Soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low); 0 when none. */
  memoryReservationBytes?: number;
  /** Kernel OOM kills in this cgroup since it was created (v1 oom_control oom_kill, v2 memory.events oom_kill). */
  oomKills?: number;
  threads?: number;
  fileDescriptors?: number;
  networkRxPackets?: number;
  networkTxPackets?: number;
  networkRxErrors?: number;
  networkTxErrors?: number;
  networkRxDropped?: number;
  networkTxDropped?: number;
  /** Read/write operations (block I/O). */
  blkioReads?: number;
  blkioWrites?: number;
  /** Per network interface of the container's netns (lo excluded); the totals above sum them. */
  interfaces?: InterfaceStats[];
  /** Per block device; the blkio totals above sum them. */
  devices?: DeviceIoStats[];
}

export interface InterfaceStats {
  name: string;
  rxBytes: number;
  txBytes: number;
  rxPackets: number;
  txPackets: number;
  rxErrors: number;
  txErrors: number;
  rxDropped: number;
  txDropped: number;
}

export interface DeviceIoStats {
  /** major:minor */
  device: string;
  major: number;
  minor: number;
  readBytes: number;
  writeBytes: number;
  reads: number;
  writes: number;
}

/** One process of a container (or of the host, containerId ""), sampled with the stats. */
export interface ProcessRecord extends ContainerRef {
  kind: "process";
  time: Rfc3339;
  host: string;
  /** PID as the host sees it. */
  pid: number;
  /** PID inside the container's PID namespace (NSpid's last field); equals pid on the host. */
  nsPid: number;
  ppid: number;
  uid: number;
  /** User name when the host or the container's /etc/passwd knows the uid, else the number. */
  user: string;
  /** comm: the short name. */
  command: string;
  /** Full command line, arguments joined by spaces (bounded). */
  cmdline: string;
  /** R, S, D, Z, T … from /proc/<pid>/stat. */
  state: string;
  /** CPU used since the previous sample, in percent of one core. */
  cpuPercent: number;
  rssBytes: number;
  threads: number;
  /** When the process started (RFC 3339). */
  startTime: Rfc3339;
}

export interface EventRecord extends ContainerRef {
  kind: "event";
  time: Rfc3339;
  host: string;
  /** Docker event type (container, image, network …). */
  type: string;
  /** create, start, die, oom, kill, stop, restart, destroy, health_status … */
  action: string;
  /** Exit code for die events, null otherwise. */
  exitCode: number | null;
  attributes: Record<string, string>;
}

/** Inventory snapshot of a container; the latest one per (host, containerId) wins. */
export interface ContainerRecord extends ContainerRef {
  kind: "container";
  time: Rfc3339;
  host: string;
  created: Rfc3339;
  /** created, running, exited, dead, removed … */
  state: string;
  exitCode: number | null;
  oomKilled: boolean;
  logDriver: string;
  labels: Record<string, string>;
  memoryLimitBytes: number;
  cpuLimitCores: number;
  restartPolicy: string;
  /** Docker's RestartCount: daemon restarts since the last start by a person. Optional on the wire (older collectors). */
  restartCount?: number;
  // What `docker inspect` shows an operator (migration 006); optional on the wire (older collectors).
  /** Path and Args, quoted as a shell would need them. */
  command?: string;
  /** Config.Env as KEY=VALUE, values of secret-looking keys masked by the collector. */
  env?: string[];
  /** "127.0.0.1:8080->80/tcp" for a published port, "80/tcp" for one exposed only. */
  ports?: string[];
  /** "/host/src:/dst (ro)" for a bind, "volume NAME:/dst", "tmpfs /dst (size=1m)". */
  mounts?: string[];
  /** The health check's status; "" when it has none. */
  health?: ContainerHealth;
}

export type ContainerHealth = "healthy" | "unhealthy" | "starting" | "";
export const CONTAINER_HEALTH: readonly ContainerHealth[] = ["healthy", "unhealthy", "starting", ""];

/** Bounds of a container record's details: the collector cuts to them, ingest rejects past them. */
export const CONTAINER_DETAIL_LIMITS = {
  commandChars: 8192,
  /** Entries of each of env, ports and mounts. */
  maxEntries: 1024,
  entryChars: 4096,
} as const;

/** A collector's heartbeat: the host it runs on. */
export interface HostRecord {
  kind: "host";
  time: Rfc3339;
  host: string;
  collectorId: string;
  collectorVersion: string;
  bootId: string;
  machineId: string;
  kernel: string;
  cpuCores: number;
  memoryBytes: number;
  // Added with the machine view (migration 002); optional on the wire.
  hostname?: string;
  /** PRETTY_NAME of /etc/os-release. */
  os?: string;
  swapBytes?: number;
  uptimeSeconds?: number;
  load1?: number;
  load5?: number;
  load15?: number;
  /** Host CPU busy since the previous heartbeat, in cores. */
  cpuBusyCores?: number;
  memoryAvailableBytes?: number;
  /** Operator labels (--label role=web, fleet metadata). */
  labels?: Record<string, string>;
  filesystems?: {
    device: string;
    mountpoint: string;
    type: string;
    capacityBytes: number;
    availableBytes: number;
    /** Total inodes (statfs f_files); 0 when unknown. */
    inodes?: number;
  }[];
  /** Device-backed network interfaces; speed and MTU 0 when unreadable. */
  interfaces?: { name: string; mac: string; speedMbps: number; mtu?: number }[];
}

export type FleetRecord =
  | LogRecord
  | SampleRecord
  | EventRecord
  | ContainerRecord
  | HostRecord
  | ProcessRecord;
export type RecordKind = FleetRecord["kind"];
export const RECORD_KINDS: readonly RecordKind[] = ["log", "sample", "event", "container", "host", "process"];
