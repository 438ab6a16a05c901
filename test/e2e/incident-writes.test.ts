// The incident detector runs every 2 s over the last hour of evidence: it must write an incident
// when it is new or has changed, and not otherwise — neither on every run, nor all over again
// when the aggregator restarts. Counted in the incidents table of a real store.
import { afterAll, describe, expect, it } from "vitest";
import type { EventRecord, FleetRecord, LogRecord, SampleRecord } from "../../protocol/records.ts";
import { runDetector } from "../helpers/detector-runs.ts";
import { tempDir } from "../helpers/stack.ts";

const now = Date.now();
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString().replace("Z", "123456Z");
const id = (c: string) => c.repeat(64);

function event(
  secondsAgo: number,
  host: string,
  c: string,
  action: string,
  exitCode: number | null = null,
): EventRecord {
  const attributes: Record<string, string> = action === "start" ? { startedBy: "daemon" } : {};
  return {
    kind: "event",
    time: at(secondsAgo),
    host,
    type: "container",
    action,
    containerId: id(c),
    containerName: `app-${c}`,
    image: `img-${c}:1`,
    exitCode,
    attributes,
  };
}

function systemdLine(secondsAgo: number, body: string): LogRecord {
  return {
    kind: "log",
    time: at(secondsAgo),
    host: "h1",
    containerId: "",
    containerName: "",
    image: "",
    source: "journald",
    stream: "",
    unit: "pay.service",
    identifier: "systemd",
    pid: 1,
    severityNumber: 13,
    severityText: "WARN",
    body,
    attributes: { "journal.invocation_id": "5f1a0c3e9b7d4e21a6c8f0d2b4e6a8c1" },
    seq: 0,
  };
}

function pressureSample(secondsAgo: number): SampleRecord {
  return {
    kind: "sample",
    time: at(secondsAgo),
    host: "h1",
    containerId: id("d"),
    containerName: "app-d",
    image: "img-d:1",
    origin: "cgroup",
    cpuUsageSeconds: 1,
    cpuUserSeconds: 1,
    cpuSystemSeconds: 0,
    cpuCores: 0,
    memoryUsageBytes: 62 << 20,
    memoryWorkingSetBytes: 62 << 20,
    memoryRssBytes: 62 << 20,
    memoryCacheBytes: 0,
    memoryLimitBytes: 64 << 20,
    pids: 1,
    blkioReadBytes: 0,
    blkioWriteBytes: 0,
    networkRxBytes: 0,
    networkTxBytes: 0,
  };
}

/** A crash loop (a), an exit of the same image on a second host (a fleet), an OOM (b), a failed unit, memory pressure (d). */
const evidence: FleetRecord[] = [
  ...[90, 80, 70].flatMap((s) => [event(s, "h1", "a", "die", 1), event(s - 1, "h1", "a", "start")]),
  event(75, "h2", "a", "die", 1),
  event(60, "h1", "b", "oom"),
  event(60, "h1", "b", "die", 137),
  systemdLine(50, "pay.service: Main process exited, code=exited, status=1/FAILURE"),
  systemdLine(50, "pay.service: Failed with result 'exit-code'."),
  ...[40, 30, 20, 10].map(pressureSample),
];

describe("incident writes", () => {
  let dir: { path: string; remove: () => Promise<void> } | undefined;
  afterAll(async () => dir?.remove());

  it("writes each incident once, again only when it changes, and not again after a restart", async () => {
    dir = await tempDir("incident-writes");
    const first = await runDetector(dir.path, evidence, 3);
    expect(first.kinds).toEqual(["crash-loop", "exit", "fleet", "memory-pressure", "oom", "unit-failed"]);
    expect(first.written[0]).toBe(first.ids);
    expect(first.written.slice(1)).toEqual([0, 0]);
    expect(first.rows).toBe(first.ids);

    // A restarted aggregator (a new process on the same store) finds nothing new to write.
    const restarted = await runDetector(dir.path, [], 3);
    expect(restarted.written).toEqual([0, 0, 0]);
    expect(restarted.rows).toBe(first.rows);

    // The loop dies once more: its incident (count, summary) and the new exit are written, once.
    const more = await runDetector(dir.path, [event(5, "h1", "a", "die", 1)], 3);
    expect(more.written).toEqual([2, 0, 0]);
    expect(more.rows).toBe(first.rows + 2);
    expect(more.ids).toBe(first.ids + 1);
  });
});
