// The incident rules on event streams captured from a real Docker daemon and a real kernel
// (test/fixtures/incidents/SOURCE.md), turned into records by the collector's own code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_DETECTOR } from "../../aggregator/incidents/detector.ts";
import { OOM_SETTLE_MS, oomIncidents } from "../../aggregator/incidents/oom-rule.ts";
import { containerIncidents, type EventFact, type IncidentDraft } from "../../aggregator/incidents/rules.ts";
import { journalEntryToLogRecord } from "../../collector/journal/journal-entry.ts";
import { KernelOomReader } from "../../collector/journal/kernel-oom.ts";
import { type DockerEvent, toEventRecord } from "../../collector/sources/docker-events.ts";
import type { EventRecord } from "../../protocol/records.ts";

const dir = new URL("../fixtures/incidents/", import.meta.url);
const lines = (file: string) =>
  readFileSync(new URL(file, dir), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");

const noInventory = { get: () => undefined };
const dockerEvents: EventRecord[] = lines("docker-events.ndjson").map((line) => {
  const ev = JSON.parse(line) as DockerEvent;
  return toEventRecord(ev, BigInt(/"timeNano":(\d+)/.exec(line)?.[1] ?? 0), "vm", noInventory);
});
const kernelReader = new KernelOomReader();
const kernelEvents = lines("kernel-journal.ndjson").flatMap((line) => {
  const kill = kernelReader.observe(journalEntryToLogRecord(JSON.parse(line), "vm"));
  return kill ? [kill] : [];
});

const fact = (e: EventRecord): EventFact => ({
  time: e.time,
  host: e.host,
  action: e.action,
  containerId: e.containerId,
  containerName: e.containerName,
  image: e.image,
  exitCode: e.exitCode,
  attributes: e.attributes,
});
const byTime = (a: EventFact, b: EventFact) => Date.parse(a.time) - Date.parse(b.time);
const all = [...dockerEvents, ...kernelEvents].map(fact).sort(byTime);
const idOfName = (name: string) => dockerEvents.find((e) => e.containerName === name)?.containerId as string;
const lastTime = Date.parse(all.at(-1)?.time as string);
const later = lastTime + 10 * 60_000;
const named = (list: IncidentDraft[], name: string) => list.filter((i) => i.containerId === idOfName(name));

describe("kernel OOM lines from the journal", () => {
  it("become one oom-kill event per killed process, with the container, process and usage", () => {
    expect(kernelEvents).toHaveLength(2);
    const [first, second] = kernelEvents as [EventRecord, EventRecord];
    expect(first).toMatchObject({
      kind: "event",
      type: "kernel",
      action: "oom-kill",
      containerId: idOfName("fx-oom"),
    });
    expect(second.containerId).toBe(idOfName("fx-child-oom"));
    expect(first.attributes).toMatchObject({
      process: "tail",
      pid: "25067",
      usageBytes: String(16384 * 1024),
      limitBytes: String(16384 * 1024),
      anonRssBytes: String(16000 * 1024),
    });
  });
});

describe("incident rules on a captured stream", () => {
  const incidents = [...containerIncidents(all, later, DEFAULT_DETECTOR), ...oomIncidents(all, [], later)];

  it("fuses Docker's oom event, the kernel's report and the die into one OOM incident per kill", () => {
    const [oom, ...more] = named(incidents, "fx-oom");
    expect(more).toEqual([]);
    expect(oom).toMatchObject({ kind: "oom", count: 1 });
    expect(oom?.summary).toContain("tail (pid 25067)");
    expect(oom?.summary).toContain("(exit 137)");
    expect((oom?.evidence as { signals: string[] } | undefined)?.signals).toEqual([
      "docker-oom-event",
      "kernel-journal",
      "die",
    ]);
  });

  it("raises an OOM for a child killed while PID 1 lives on, and not its later clean exit", () => {
    const list = named(incidents, "fx-child-oom");
    expect(list.map((i) => i.kind)).toEqual(["oom"]);
    expect(list[0]?.summary).toContain("the container lives on");
    expect((list[0]?.evidence as { die: unknown } | undefined)?.die).toBeNull();
  });

  it("folds the restart loop into one crash-loop and leaves person-caused deaths alone", () => {
    const loop = named(incidents, "fx-loop");
    expect(loop.filter((i) => i.status !== "merged").map((i) => i.kind)).toEqual(["crash-loop"]);
    expect(loop.find((i) => i.kind === "crash-loop")?.count).toBe(6);
    for (const name of ["fx-stop", "fx-restart", "fx-kill"]) expect(named(incidents, name)).toEqual([]);
    expect(named(incidents, "fx-exit3").map((i) => [i.kind, i.summary])).toEqual([
      ["exit", "fx-exit3 exited with code 3, not stopped by anyone"],
    ]);
  });

  it("keeps an OOM incident's id when the kernel's lines arrive after Docker's event", () => {
    const dockerOnly = oomIncidents(dockerEvents.map(fact), [], later);
    expect(dockerOnly.map((i) => i.id).sort()).toEqual(
      oomIncidents(all, [], later)
        .map((i) => i.id)
        .sort(),
    );
  });

  it("reports a kernel-only kill once Docker had time to send its event, not before", () => {
    const kernelOnly = kernelEvents.map(fact);
    const killedAt = Date.parse(kernelOnly[0]?.time as string);
    expect(oomIncidents(kernelOnly.slice(0, 1), [], killedAt + 1000)).toEqual([]);
    const [late] = oomIncidents(kernelOnly.slice(0, 1), [], killedAt + OOM_SETTLE_MS);
    expect(late).toMatchObject({ kind: "oom", containerId: idOfName("fx-oom") });
    expect(late?.summary).toContain("tail (pid 25067) at 16.0 MiB of 16.0 MiB");
  });
});
