// Incident rules: plain functions from stored evidence to incident drafts. Ids come from the
// evidence itself, so evaluating the same window twice yields the same incidents.
import { createHash } from "node:crypto";

export interface EventFact {
  time: string;
  host: string;
  action: string;
  containerId: string;
  containerName: string;
  image: string;
  exitCode: number | null;
  /** Event attributes: the kernel's oom-kill details, startedBy/restartCount on starts, ranForMs on dies. */
  attributes?: Record<string, string>;
}

export interface LogFact {
  time: string;
  host: string;
  unit: string;
  identifier: string;
  body: string;
  /** systemd's INVOCATION_ID (journal.invocation_id): one run of a unit; "" when unknown. */
  invocationId?: string;
}

export interface IncidentDraft {
  id: string;
  kind:
    | "oom"
    | "exit"
    | "crash-loop"
    | "unit-failed"
    | "fleet"
    | "error-burst"
    | "memory-pressure"
    | "cpu-throttled";
  time: string;
  ended: string | null;
  /** merged: an exit that turned out to be part of a crash loop (`mergedInto` names it). */
  status: "open" | "resolved" | "merged";
  host: string;
  containerId: string;
  containerName: string;
  image: string;
  unit: string;
  count: number;
  summary: string;
  evidence: unknown;
}

export interface RuleSettings {
  /** Dies of one container closer together than this belong to one streak. */
  crashLoopWindowMs: number;
  /** This many dies in a streak make a crash loop. */
  crashLoopMinDies: number;
  /** Failures of one image on different hosts closer together than this are one fleet incident … */
  fleetWindowMs: number;
  /** … once they span this many hosts. */
  fleetMinHosts: number;
}

export const ms = (t: string) => Date.parse(t);
/** "1 death", "2 deaths" (irregular plurals passed in). */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A short stable id from what identifies the incident (kind, host, subject, first evidence time). */
export const idOf = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 20);
const near = (a: EventFact, b: EventFact, beforeMs: number, afterMs: number) =>
  a.host === b.host &&
  a.containerId === b.containerId &&
  ms(b.time) - ms(a.time) >= -beforeMs &&
  ms(b.time) - ms(a.time) <= afterMs;

/** A die that a person caused: Docker sent kill or stop around it (stop arrives just after die). */
function byPerson(die: EventFact, events: EventFact[]): boolean {
  return events.some((e) => (e.action === "kill" || e.action === "stop") && near(die, e, 30_000, 2_000));
}

const ranFor = (d: EventFact) => (d.attributes?.ranForMs ? Number(d.attributes.ranForMs) : null);

/** The container's starts after `from` (its restarts, whoever made them), up to `now`. */
function startsAfter(events: EventFact[], from: EventFact, now: number): EventFact[] {
  return events.filter(
    (e) =>
      e.action === "start" &&
      e.host === from.host &&
      e.containerId === from.containerId &&
      ms(e.time) >= ms(from.time) &&
      ms(e.time) <= now,
  );
}

/** `events` oldest first. */
export function containerIncidents(events: EventFact[], now: number, s: RuleSettings): IncidentDraft[] {
  const out: IncidentDraft[] = [];
  const dies = events.filter((e) => e.action === "die" && !byPerson(e, events));
  // An OOM's die is the OOM incident's (oom-rule.ts), not an exit of its own.
  const oomOf = (die: EventFact) =>
    events.find((e) => (e.action === "oom" || e.action === "oom-kill") && near(die, e, 60_000, 1_000));

  // Streaks of dies per container, for crash loops.
  const streaks = new Map<string, EventFact[][]>();
  for (const d of dies) {
    const key = `${d.host}\u0000${d.containerId}`;
    const list = streaks.get(key) ?? [];
    const last = list.at(-1);
    const prev = last?.at(-1);
    if (last && prev && ms(d.time) - ms(prev.time) <= s.crashLoopWindowMs) last.push(d);
    else list.push([d]);
    streaks.set(key, list);
  }
  const inLoop = new Map<EventFact, string>();
  for (const list of streaks.values()) {
    for (const streak of list) {
      if (streak.length < s.crashLoopMinDies) continue;
      const first = streak[0] as EventFact;
      const last = streak.at(-1) as EventFact;
      const loopId = idOf("crash-loop", first.host, first.containerId, first.time);
      for (const d of streak) inLoop.set(d, loopId);
      const open = now - ms(last.time) <= s.crashLoopWindowMs;
      const restarts = startsAfter(events, first, now);
      out.push({
        id: loopId,
        kind: "crash-loop",
        time: first.time,
        ended: open ? null : new Date(ms(last.time) + s.crashLoopWindowMs).toISOString(),
        status: open ? "open" : "resolved",
        host: first.host,
        containerId: first.containerId,
        containerName: last.containerName,
        image: last.image,
        unit: "",
        count: streak.length,
        // Deaths and restarts differ: n deaths have n - 1 restarts between them, and one more
        // once it is started again after the last.
        summary: `${last.containerName} keeps dying: ${plural(streak.length, "death")} since ${first.time}, ${plural(restarts.length, "restart")} (last exit code ${last.exitCode})`,
        evidence: {
          dies: streak.map((d) => ({ time: d.time, exitCode: d.exitCode, ranForMs: ranFor(d) })),
          restarts: restarts.length,
          // Starts the collector saw the daemon make (docker/lifecycle.ts), not a person.
          restartsByDaemon: restarts.filter((e) => e.attributes?.startedBy === "daemon").length,
          restartPolicy: last.attributes?.restartPolicy ?? "",
        },
      });
    }
  }

  // An exit may have been written before its crash loop was seen: it is rewritten as merged.
  for (const d of dies) {
    if (d.exitCode === 0 || d.exitCode === null || oomOf(d)) continue;
    const loop = inLoop.get(d);
    out.push({
      id: idOf("exit", d.host, d.containerId, d.time),
      kind: "exit",
      time: d.time,
      ended: d.time,
      status: loop ? "merged" : "resolved",
      host: d.host,
      containerId: d.containerId,
      containerName: d.containerName,
      image: d.image,
      unit: "",
      count: 1,
      summary: `${d.containerName} exited with code ${d.exitCode}, not stopped by anyone`,
      evidence: { die: d, mergedInto: loop ?? null },
    });
  }
  return out;
}

/** systemd's own words for a unit that failed (src/core/unit.c unit_log_process_exit, unit_log_failure). */
export const UNIT_FAILURE =
  /Failed with result '[^']+'|Main process exited, code=(?:exited|killed|dumped), status=/;
const RESULT = /Failed with result '([^']+)'/;
const MAIN_EXIT = /Main process exited, code=(exited|killed|dumped), status=(\S+?)(?:,|$| )/;
/** Without invocation ids, a failure's lines lie this close together. */
const SAME_FAILURE_MS = 10_000;

/** A line of a failure: a non-successful main-process exit, or the unit's result. */
function isFailureLine(body: string): boolean {
  if (RESULT.test(body)) return true;
  const exit = MAIN_EXIT.exec(body);
  return exit !== null && !(exit[1] === "exited" && exit[2] === "0/SUCCESS") && !body.endsWith("(success)");
}

const unitOfLine = (l: LogFact) =>
  l.unit || /^([\w@.:\\-]+\.(?:service|socket|timer|mount|scope)):/.exec(l.body)?.[1] || "";

/**
 * systemd reports one failure of a unit in two lines, "Main process exited, …" then "Failed with
 * result '…'" (a result alone for timeouts and the like): they are one failure when they share
 * systemd's INVOCATION_ID, or, without one, follow each other closely; a result line ends it.
 */
function groupFailures(logs: LogFact[]): LogFact[][] {
  const open = new Map<string, { lines: LogFact[]; ended: boolean }>();
  const out: LogFact[][] = [];
  for (const l of logs.filter((x) => isFailureLine(x.body))) {
    const key = `${l.host}\u0000${unitOfLine(l)}`;
    const cur = open.get(key);
    const prev = cur?.lines.at(-1);
    const same =
      cur !== undefined &&
      prev !== undefined &&
      !cur.ended &&
      (prev.invocationId && l.invocationId
        ? prev.invocationId === l.invocationId
        : ms(l.time) - ms(prev.time) <= SAME_FAILURE_MS);
    const group = same ? cur : { lines: [], ended: false };
    if (!same) {
      open.set(key, group);
      out.push(group.lines);
    }
    group.lines.push(l);
    if (RESULT.test(l.body)) group.ended = true;
  }
  return out;
}

/** "its main process exited with status 1/FAILURE", "… was killed by signal 9/KILL" … */
function exitText(code: string, status: string): string {
  if (code === "killed") return `its main process was killed by signal ${status}`;
  if (code === "dumped") return `its main process dumped core (signal ${status})`;
  return `its main process exited with status ${status}`;
}

/** `logs` oldest first: one incident per failure of a unit. */
export function unitIncidents(logs: LogFact[]): IncidentDraft[] {
  return groupFailures(logs).map((lines) => {
    const first = lines[0] as LogFact;
    const last = lines.at(-1) as LogFact;
    const unit = lines.map(unitOfLine).find((u) => u !== "") ?? "";
    const exit = lines.map((l) => MAIN_EXIT.exec(l.body)).find((m) => m !== null);
    const result = lines.map((l) => RESULT.exec(l.body)?.[1]).find((r) => r !== undefined);
    const what = [
      exit ? exitText(exit[1] as string, exit[2] as string) : "",
      result ? `(result '${result}')` : "",
    ]
      .filter(Boolean)
      .join(" ");
    return {
      id: idOf("unit-failed", first.host, unit, first.time),
      kind: "unit-failed" as const,
      time: first.time,
      ended: last.time,
      status: "resolved" as const,
      host: first.host,
      containerId: "",
      containerName: "",
      image: "",
      unit,
      count: 1,
      summary: `${unit || "a systemd unit"} failed on ${first.host}: ${what}`,
      evidence: {
        lines,
        result: result ?? null,
        exit: exit ? { code: exit[1], status: exit[2] } : null,
        invocationId: lines.find((l) => l.invocationId)?.invocationId ?? null,
      },
    };
  });
}

/**
 * The same image failing on several hosts at once: one fleet-level incident linking the per-host
 * ones (oom, exit, crash-loop), so a bad image or a bad config rollout reads as one thing.
 */
export function fleetIncidents(drafts: IncidentDraft[], now: number, s: RuleSettings): IncidentDraft[] {
  const failures = drafts
    .filter((d) => d.image !== "" && d.status !== "merged" && ["oom", "exit", "crash-loop"].includes(d.kind))
    .sort((a, b) => ms(a.time) - ms(b.time));
  const byImage = new Map<string, IncidentDraft[][]>();
  for (const f of failures) {
    const clusters = byImage.get(f.image) ?? [];
    const last = clusters.at(-1);
    const prev = last?.at(-1);
    if (last && prev && ms(f.time) - ms(prev.time) <= s.fleetWindowMs) last.push(f);
    else clusters.push([f]);
    byImage.set(f.image, clusters);
  }
  const out: IncidentDraft[] = [];
  for (const [image, clusters] of byImage) {
    for (const cluster of clusters) {
      const hosts = [...new Set(cluster.map((f) => f.host))].sort();
      if (hosts.length < s.fleetMinHosts) continue;
      const first = cluster[0] as IncidentDraft;
      const last = cluster.at(-1) as IncidentDraft;
      const open = now - ms(last.time) <= s.fleetWindowMs;
      out.push({
        id: idOf("fleet", image, first.time),
        kind: "fleet",
        time: first.time,
        ended: open ? null : new Date(ms(last.time) + s.fleetWindowMs).toISOString(),
        status: open ? "open" : "resolved",
        host: "",
        containerId: "",
        containerName: "",
        image,
        unit: "",
        count: hosts.length,
        summary: `${image} is failing on ${plural(hosts.length, "host")}: ${hosts.join(", ")}`,
        evidence: {
          hosts,
          incidents: cluster.map((f) => ({ id: f.id, kind: f.kind, host: f.host, time: f.time })),
        },
      });
    }
  }
  return out;
}

/** Error-looking lines of one container in one bucket. */
export interface ErrorBucket {
  host: string;
  containerId: string;
  containerName: string;
  image: string;
  /** Bucket start, RFC 3339. */
  time: string;
  errors: number;
}

export interface BurstSettings {
  bucketMs: number;
  /** A bucket bursts when it has this many times the container's earlier rate … */
  burstFactor: number;
  /** … and at least this many error lines. */
  burstMinErrors: number;
  /** Buckets of history a container needs before its rate means anything. */
  burstMinHistory: number;
}

/**
 * Error bursts: a bucket with burstFactor × the container's own earlier error rate (averaged
 * over every bucket since its first line in the window, silent ones included). Consecutive
 * bursting buckets are one incident.
 */
export function errorBurstIncidents(buckets: ErrorBucket[], now: number, s: BurstSettings): IncidentDraft[] {
  const byContainer = new Map<string, ErrorBucket[]>();
  for (const b of buckets) {
    const key = `${b.host}\u0000${b.containerId}`;
    byContainer.set(key, [...(byContainer.get(key) ?? []), b]);
  }
  const out: IncidentDraft[] = [];
  for (const list of byContainer.values()) {
    list.sort((a, b) => ms(a.time) - ms(b.time));
    const start = ms((list[0] as ErrorBucket).time);
    let before = 0;
    let burst: { first: ErrorBucket; last: ErrorBucket; errors: number; baseline: number } | undefined;
    const flush = () => {
      if (!burst) return;
      const open = now - ms(burst.last.time) <= 2 * s.bucketMs;
      out.push({
        id: idOf("error-burst", burst.first.host, burst.first.containerId, burst.first.time),
        kind: "error-burst",
        time: burst.first.time,
        ended: open ? null : new Date(ms(burst.last.time) + s.bucketMs).toISOString(),
        status: open ? "open" : "resolved",
        host: burst.first.host,
        containerId: burst.first.containerId,
        containerName: burst.last.containerName,
        image: burst.last.image,
        unit: "",
        count: burst.errors,
        summary: `${burst.last.containerName} logged ${plural(burst.errors, "error line")}, ${burst.baseline.toFixed(2)} per ${s.bucketMs / 1000} s before`,
        evidence: {
          errors: burst.errors,
          baselinePerBucket: burst.baseline,
          bucketSeconds: s.bucketMs / 1000,
        },
      });
      burst = undefined;
    };
    for (const b of list) {
      const history = Math.round((ms(b.time) - start) / s.bucketMs);
      const baseline = history > 0 ? before / history : 0;
      const bursting =
        history >= s.burstMinHistory &&
        b.errors >= s.burstMinErrors &&
        b.errors >= s.burstFactor * Math.max(baseline, 1 / history);
      if (bursting && burst && ms(b.time) - ms(burst.last.time) <= s.bucketMs) {
        burst.last = b;
        burst.errors += b.errors;
      } else if (bursting) {
        flush();
        burst = { first: b, last: b, errors: b.errors, baseline };
      } else {
        flush();
      }
      if (!burst) before += b.errors; // a burst does not raise the baseline it is judged by
    }
    flush();
  }
  return out;
}
