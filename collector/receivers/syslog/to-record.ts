// A parsed syslog message → LogRecord.
//
// Lines of a container (its tag resolved, see container-tag.ts): Docker's driver sends stdout
// with severity info (6) and stderr with err (3) — that encodes the stream, not a level — so,
// as for the journald driver (collector/sources/journald/journal-entry.ts), `stream` is set from it and
// severity left unknown for the content-based detection. PROCID is dockerd's pid: kept as an
// attribute, `pid` 0. Every other sender's severity is mapped (priority.ts).
//
// Attributes: syslog.format, syslog.facility and syslog.severity (names), and when present
// syslog.hostname, syslog.procid, syslog.msgid, syslog.sd.<sd-id>.<param>;
// syslog.invalid_utf8 = "true" when bytes were not UTF-8 (decoded with U+FFFD);
// fleetscope.truncated = "true" when the line was cut at the size limit.
import type { ContainerRef, LogRecord } from "../../../protocol/records.ts";
import { TRUNCATED_ATTRIBUTE, TRUNCATION_MARKER, truncateLine } from "../../processors/truncate.ts";
import type { SyslogMessage } from "./message.ts";
import { FACILITIES, otelSeverity, SEVERITIES } from "./priority.ts";

export interface Received {
  message: SyslogMessage;
  /** The frame was cut before parsing (longer than the frame limit). */
  truncated: boolean;
  invalidUtf8: boolean;
}

export interface RecordOptions {
  host: string;
  maxLineBytes: number;
  /** When it arrived: the time of a message without a readable timestamp. */
  receivedAt: Date;
  seq: number;
}

export function toLogRecord(r: Received, container: ContainerRef | undefined, o: RecordOptions): LogRecord {
  const m = r.message;
  const attributes: Record<string, string> = {
    "syslog.format": m.format,
    "syslog.facility": FACILITIES[m.facility] ?? String(m.facility),
    "syslog.severity": SEVERITIES[m.severity] ?? String(m.severity),
  };
  if (m.hostname) attributes["syslog.hostname"] = m.hostname;
  if (m.procId) attributes["syslog.procid"] = m.procId;
  if (m.msgId) attributes["syslog.msgid"] = m.msgId;
  for (const [k, v] of Object.entries(m.structuredData)) attributes[`syslog.sd.${k}`] = v;
  if (r.invalidUtf8) attributes["syslog.invalid_utf8"] = "true";

  let body = truncateLine(m.message, o.maxLineBytes);
  if (r.truncated && !body.truncated) body = truncateLine(m.message + TRUNCATION_MARKER, o.maxLineBytes);
  if (r.truncated || body.truncated) attributes[TRUNCATED_ATTRIBUTE] = "true";

  const severity = container ? { number: 0, text: "" } : otelSeverity(m.severity);
  const pid = !container && /^\d{1,9}$/.test(m.procId) ? Number(m.procId) : 0;
  return {
    kind: "log",
    time: m.time ?? o.receivedAt.toISOString(),
    host: o.host,
    source: "syslog",
    stream: container ? (m.severity === 3 ? "stderr" : m.severity === 6 ? "stdout" : "") : "",
    unit: "",
    identifier: m.appName,
    pid,
    severityNumber: severity.number,
    severityText: severity.text,
    body: body.body,
    attributes,
    seq: o.seq,
    containerId: container?.containerId ?? "",
    containerName: container?.containerName ?? "",
    image: container?.image ?? "",
  };
}
