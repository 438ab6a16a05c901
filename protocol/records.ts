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
}

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
}

export type FleetRecord = LogRecord | SampleRecord | EventRecord | ContainerRecord | HostRecord;
export type RecordKind = FleetRecord["kind"];
export const RECORD_KINDS: readonly RecordKind[] = ["log", "sample", "event", "container", "host"];
