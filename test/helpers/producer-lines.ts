// The lines a real busybox container wrote through Docker's json-file driver
// (test/fixtures/log-lines/producer.json.log), as the json-file source turns them into records.
import { readFileSync } from "node:fs";
import { parseJsonFileLine } from "../../collector/sources/json-file/json-file-line.ts";
import { PartialMerger } from "../../collector/sources/json-file/partial-merger.ts";
import type { LogRecord } from "../../protocol/records.ts";

export const LOG_FIXTURES = new URL("../fixtures/log-lines/", import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, LOG_FIXTURES), "utf8");
}

export function producerRecords(containerId = "c".repeat(64)): LogRecord[] {
  const merger = new PartialMerger<number>();
  return fixtureText("producer.json.log")
    .split("\n")
    .filter((l) => l !== "")
    .flatMap((text, i) => {
      const parsed = parseJsonFileLine(text);
      if (!parsed.ok) throw new Error(parsed.error);
      const m = merger.push(parsed.line, i);
      return m ? [m] : [];
    })
    .map((m) => ({
      kind: "log" as const,
      time: m.time,
      host: "test",
      source: "docker-json",
      stream: m.stream,
      unit: "",
      identifier: "",
      pid: 0,
      severityNumber: 0,
      severityText: "",
      body: m.body,
      attributes: { ...m.attrs },
      seq: m.meta,
      containerId,
      containerName: "producer",
      image: "busybox:fleetscope",
    }));
}

/** The producer record whose body starts with `prefix`. */
export function producerLine(prefix: string): LogRecord {
  const r = producerRecords().find((x) => x.body.startsWith(prefix));
  if (!r) throw new Error(`no fixture line starts with ${JSON.stringify(prefix)}`);
  return r;
}
