// Builders of wire records for tests: neutral defaults (zero use, no limit, a running busybox
// container), then the fields a test cares about. See log-record.ts for log lines.
import type { ContainerRecord, EventRecord, SampleRecord } from "../../protocol/records.ts";

export function sampleRecord(fields: Partial<SampleRecord> = {}): SampleRecord {
  return {
    kind: "sample",
    time: "2026-11-22T00:00:00Z",
    host: "test",
    containerId: "",
    containerName: "",
    image: "busybox:fleetscope",
    origin: "cgroup",
    cpuUsageSeconds: 0,
    cpuUserSeconds: 0,
    cpuSystemSeconds: 0,
    cpuCores: 0,
    memoryUsageBytes: 0,
    memoryWorkingSetBytes: 0,
    memoryRssBytes: 0,
    memoryCacheBytes: 0,
    memoryLimitBytes: 0,
    pids: 1,
    blkioReadBytes: 0,
    blkioWriteBytes: 0,
    networkRxBytes: 0,
    networkTxBytes: 0,
    ...fields,
  };
}

export function containerRecord(fields: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    kind: "container",
    time: "2026-11-22T00:00:00Z",
    host: "test",
    containerId: "",
    containerName: "",
    image: "busybox:fleetscope",
    created: "2026-11-22T00:00:00Z",
    state: "running",
    exitCode: null,
    oomKilled: false,
    logDriver: "json-file",
    labels: {},
    memoryLimitBytes: 0,
    cpuLimitCores: 0,
    restartPolicy: "no",
    ...fields,
  };
}

export function eventRecord(fields: Partial<EventRecord> = {}): EventRecord {
  return {
    kind: "event",
    time: "2026-11-22T00:00:00Z",
    host: "test",
    containerId: "",
    containerName: "",
    image: "busybox:fleetscope",
    type: "container",
    action: "start",
    exitCode: null,
    attributes: {},
    ...fields,
  };
}
