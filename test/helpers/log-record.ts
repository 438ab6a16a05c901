import type { LogRecord } from "../../protocol/records.ts";

/** A LogRecord for tests: neutral defaults (no container, stdout, unknown severity), then `fields`. */
export function logRecord(fields: Partial<LogRecord> = {}): LogRecord {
  return {
    kind: "log",
    time: "2026-11-22T00:00:00Z",
    host: "test",
    source: "test",
    containerId: "",
    containerName: "",
    image: "",
    stream: "stdout",
    unit: "",
    identifier: "",
    pid: 0,
    severityNumber: 0,
    severityText: "",
    body: "",
    attributes: {},
    seq: 0,
    ...fields,
  };
}
