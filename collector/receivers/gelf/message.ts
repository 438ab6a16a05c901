// One GELF message (JSON) → a LogRecord. Docker's gelf driver sends, per line:
//   {"version":"1.1","host":"vm","short_message":"…","timestamp":1795323387.746,"level":6,
//    "_command":"…","_container_id":"<64 hex>","_container_name":"web","_created":"…",
//    "_image_id":"sha256:…","_image_name":"busybox","_tag":"<12 hex>", …labels/env as "_key"}
// Its `level` is only the stream (6 stdout, 3 stderr; measured, see test/fixtures/gelf/SOURCE.md),
// so for Docker lines it sets `stream` and leaves the severity unknown, as the journald source
// does; a GELF library that sends a real level gets it mapped (syslog level → OpenTelemetry).
// The body is not cut here: the pipeline cuts every source's lines at --max-line-size and counts
// them; the receiver bounds the whole message (maxMessageBytes) so memory stays bounded.
import { type LogRecord, newAttributes } from "../../../protocol/records.ts";
import { priorityToSeverity } from "../../../protocol/severity.ts";
import { nanosToRfc3339 } from "../../../protocol/time.ts";
import type { ContainerInventory } from "../../docker/inventory.ts";
import { resolveContainer } from "../identity.ts";

export interface MapContext {
  host: string;
  inventory: ContainerInventory;
}

export type MessageResult = { ok: true; record: LogRecord } | { ok: false; reason: string };

/** Fields the mapping consumes; every other field becomes an attribute. */
const CONSUMED = new Set(["version", "host", "short_message", "full_message", "timestamp", "level"]);
const IDENTITY = new Set(["_container_id", "_container_name", "_image_name", "_tag"]);
/** Docker's container metadata: redundant when the inventory knows the container. */
const DOCKER_META = new Set(["_command", "_created", "_image_id"]);

export function gelfToLogRecord(
  json: string,
  ctx: MapContext,
  seq: number,
  nowMs = Date.now(),
): MessageResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: "not a JSON object" };
  const m = parsed as Record<string, unknown>;
  const full = str(m.full_message);
  const body = full || str(m.short_message);
  if (body === undefined) return { ok: false, reason: "no short_message" };

  const sent = { id: str(m._container_id), name: str(m._container_name), image: str(m._image_name) };
  const ref = resolveContainer(ctx.inventory, sent);
  const known = ref.containerId !== "" && ctx.inventory.get(ref.containerId) !== undefined;
  const attributes: Record<string, string> = newAttributes();
  for (const [key, value] of Object.entries(m)) {
    if (CONSUMED.has(key) || IDENTITY.has(key) || (known && DOCKER_META.has(key))) continue;
    const text = attributeValue(value);
    if (text !== undefined) attributes[key.startsWith("_") ? key.slice(1) : key] = text;
  }
  const host = str(m.host);
  if (host && host !== ctx.host) attributes["gelf.host"] = host;

  const level = toLevel(m.level);
  const fromDocker = sent.id !== undefined && (level === 6 || level === 3);
  const severity =
    fromDocker || level === undefined ? { number: 0, text: "" } : priorityToSeverity(String(level));
  return {
    ok: true,
    record: {
      kind: "log",
      time: toRfc3339(m.timestamp, nowMs),
      host: ctx.host,
      ...ref,
      source: "gelf",
      stream: fromDocker ? (level === 3 ? "stderr" : "stdout") : "",
      unit: "",
      identifier: str(m._tag) ?? "",
      pid: 0,
      severityNumber: severity.number,
      severityText: severity.text,
      body,
      attributes,
      seq,
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function attributeValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return "[value too deeply nested]"; // JSON.parse took it, but stringify recurses
  }
}

/** A syslog level 0–7 (number or numeric string); GELF's default of 1 (ALERT) is not assumed. */
function toLevel(v: unknown): number | undefined {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 7 ? n : undefined;
}

const MAX_SECONDS = 253402300799; // 9999-12-31T23:59:59Z

/** GELF's timestamp: seconds since the epoch with decimals; now when absent or absurd. */
function toRfc3339(v: unknown, nowMs: number): string {
  const s = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  if (typeof s !== "number" || !Number.isFinite(s) || s < 0 || s > MAX_SECONDS)
    return new Date(nowMs).toISOString();
  return nanosToRfc3339(BigInt(Math.round(s * 1e6)) * 1000n);
}
