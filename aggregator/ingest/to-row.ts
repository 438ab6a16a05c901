// Turns one wire record into a row of its table, checking every field's type on the way:
// a record that fails is rejected alone, with a message saying which field and why.
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
  return Math.round(v);
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
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = typeof val === "string" ? val : JSON.stringify(val);
  return out;
}

function identity(r: Obj) {
  return {
    time: time(r),
    host: str(r, "host", { max: 256 }),
    container_id: str(r, "containerId", { required: false, max: 128 }),
    container_name: str(r, "containerName", { required: false, max: 256 }),
    image: str(r, "image", { required: false, max: 512 }),
  };
}

const MAPPERS: Record<string, (r: Obj) => Obj> = {
  log: (r) => ({
    ...identity(r),
    source: str(r, "source", { max: 64 }),
    stream: str(r, "stream", { required: false, max: 32 }),
    unit: str(r, "unit", { required: false, max: 256 }),
    identifier: str(r, "identifier", { required: false, max: 256 }),
    pid: uint(r, "pid"),
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
    pids: uint(r, "pids"),
    blkio_read_bytes: uint(r, "blkioReadBytes"),
    blkio_write_bytes: uint(r, "blkioWriteBytes"),
    network_rx_bytes: uint(r, "networkRxBytes"),
    network_tx_bytes: uint(r, "networkTxBytes"),
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
  }),
};

const TABLE_OF: Record<string, Table> = {
  log: "logs",
  sample: "samples",
  event: "events",
  container: "containers",
  host: "hosts",
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
