// The incident rules on event streams captured from a real Docker daemon and a real kernel
// (test/fixtures/incidents/SOURCE.md), turned into records by the collector's own code.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_DETECTOR } from "../../aggregator/incidents/detector.ts";
import {
  ALL_RULES,
  evaluateRules,
  PER_CONTAINER_RULES,
  type RuleSet,
} from "../../aggregator/incidents/registry.ts";
import {
  containerKey,
  type EventFact,
  type IncidentDraft,
  type LogFact,
  plural,
} from "../../aggregator/incidents/rule.ts";
import { OOM_SETTLE_MS, oomIncidents } from "../../aggregator/incidents/rules/oom.ts";
import { unitIncidents } from "../../aggregator/incidents/rules/unit-failed.ts";
import {
  type DockerEvent,
  toEventRecord,
} from "../../collector/sources/docker-events/docker-events-source.ts";
import { journalEntryToLogRecord } from "../../collector/sources/journald/journal-entry.ts";
import { KernelOomReader } from "../../collector/sources/journald/kernel-oom.ts";
import type { EventRecord, LogRecord } from "../../protocol/records.ts";

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

// A death's wake-up run (detector.ts) evaluates the per-container rules over only the dying
// containers' evidence, and writes what they find as the full run would: that holds only if each
// such rule finds a container's incidents from that container's evidence alone.
describe("per-container rules", () => {
  // The captured stream on two hosts: the same image failing on both is a fleet incident.
  const twoHosts = [...all, ...all.map((e) => ({ ...e, host: "vm-2" }))].sort(byTime);
  const byId = (list: IncidentDraft[]) => [...list].sort((a, b) => a.id.localeCompare(b.id));
  const evaluate = (events: EventFact[], rules: RuleSet, now: number) =>
    evaluateRules({ events, unitLogs: [], errorBuckets: [], samples: [] }, DEFAULT_DETECTOR, now, rules);
  const containerByContainer = (rules: RuleSet, now: number) =>
    [...new Set(twoHosts.map(containerKey))].flatMap((key) =>
      evaluate(
        twoHosts.filter((e) => containerKey(e) === key),
        rules,
        now,
      ),
    );

  for (const [when, now] of [
    ["right after the deaths", lastTime + 1000],
    ["ten minutes later", later],
  ] as const)
    it(`find, ${when}, the same incidents container by container as over the whole stream`, () => {
      const whole = evaluate(twoHosts, PER_CONTAINER_RULES, now);
      expect(whole.map((i) => i.kind)).toEqual(expect.arrayContaining(["oom", "crash-loop", "exit"]));
      expect(byId(containerByContainer(PER_CONTAINER_RULES, now))).toEqual(byId(whole));
    });

  it("leave out the rules that look across containers, whose incidents a container alone does not show", () => {
    expect(PER_CONTAINER_RULES.rules.map((r) => r.kind)).not.toContain("fleet");
    const whole = evaluate(twoHosts, ALL_RULES, later);
    expect(whole.map((i) => i.kind)).toContain("fleet");
    expect(byId(containerByContainer(ALL_RULES, later))).not.toEqual(byId(whole));
  });
});

describe("incident rules on a captured stream", () => {
  const incidents = evaluateRules(
    { events: all, unitLogs: [], errorBuckets: [], samples: [] },
    DEFAULT_DETECTOR,
    later,
  );

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
    const crashLoop = loop.find((i) => i.kind === "crash-loop");
    expect(crashLoop?.count).toBe(6);
    // 6 deaths, and 5 starts after the first of them (the capture's 4 by the daemon, 1 by a person).
    expect(crashLoop?.summary).toMatch(
      /^fx-loop keeps dying: 6 deaths since \S+, 5 restarts \(last exit code 1\)$/,
    );
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

  it("calls a SIGKILL death without an OOM report an exit only once the report had time to arrive", () => {
    // fx-oom's die alone (exit 137): its oom event and the kernel's line not stored yet.
    const die = all.find((e) => e.action === "die" && e.containerId === idOfName("fx-oom")) as EventFact;
    const at = (msAfter: number) =>
      evaluateRules(
        { events: [die], unitLogs: [], errorBuckets: [], samples: [] },
        DEFAULT_DETECTOR,
        Date.parse(die.time) + msAfter,
      ).filter((i) => i.containerId === die.containerId);
    expect(at(100)).toEqual([]);
    // The reports came after all: one OOM incident, no exit.
    const reports = all.filter((e) => e.containerId === die.containerId);
    const withReports = evaluateRules(
      { events: reports, unitLogs: [], errorBuckets: [], samples: [] },
      DEFAULT_DETECTOR,
      Date.parse(die.time) + 100,
    ).filter((i) => i.containerId === die.containerId);
    expect(withReports.map((i) => i.kind)).toEqual(["oom"]);
    // None came: a plain exit, once they had the time to.
    expect(at(OOM_SETTLE_MS).map((i) => [i.kind, i.summary])).toEqual([
      ["exit", `fx-oom exited with code 137, not stopped by anyone`],
    ]);
  });

  it("reports Docker's OOM event with its die at once, and one without a die only once the die had time to come", () => {
    const oomEvent = all.find((e) => e.action === "oom" && e.containerId === idOfName("fx-oom")) as EventFact;
    const die = all.find((e) => e.action === "die" && e.containerId === idOfName("fx-oom")) as EventFact;
    const at = Date.parse(oomEvent.time);
    expect(oomIncidents([oomEvent], [], at + 100)).toEqual([]);
    expect(oomIncidents([oomEvent, die], [], at + 100).map((i) => i.summary)).toEqual([
      expect.stringContaining("(exit 137)"),
    ]);
    const [alone] = oomIncidents([oomEvent], [], at + OOM_SETTLE_MS);
    expect(alone?.summary).toContain("the container lives on");
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

describe("unit-failed incidents from systemd's lines", () => {
  // One failure of fs-fixture-pay.service as journald stamped it (test/fixtures/journald/SOURCE.md):
  // the service's own line, PID 1's "Main process exited" and "Failed with result", a coredump
  // report and a root daemon's line about it.
  const entries = readFileSync(new URL("../fixtures/journald/unit-failure.jsonl", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const toFact = (r: LogRecord): LogFact => ({
    time: r.time,
    host: r.host,
    unit: r.unit,
    identifier: r.identifier,
    body: r.body,
    invocationId: r.attributes["journal.invocation_id"] ?? "",
  });
  const facts = (list: Record<string, unknown>[]) =>
    list.map((e) => toFact(journalEntryToLogRecord(e, "vm")));
  /** The same entries `seconds` later, as a later run of the unit (another invocation) writes them. */
  const later = (seconds: number, invocation: string) =>
    entries.map((e) => ({
      ...e,
      __REALTIME_TIMESTAMP: String(BigInt(e.__REALTIME_TIMESTAMP as string) + BigInt(seconds * 1e6)),
      ...(e.INVOCATION_ID ? { INVOCATION_ID: invocation } : {}),
    }));

  it("is one incident for the main process's exit and the unit's result, named after the unit", () => {
    const incidents = unitIncidents(facts(entries));
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({
      kind: "unit-failed",
      unit: "fs-fixture-pay.service",
      count: 1,
      summary:
        "fs-fixture-pay.service failed on vm: its main process exited with status 1/FAILURE (result 'exit-code')",
    });
    expect((incidents[0]?.evidence as { lines: unknown[] } | undefined)?.lines).toHaveLength(2);
  });

  it("is one incident per failure when the unit fails again (a new invocation)", () => {
    const incidents = unitIncidents(facts([...entries, ...later(3, "0123456789abcdef0123456789abcdef")]));
    expect(incidents.map((i) => i.unit)).toEqual(["fs-fixture-pay.service", "fs-fixture-pay.service"]);
    expect(new Set(incidents.map((i) => i.id)).size).toBe(2);
  });

  it("tells failures apart by time when the lines carry no invocation id", () => {
    const bare = (list: Record<string, unknown>[]) =>
      list.map(({ INVOCATION_ID: _drop, ...e }) => e as Record<string, unknown>);
    expect(unitIncidents(facts(bare(entries)))).toHaveLength(1);
    expect(unitIncidents(facts([...bare(entries), ...bare(later(60, ""))]))).toHaveLength(2);
  });

  it("is no incident for a main process that exited successfully", () => {
    const ok = entries.map((e) =>
      typeof e.MESSAGE === "string" && e.MESSAGE.includes("Main process exited")
        ? { ...e, MESSAGE: "fs-fixture-pay.service: Main process exited, code=exited, status=0/SUCCESS" }
        : e,
    );
    const onlyExit = ok.filter((e) => !String(e.MESSAGE).includes("Failed with result"));
    expect(unitIncidents(facts(onlyExit))).toEqual([]);
  });
});

describe("plural", () => {
  it("says 1 death and 2 deaths", () => {
    expect([plural(0, "death"), plural(1, "death"), plural(2, "death")]).toEqual([
      "0 deaths",
      "1 death",
      "2 deaths",
    ]);
    expect(plural(1, "process", "processes")).toBe("1 process");
    expect(plural(3, "process", "processes")).toBe("3 processes");
  });
});
