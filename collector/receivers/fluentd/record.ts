// One fluentd event → a LogRecord. Docker's fluentd driver sends records like
//   {"container_id":"<64 hex>","container_name":"/web","source":"stdout","log":"the line"}
// plus labels/env keys, and partial_message/partial_id/partial_ordinal/partial_last for the
// 16 KiB pieces of a longer line (kept as attributes). The tag (default: the short container id)
// becomes the identifier. Records from other fluent loggers keep every key as an attribute and
// take their body from `log`, else `message`, else the whole record as JSON.
import { type LogRecord, newAttributes } from "../../../protocol/records.ts";
import { nanosToRfc3339 } from "../../../protocol/time.ts";
import type { ContainerInventory } from "../../docker/inventory.ts";
import { resolveContainer } from "../identity.ts";
import { eventNanos } from "./event-time.ts";
import type { ForwardEvent } from "./forward-message.ts";
import { text } from "./msgpack-text.ts";

export interface MapContext {
  host: string;
  inventory: ContainerInventory;
}

const BODY_KEYS = ["log", "message"];
const STREAMS = new Set(["stdout", "stderr"]);

export function fluentdToLogRecord(
  tag: string,
  event: ForwardEvent,
  ctx: MapContext,
  seq: number,
  nowMs = Date.now(),
): LogRecord {
  const r = event.record;
  const bodyKey = BODY_KEYS.find((k) => text(r[k]) !== undefined);
  const body = bodyKey ? (text(r[bodyKey]) as string) : safeJson(r);
  const source = text(r.source) ?? "";
  const stream = STREAMS.has(source) ? source : "";
  const sentId = text(r.container_id);
  const ref = resolveContainer(ctx.inventory, { id: sentId, name: text(r.container_name) });
  // What became body, identity and stream is not repeated as an attribute.
  const consumed = new Set([bodyKey, stream ? "source" : undefined]);
  if (sentId !== undefined) for (const k of ["container_id", "container_name"]) consumed.add(k);
  const attributes: Record<string, string> = newAttributes();
  for (const [key, value] of Object.entries(r)) {
    if (consumed.has(key)) continue;
    const v = attributeValue(value);
    if (v !== undefined) attributes[key] = v;
  }
  const nanos = eventNanos(event.time);
  return {
    kind: "log",
    time: nanos !== undefined ? nanosToRfc3339(nanos) : new Date(nowMs).toISOString(),
    host: ctx.host,
    ...ref,
    source: "fluentd",
    stream,
    unit: "",
    identifier: tag,
    pid: 0,
    severityNumber: 0,
    severityText: "",
    body,
    attributes,
    seq,
  };
}

function attributeValue(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const t = text(v);
  if (t !== undefined) return t;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return safeJson(v);
}

/** JSON of a decoded value (bin as text, bigint as digits); absurdly deep nesting gives a placeholder. */
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) =>
      x instanceof Uint8Array ? Buffer.from(x).toString("utf8") : typeof x === "bigint" ? String(x) : x,
    );
  } catch {
    return "[value too deeply nested]";
  }
}
