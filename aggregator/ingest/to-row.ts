// Turns one wire record into a row of its table, checking every field's type on the way:
// a record that fails is rejected alone, with a message saying which field and why.
import { CONTAINER_DETAIL_LIMITS, CONTAINER_HEALTH, newAttributes } from "../../protocol/records.ts";
import type { Table } from "../store/store.ts";

export class RecordError extends Error {}

type Obj = Record<string, unknown>;

function str(r: Obj, key: string, { required = true, max = 1 << 20 } = {}): string {
  const v = r[key];
  if (v === undefined && !required) return "";
  if (typeof v !== "string") throw new RecordError(`field "${key}" must be a string`);
  if (v.length > max) throw new RecordError(`field "${key}" is longer than ${max} characters`);
  return v;
}

function num(r: Obj, key: string, { required = false } = {}): number {
  const v = r[key];
  if (v === undefined && !required) return 0;
  if (typeof v !== "number" || !Number.isFinite(v))
    throw new RecordError(`field "${key}" must be a finite number`);
  return v;
}

function uint(r: Obj, key: string): number {
  const v = num(r, key);
  if (v < 0) throw new RecordError(`field "${key}" must not be negative`);
  // Past 2^53 JSON prints an exponent the store cannot parse as an integer: the whole insert
  // would fail, and the collector would resend the batch forever (found by fuzzing).
  if (v > Number.MAX_SAFE_INTEGER) throw new RecordError(`field "${key}" must be at most 2^53 - 1`);
  return Math.round(v);
}

/** For UInt32 columns (pids, uids, thread counts): a larger value would wrap silently in the store. */
function uint32(r: Obj, key: string): number {
  const v = uint(r, key);
  if (v > 0xffffffff) throw new RecordError(`field "${key}" must be at most 2^32 - 1`);
  return v;
}

/** A number that must not be negative, kept as is (load, seconds, cores). */
function nonNegative(r: Obj, key: string): number {
  const v = num(r, key);
  if (v < 0) throw new RecordError(`field "${key}" must not be negative`);
  return v;
}

function nullableInt(r: Obj, key: string): number | null {
  const v = r[key];
  if (v === null || v === undefined) return null;
  if (!Number.isInteger(v)) throw new RecordError(`field "${key}" must be an integer or null`);
  return v as number;
}

function time(r: Obj, key = "time"): string {
  const v = str(r, key, { max: 64 });
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    throw new RecordError(
      `field "${key}" must be an RFC 3339 timestamp, got ${JSON.stringify(v.slice(0, 40))}`,
    );
  }
  return v;
}

function map(r: Obj, key: string): Record<string, string> {
  const v = r[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v))
    throw new RecordError(`field "${key}" must be an object of strings`);
  const out: Record<string, string> = newAttributes();
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === "string" ? val : JSON.stringify(val);
  return out;
}

/** An optional array of at most `maxEntries` strings of at most `maxChars` each; absent → []. */
function strings(r: Obj, key: string, { maxEntries = 256, maxChars = 4096 } = {}): string[] {
  const v = r[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RecordError(`field "${key}" must be an array of strings`);
  if (v.length > maxEntries) throw new RecordError(`field "${key}" has more than ${maxEntries} entries`);
  v.forEach((el: unknown, i) => {
    if (typeof el !== "string" || el.length > maxChars)
      throw new RecordError(`field "${key}[${i}]" must be a string of at most ${maxChars} characters`);
  });
  return v as string[];
}

/** An optional string that must be one of `known`; absent → "". */
function oneOf(r: Obj, key: string, known: readonly string[]): string {
  const v = r[key] ?? "";
  if (typeof v === "string" && known.includes(v)) return v;
  const list = known.map((k) => JSON.stringify(k));
  throw new RecordError(
    `field "${key}" must be one of ${list.slice(0, -1).join(", ")} or ${list.at(-1)}, got ${JSON.stringify(v).slice(0, 40)}`,
  );
}

type FieldType = "string" | "uint" | "number";

/**
 * An optional array of objects whose fields have the given types, mapped to tuples with
 * snake_case keys for the store (`rxBytes` → `rx_bytes`); absent → []. A wrong shape rejects the
 * record, naming the element and field.
 */
function objects(
  r: Obj,
  key: string,
  fields: Record<string, FieldType>,
  { max = 256, optional = [] as string[] } = {},
): Obj[] {
  const v = r[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RecordError(`field "${key}" must be an array of objects`);
  if (v.length > max) throw new RecordError(`field "${key}" has more than ${max} elements`);
  return v.map((el: unknown, i) => {
    if (typeof el !== "object" || el === null || Array.isArray(el))
      throw new RecordError(`field "${key}[${i}]" must be an object`);
    const out: Obj = {};
    for (const [name, type] of Object.entries(fields)) {
      const at = `${key}[${i}].${name}`;
      const value = (el as Obj)[name];
      const column = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      if (value === undefined && optional.includes(name)) {
        out[column] = type === "string" ? "" : 0;
        continue;
      }
      if (type === "string") {
        if (typeof value !== "string" || value.length > 4096)
          throw new RecordError(`field "${at}" must be a string (up to 4096 characters)`);
        out[column] = value;
      } else {
        if (typeof value !== "number" || !Number.isFinite(value))
          throw new RecordError(`field "${at}" must be a finite number`);
        if (type === "uint" && value < 0) throw new RecordError(`field "${at}" must not be negative`);
        out[column] = type === "uint" ? Math.round(value) : value;
      }
    }
    return out;
  });
}

const INTERFACE_FIELDS: Record<string, FieldType> = {
  name: "string",
  rxBytes: "uint",
  txBytes: "uint",
  rxPackets: "uint",
  txPackets: "uint",
  rxErrors: "uint",
  txErrors: "uint",
  rxDropped: "uint",
  txDropped: "uint",
};

const DEVICE_FIELDS: Record<string, FieldType> = {
  device: "string",
  major: "uint",
  minor: "uint",
  readBytes: "uint",
  writeBytes: "uint",
  reads: "uint",
  writes: "uint",
};

function identity(r: Obj) {
  return {
    time: time(r),
    host: str(r, "host", { max: 256 }),
    container_id: str(r, "containerId", { required: false, max: 128 }),
    container_name: str(r, "containerName", { required: false, max: 256 }),
    image: str(r, "image", { required: false, max: 512 }),
  };
}

/** What `docker inspect` shows an operator; an older collector's record has none of it. */
function containerDetails(r: Obj) {
  const { commandChars, maxEntries, entryChars } = CONTAINER_DETAIL_LIMITS;
  const list = { maxEntries, maxChars: entryChars };
  return {
    command: str(r, "command", { required: false, max: commandChars }),
    env: strings(r, "env", list),
    ports: strings(r, "ports", list),
    mounts: strings(r, "mounts", list),
    health: oneOf(r, "health", CONTAINER_HEALTH),
  };
}

const MAPPERS: Record<string, (r: Obj) => Obj> = {
  log: (r) => ({
    ...identity(r),
    source: str(r, "source", { max: 64 }),
    stream: str(r, "stream", { required: false, max: 32 }),
    unit: str(r, "unit", { required: false, max: 256 }),
    identifier: str(r, "identifier", { required: false, max: 256 }),
    pid: uint32(r, "pid"),
    severity_number: Math.min(24, uint(r, "severityNumber")),
    severity_text: str(r, "severityText", { required: false, max: 32 }),
    body: str(r, "body", { max: 16 << 20 }),
    attributes: map(r, "attributes"),
    seq: uint(r, "seq"),
  }),
  sample: (r) => ({
    ...identity(r),
    origin: str(r, "origin", { required: false, max: 32 }),
    cpu_usage_seconds: num(r, "cpuUsageSeconds"),
    cpu_user_seconds: num(r, "cpuUserSeconds"),
    cpu_system_seconds: num(r, "cpuSystemSeconds"),
    cpu_cores: num(r, "cpuCores"),
    memory_usage_bytes: uint(r, "memoryUsageBytes"),
    memory_working_set_bytes: uint(r, "memoryWorkingSetBytes"),
    memory_rss_bytes: uint(r, "memoryRssBytes"),
    memory_cache_bytes: uint(r, "memoryCacheBytes"),
    memory_limit_bytes: uint(r, "memoryLimitBytes"),
    pids: uint32(r, "pids"),
    blkio_read_bytes: uint(r, "blkioReadBytes"),
    blkio_write_bytes: uint(r, "blkioWriteBytes"),
    network_rx_bytes: uint(r, "networkRxBytes"),
    network_tx_bytes: uint(r, "networkTxBytes"),
    cpu_periods: uint(r, "cpuPeriods"),
    cpu_throttled_periods: uint(r, "cpuThrottledPeriods"),
    cpu_throttled_seconds: num(r, "cpuThrottledSeconds"),
    memory_swap_bytes: uint(r, "memorySwapBytes"),
    memory_mapped_file_bytes: uint(r, "memoryMappedFileBytes"),
    memory_max_usage_bytes: uint(r, "memoryMaxUsageBytes"),
    memory_failcnt: uint(r, "memoryFailcnt"),
    memory_reservation_bytes: uint(r, "memoryReservationBytes"),
    oom_kills: uint(r, "oomKills"),
    threads: uint32(r, "threads"),
    file_descriptors: uint32(r, "fileDescriptors"),
    network_rx_packets: uint(r, "networkRxPackets"),
    network_tx_packets: uint(r, "networkTxPackets"),
    network_rx_errors: uint(r, "networkRxErrors"),
    network_tx_errors: uint(r, "networkTxErrors"),
    network_rx_dropped: uint(r, "networkRxDropped"),
    network_tx_dropped: uint(r, "networkTxDropped"),
    blkio_reads: uint(r, "blkioReads"),
    blkio_writes: uint(r, "blkioWrites"),
    interfaces: objects(r, "interfaces", INTERFACE_FIELDS),
    devices: objects(r, "devices", DEVICE_FIELDS),
  }),
  event: (r) => ({
    ...identity(r),
    type: str(r, "type", { max: 64 }),
    action: str(r, "action", { max: 128 }),
    exit_code: nullableInt(r, "exitCode"),
    attributes: map(r, "attributes"),
  }),
  container: (r) => ({
    ...identity(r),
    created: str(r, "created", { required: false, max: 64 }),
    state: str(r, "state", { max: 32 }),
    exit_code: nullableInt(r, "exitCode"),
    oom_killed: r.oomKilled === true,
    log_driver: str(r, "logDriver", { required: false, max: 64 }),
    labels: map(r, "labels"),
    memory_limit_bytes: uint(r, "memoryLimitBytes"),
    cpu_limit_cores: num(r, "cpuLimitCores"),
    restart_policy: str(r, "restartPolicy", { required: false, max: 64 }),
    restart_count: uint32(r, "restartCount"),
    ...containerDetails(r),
  }),
  host: (r) => ({
    time: time(r),
    host: str(r, "host", { max: 256 }),
    collector_id: str(r, "collectorId", { max: 128 }),
    collector_version: str(r, "collectorVersion", { required: false, max: 64 }),
    boot_id: str(r, "bootId", { required: false, max: 64 }),
    machine_id: str(r, "machineId", { required: false, max: 64 }),
    kernel: str(r, "kernel", { required: false, max: 256 }),
    cpu_cores: uint(r, "cpuCores"),
    memory_bytes: uint(r, "memoryBytes"),
    hostname: str(r, "hostname", { required: false, max: 256 }),
    os: str(r, "os", { required: false, max: 256 }),
    swap_bytes: uint(r, "swapBytes"),
    uptime_seconds: nonNegative(r, "uptimeSeconds"),
    load1: nonNegative(r, "load1"),
    load5: nonNegative(r, "load5"),
    load15: nonNegative(r, "load15"),
    cpu_busy_cores: nonNegative(r, "cpuBusyCores"),
    memory_available_bytes: uint(r, "memoryAvailableBytes"),
    labels: map(r, "labels"),
    filesystems: objects(
      r,
      "filesystems",
      {
        device: "string",
        mountpoint: "string",
        type: "string",
        capacityBytes: "uint",
        availableBytes: "uint",
        inodes: "uint",
      },
      { optional: ["inodes"] },
    ),
    interfaces: objects(
      r,
      "interfaces",
      { name: "string", mac: "string", speedMbps: "uint", mtu: "uint" },
      { optional: ["mtu"] },
    ),
  }),
  process: (r) => {
    const pid = uint32(r, "pid");
    if (pid < 1) throw new RecordError('field "pid" must be a positive integer');
    return {
      ...identity(r),
      pid,
      ns_pid: uint32(r, "nsPid") || pid,
      ppid: uint32(r, "ppid"),
      uid: uint32(r, "uid"),
      user: str(r, "user", { max: 256 }),
      command: str(r, "command", { max: 64 }),
      cmdline: str(r, "cmdline", { required: false, max: 8192 }),
      state: str(r, "state", { max: 8 }),
      cpu_percent: nonNegative(r, "cpuPercent"),
      rss_bytes: uint(r, "rssBytes"),
      threads: uint32(r, "threads"),
      start_time: time(r, "startTime"),
    };
  },
};

const TABLE_OF: Record<string, Table> = {
  log: "logs",
  sample: "samples",
  event: "events",
  container: "containers",
  host: "hosts",
  process: "processes",
};

/** Parses and maps one NDJSON line; throws RecordError with a person-readable reason. */
export function toRow(line: string): { table: Table; row: Obj } {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    throw new RecordError("not valid JSON");
  }
  if (typeof r !== "object" || r === null || Array.isArray(r))
    throw new RecordError("a record must be a JSON object");
  const kind = (r as Obj).kind;
  const mapper = typeof kind === "string" ? MAPPERS[kind] : undefined;
  const table = typeof kind === "string" ? TABLE_OF[kind] : undefined;
  if (!mapper || !table) {
    throw new RecordError(
      `unknown record kind ${JSON.stringify(kind)}; expected one of ${Object.keys(MAPPERS).join(", ")}`,
    );
  }
  return { table, row: mapper(r as Obj) };
}
