import { describe, expect, it } from "vitest";
import { RecordError, toRow } from "../../aggregator/ingest/to-row.ts";
import type { ProcessRecord } from "../../protocol/records.ts";

// What the collector's processes source emits for a container's `sleep 1002` (the fixture's
// pid 10801; see test/fixtures/proc-process/SOURCE.md).
const RECORD: ProcessRecord = {
  kind: "process",
  time: "2026-11-22T03:00:01.123Z",
  host: "vm",
  containerId: "ce2eb446f2432811a27a68ccde8c5823e868872cb3e17746b07b5901a009e7cb",
  containerName: "fs-fixture-procs",
  image: "busybox:fleetscope",
  pid: 10801,
  nsPid: 8,
  ppid: 10770,
  uid: 0,
  user: "root",
  command: "sleep",
  cmdline: "sleep 1002",
  state: "S",
  cpuPercent: 0.5,
  rssBytes: 1478656,
  threads: 1,
  startTime: "2026-11-22T02:59:58.760Z",
};

const line = (patch: Record<string, unknown>) => JSON.stringify({ ...RECORD, ...patch });

describe("process records → processes rows", () => {
  it("maps every field to its column", () => {
    expect(toRow(JSON.stringify(RECORD))).toEqual({
      kind: "process",
      retimed: false,
      table: "processes",
      row: {
        time: RECORD.time,
        host: "vm",
        container_id: RECORD.containerId,
        container_name: "fs-fixture-procs",
        image: "busybox:fleetscope",
        pid: 10801,
        ns_pid: 8,
        ppid: 10770,
        uid: 0,
        user: "root",
        command: "sleep",
        cmdline: "sleep 1002",
        state: "S",
        cpu_percent: 0.5,
        rss_bytes: 1478656,
        threads: 1,
        start_time: RECORD.startTime,
      },
    });
  });

  it("takes a host process with no container", () => {
    const { row } = toRow(line({ containerId: "", containerName: "", image: "" }));
    expect(row).toMatchObject({ container_id: "", container_name: "" });
  });

  it.each([
    [{ pid: 0 }, /pid.*positive/],
    [{ pid: "12" }, /pid.*number/],
    [{ cpuPercent: -1 }, /cpuPercent.*negative/],
    [{ startTime: "yesterday" }, /startTime.*RFC 3339/],
    [{ user: 0 }, /user.*string/],
    [{ state: "sleeping-for-long" }, /state.*longer/],
    [{ cmdline: "x".repeat(9000) }, /cmdline.*longer/],
  ])("rejects %j", (patch, reason) => {
    expect(() => toRow(line(patch))).toThrow(RecordError);
    expect(() => toRow(line(patch))).toThrow(reason);
  });
});
