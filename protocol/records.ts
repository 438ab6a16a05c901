// The one record model shared by collector and aggregator, written once as JSON schemas
// (TypeBox): the TypeScript types are derived from them, and so is the aggregator's ingest
// validator, so a field renamed on one side fails to compile or fails validation instead of being
// stored as zero. Field names follow the OpenTelemetry conventions where one exists (host.name →
// host, container.id → containerId …), flattened to camelCase for the wire; the store's columns
// are their snake_case (containerId → container_id).
//
// A field marked optional was added after the first collectors shipped: an older collector's
// record lacks it and ingest stores its empty value (0, "", [], {}). Every other field is required.
// Fields a record has beyond its schema are ignored, so a newer collector can talk to an older
// aggregator.
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { isRecordTime, RECORD_TIME_PATTERN, TIME_ORIGINAL_ATTRIBUTE } from "./time.ts";

/** RFC 3339 with up to nine fractional digits and a zone: what ingest accepts as a record's time. */
export const RFC3339_PATTERN = RECORD_TIME_PATTERN;

/** RFC 3339 UTC timestamp with up to nanosecond precision, e.g. 2026-11-22T02:18:35.123456789Z */
export const Rfc3339 = Type.String({
  maxLength: 64,
  pattern: RFC3339_PATTERN,
  description: "RFC 3339 timestamp, up to 9 fractional digits",
});
export type Rfc3339 = Static<typeof Rfc3339>;

// The number shapes of the store's columns. Integer columns (their schema has a maximum: what the
// column holds) take a fraction, rounded on ingest, but nothing negative.
const UINT32_MAX = 0xffffffff;

/** A count or byte size (UInt64 column). Past 2^53 JSON prints an exponent the store cannot parse. */
export const UInt = (description?: string) =>
  Type.Number({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
/** A pid, uid or thread count (UInt32 column): a larger value would wrap silently in the store. */
export const UInt32 = (description?: string) => Type.Number({ minimum: 0, maximum: UINT32_MAX, description });
/** A non-negative measure kept as is: load, seconds, cores, percent. */
export const NonNegative = (description?: string) => Type.Number({ minimum: 0, description });
/** A string of at most `maxLength` characters. */
export const Text = (maxLength: number, description?: string) => Type.String({ maxLength, description });
/**
 * Bounds of what one record may carry, so that a single record can neither fail its batch's
 * insert (the store refuses a row of more than 10 MiB of JSON for the whole insert) nor make ingest
 * hold a huge value: ingest rejects a record past them alone, the collector cuts below them
 * (collector/processors/bounds.ts; --max-line-size is at most `bodyChars`).
 */
export const RECORD_LIMITS = {
  /** One NDJSON line of a batch, in UTF-8 bytes. */
  lineBytes: 8 << 20,
  /** A log body, in characters. */
  bodyChars: 1 << 20,
  /** Entries of one map of attributes or labels. */
  mapEntries: 512,
  /** A key of such a map, in characters. */
  keyChars: 256,
  /** A value of such a map, in characters. */
  valueChars: 64 << 10,
} as const;

/** A map of strings with keys a sender chose (labels, attributes), bounded by RECORD_LIMITS. */
export const StringMap = (description?: string) =>
  Type.Record(
    Type.String({ pattern: `^[\\s\\S]{0,${RECORD_LIMITS.keyChars}}$` }),
    Type.String({ maxLength: RECORD_LIMITS.valueChars }),
    { description, maxProperties: RECORD_LIMITS.mapEntries, additionalProperties: false },
  );

/**
 * An empty attribute map without a prototype, for maps filled with keys a sender chose: a
 * `__proto__` key is then stored like any other instead of being swallowed.
 */
export const newAttributes = (): Record<string, string> => Object.create(null);

/** Identity of the container a record belongs to; empty strings when none. */
const CONTAINER_REF = {
  containerId: Text(128),
  containerName: Text(256),
  image: Text(512),
};
export const ContainerRef = Type.Object(CONTAINER_REF);
export type ContainerRef = Static<typeof ContainerRef>;

/** What every record starts with: its kind, its time, the host, and (but for host records) its container. */
const head = <K extends string>(kind: K) => ({
  kind: Type.Literal(kind),
  time: Rfc3339,
  host: Text(256),
});

export const LogRecord = Type.Object({
  ...head("log"),
  ...CONTAINER_REF,
  source: Text(64, "where the collector got it: docker-json, journald, syslog, gelf, fluentd …"),
  stream: Text(32, "stdout / stderr for container output, empty otherwise"),
  unit: Text(256, "systemd unit, for journal entries"),
  identifier: Text(256, "syslog identifier / tag"),
  pid: UInt32(),
  severityNumber: UInt("OpenTelemetry severity number 1–24, 0 when unknown (larger is stored as 24)"),
  severityText: Text(32),
  body: Text(RECORD_LIMITS.bodyChars),
  attributes: StringMap(),
  seq: UInt("tie-breaker for records with the same timestamp (file offset, journal seqnum …)"),
});
export type LogRecord = Static<typeof LogRecord>;

export const InterfaceStats = Type.Object({
  name: Text(4096),
  rxBytes: UInt(),
  txBytes: UInt(),
  rxPackets: UInt(),
  txPackets: UInt(),
  rxErrors: UInt(),
  txErrors: UInt(),
  rxDropped: UInt(),
  txDropped: UInt(),
});
export type InterfaceStats = Static<typeof InterfaceStats>;

export const DeviceIoStats = Type.Object({
  device: Text(4096, "major:minor"),
  major: UInt(),
  minor: UInt(),
  readBytes: UInt(),
  writeBytes: UInt(),
  reads: UInt(),
  writes: UInt(),
});
export type DeviceIoStats = Static<typeof DeviceIoStats>;

/** At most 256 entries per array of objects in a record. */
const MAX_ELEMENTS = 256;

/** One resource sample of one container. Counters are cumulative; cpuCores is derived. */
export const SampleRecord = Type.Object({
  ...head("sample"),
  ...CONTAINER_REF,
  origin: Text(32, "cgroup or docker-api: which path produced it"),
  cpuUsageSeconds: Type.Number(),
  cpuUserSeconds: Type.Number(),
  cpuSystemSeconds: Type.Number(),
  cpuCores: Type.Number({ description: "CPU used since the previous sample, in cores (1 = one core busy)" }),
  memoryUsageBytes: UInt(),
  memoryWorkingSetBytes: UInt(),
  memoryRssBytes: UInt(),
  memoryCacheBytes: UInt(),
  memoryLimitBytes: UInt("0 when the container has no memory limit"),
  pids: UInt32(),
  blkioReadBytes: UInt(),
  blkioWriteBytes: UInt(),
  networkRxBytes: UInt(),
  networkTxBytes: UInt(),
  // The cAdvisor-parity metrics (migration 002); 0 when the kernel does not report them.
  cpuPeriods: Type.Optional(UInt()),
  cpuThrottledPeriods: Type.Optional(UInt()),
  cpuThrottledSeconds: Type.Optional(Type.Number()),
  memorySwapBytes: Type.Optional(UInt()),
  memoryMappedFileBytes: Type.Optional(UInt()),
  memoryMaxUsageBytes: Type.Optional(UInt()),
  memoryFailcnt: Type.Optional(UInt()),
  memoryReservationBytes: Type.Optional(
    UInt("soft limit (v1 memory.soft_limit_in_bytes, v2 memory.low); 0 when none"),
  ),
  oomKills: Type.Optional(
    UInt("kernel OOM kills in this cgroup since it was created (v1 oom_control, v2 memory.events oom_kill)"),
  ),
  threads: Type.Optional(UInt32()),
  fileDescriptors: Type.Optional(UInt32()),
  networkRxPackets: Type.Optional(UInt()),
  networkTxPackets: Type.Optional(UInt()),
  networkRxErrors: Type.Optional(UInt()),
  networkTxErrors: Type.Optional(UInt()),
  networkRxDropped: Type.Optional(UInt()),
  networkTxDropped: Type.Optional(UInt()),
  blkioReads: Type.Optional(UInt("read operations (block I/O)")),
  blkioWrites: Type.Optional(UInt("write operations (block I/O)")),
  // The writable layer's disk usage (migration 010), walked far less often than the cgroup is
  // read: each sample carries the latest walk's figures; absent (stored as 0 and "") when none.
  fsDevice: Type.Optional(
    Text(256, "block device holding the writable layer (/dev/vda); empty: not measured"),
  ),
  fsUsageBytes: Type.Optional(
    UInt("allocated bytes of the writable layer and the container's directory (logs), as du counts them"),
  ),
  fsLimitBytes: Type.Optional(UInt("size of the filesystem holding the writable layer")),
  fsInodes: Type.Optional(UInt("files and directories in the writable layer and the container's directory")),
  interfaces: Type.Optional(
    Type.Array(InterfaceStats, {
      maxItems: MAX_ELEMENTS,
      description: "per network interface of the container's netns (lo excluded); the totals sum them",
    }),
  ),
  devices: Type.Optional(
    Type.Array(DeviceIoStats, {
      maxItems: MAX_ELEMENTS,
      description: "per block device; the blkio totals sum them",
    }),
  ),
});
export type SampleRecord = Static<typeof SampleRecord>;

/** One process of a container (or of the host, containerId ""), sampled with the stats. */
export const ProcessRecord = Type.Object({
  ...head("process"),
  ...CONTAINER_REF,
  pid: Type.Number({ minimum: 1, maximum: UINT32_MAX, description: "PID as the host sees it" }),
  nsPid: UInt32("PID inside the container's PID namespace (NSpid's last field); 0 or absent: pid"),
  ppid: UInt32(),
  uid: UInt32(),
  user: Text(256, "user name when the host or the container's /etc/passwd knows the uid, else the number"),
  command: Text(64, "comm: the short name"),
  cmdline: Text(8192, "full command line, arguments joined by spaces (bounded)"),
  state: Text(8, "R, S, D, Z, T … from /proc/<pid>/stat"),
  cpuPercent: NonNegative("CPU used since the previous sample, in percent of one core"),
  rssBytes: UInt(),
  threads: UInt32(),
  startTime: Rfc3339,
});
export type ProcessRecord = Static<typeof ProcessRecord>;

/** An exit code, or null when there is none. */
export const ExitCode = Type.Union([Type.Integer(), Type.Null()]);

export const EventRecord = Type.Object({
  ...head("event"),
  ...CONTAINER_REF,
  type: Text(64, "Docker event type (container, image, network …)"),
  action: Text(128, "create, start, die, oom, kill, stop, restart, destroy, health_status …"),
  exitCode: ExitCode,
  attributes: StringMap(),
});
export type EventRecord = Static<typeof EventRecord>;

/**
 * The actions of a container's death (Docker's die and oom, the kernel's oom-kill from the
 * journal). Each is news an operator waits for: the collector sends it at once rather than after
 * its buffering interval, and its arrival wakes the aggregator's incident detector.
 */
export const DEATH_ACTIONS: ReadonlySet<string> = new Set(["die", "oom", "oom-kill"]);

export const CONTAINER_HEALTH = ["healthy", "unhealthy", "starting", ""] as const;
export const ContainerHealth = Type.Union(
  CONTAINER_HEALTH.map((h) => Type.Literal(h)),
  { description: 'the health check\'s status; "" when it has none' },
);
export type ContainerHealth = (typeof CONTAINER_HEALTH)[number];

/** Bounds of a container record's details: the collector cuts to them, ingest rejects past them. */
export const CONTAINER_DETAIL_LIMITS = {
  commandChars: 8192,
  /** Entries of each of env, ports and mounts. */
  maxEntries: 1024,
  entryChars: 4096,
} as const;

const detailList = (description: string) =>
  Type.Array(Text(CONTAINER_DETAIL_LIMITS.entryChars), {
    maxItems: CONTAINER_DETAIL_LIMITS.maxEntries,
    description,
  });

/** Inventory snapshot of a container; the latest one per (host, containerId) wins. */
export const ContainerRecord = Type.Object({
  ...head("container"),
  ...CONTAINER_REF,
  created: Text(64),
  state: Text(32, "created, running, exited, dead, removed …"),
  exitCode: ExitCode,
  oomKilled: Type.Boolean(),
  logDriver: Text(64),
  labels: StringMap(),
  memoryLimitBytes: UInt(),
  cpuLimitCores: Type.Number(),
  restartPolicy: Text(64),
  restartCount: Type.Optional(
    UInt32("Docker's RestartCount: daemon restarts since the last start by a person"),
  ),
  // What `docker inspect` shows an operator (migration 006).
  command: Type.Optional(
    Text(CONTAINER_DETAIL_LIMITS.commandChars, "Path and Args, quoted as a shell would need them"),
  ),
  env: Type.Optional(
    detailList("Config.Env as KEY=VALUE, values of secret-looking keys masked by the collector"),
  ),
  ports: Type.Optional(
    detailList('"127.0.0.1:8080->80/tcp" for a published port, "80/tcp" for one exposed only'),
  ),
  mounts: Type.Optional(
    detailList('"/host/src:/dst (ro)" for a bind, "volume NAME:/dst", "tmpfs /dst (size=1m)"'),
  ),
  health: Type.Optional(ContainerHealth),
});
export type ContainerRecord = Static<typeof ContainerRecord>;

export const HostFilesystem = Type.Object({
  device: Text(4096),
  mountpoint: Text(4096),
  type: Text(4096),
  capacityBytes: UInt(),
  availableBytes: UInt(),
  inodes: Type.Optional(UInt("total inodes (statfs f_files); 0 when unknown")),
});

export const HostInterface = Type.Object({
  name: Text(4096),
  mac: Text(4096),
  speedMbps: UInt("0 when unreadable"),
  mtu: Type.Optional(UInt("0 when unreadable")),
});

/** A collector's heartbeat: the host it runs on. */
export const HostRecord = Type.Object({
  ...head("host"),
  collectorId: Text(128),
  collectorVersion: Text(64),
  bootId: Text(64),
  machineId: Text(64),
  kernel: Text(256),
  cpuCores: UInt(),
  memoryBytes: UInt(),
  // The machine view (migration 002).
  hostname: Type.Optional(Text(256)),
  os: Type.Optional(Text(256, "PRETTY_NAME of /etc/os-release")),
  swapBytes: Type.Optional(UInt()),
  uptimeSeconds: Type.Optional(NonNegative()),
  load1: Type.Optional(NonNegative()),
  load5: Type.Optional(NonNegative()),
  load15: Type.Optional(NonNegative()),
  cpuBusyCores: Type.Optional(NonNegative("host CPU busy since the previous heartbeat, in cores")),
  memoryAvailableBytes: Type.Optional(UInt()),
  labels: Type.Optional(StringMap("operator labels (--label role=web, fleet metadata)")),
  filesystems: Type.Optional(Type.Array(HostFilesystem, { maxItems: MAX_ELEMENTS })),
  interfaces: Type.Optional(
    Type.Array(HostInterface, {
      maxItems: MAX_ELEMENTS,
      description: "device-backed network interfaces",
    }),
  ),
});
export type HostRecord = Static<typeof HostRecord>;

/** Every record kind with its schema: what ingest checks each line against. */
export const RECORD_SCHEMAS = {
  log: LogRecord,
  sample: SampleRecord,
  event: EventRecord,
  container: ContainerRecord,
  host: HostRecord,
  process: ProcessRecord,
} as const satisfies Record<string, TSchema>;

export type FleetRecord =
  | LogRecord
  | SampleRecord
  | EventRecord
  | ContainerRecord
  | HostRecord
  | ProcessRecord;
export type RecordKind = FleetRecord["kind"];
export const RECORD_KINDS = Object.keys(RECORD_SCHEMAS) as RecordKind[];

/**
 * Gives a record whose time lies outside the record window (isRecordTime in time.ts: before 1970,
 * more than a day ahead of `receivedIso`, or no real date such as February 30) the time it was
 * received instead, so it is stored, expires and sorts like its neighbours rather than failing its
 * batch or vanishing. Log and event records keep their own time in the attribute `time.original`;
 * the other kinds have no attributes and keep only the received time. A process's start time
 * outside the window becomes the received time likewise. Returns whether anything was replaced.
 */
export function retimeRecord(
  r: { time: string; attributes?: Record<string, string>; startTime?: string },
  receivedIso: string,
): boolean {
  let changed = false;
  if (!isRecordTime(r.time, receivedIso)) {
    if (r.attributes) r.attributes[TIME_ORIGINAL_ATTRIBUTE] = r.time;
    r.time = receivedIso;
    changed = true;
  }
  if (r.startTime !== undefined && !isRecordTime(r.startTime, receivedIso)) {
    r.startTime = receivedIso;
    changed = true;
  }
  return changed;
}
