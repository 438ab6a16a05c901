// What an incident rule is: a pure function from stored evidence to incident drafts, with the
// settings it reads and the evidence it needs declared beside it. Ids come from the evidence
// itself, so evaluating the same window twice yields the same incidents (and a restarted
// aggregator rewrites nothing).
import { createHash } from "node:crypto";
import type { IncidentKind, IncidentStatus } from "../../protocol/incident-kinds.ts";

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

export interface SampleFact {
  time: string;
  host: string;
  containerId: string;
  containerName: string;
  image: string;
  memoryWorkingSetBytes: number;
  memoryLimitBytes: number;
  cpuPeriods: number;
  cpuThrottledPeriods: number;
  /** The cgroup's OOM-kill counter (0 when the kernel does not report it). */
  oomKills?: number;
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

/** Everything a rule may look at; each rule names the parts it needs (the detector loads only those). */
export interface Evidence {
  /** Container events of the last hour, oldest first: die, oom, oom-kill, kill, stop, start. */
  events: EventFact[];
  /** systemd's lines about units' main processes and results, oldest first. */
  unitLogs: LogFact[];
  /** Error-looking lines per container per bucket, for containers that logged errors lately. */
  errorBuckets: ErrorBucket[];
  /** The last 10 minutes of samples of containers that may be in trouble, oldest first. */
  samples: SampleFact[];
  /** What the rules registered before this one found in the same run. */
  incidents: IncidentDraft[];
}
export type EvidenceName = keyof Evidence;

export interface IncidentDraft {
  id: string;
  kind: IncidentKind;
  time: string;
  ended: string | null;
  /** merged: an exit that turned out to be part of a crash loop (`mergedInto` names it). */
  status: IncidentStatus;
  host: string;
  containerId: string;
  containerName: string;
  image: string;
  unit: string;
  count: number;
  summary: string;
  evidence: unknown;
}

/** One tunable number of a rule. */
export interface Setting {
  default: number;
  /** How a flag's value reads: a duration (30s, 5m) kept in milliseconds, a whole count, a ratio. */
  unit: "ms" | "count" | "ratio";
  /** What it means, for --help and the README. */
  description: string;
  /**
   * The command-line flag that sets it (its environment twin is FLEETSCOPE_ and the flag in
   * upper snake case), for the settings worth tuning per fleet; the others keep their default.
   */
  flag?: string;
}

/**
 * An incident rule. `N` is the evidence it needs, `K` the names of its settings (unique across
 * rules, except a settings table two rules share by importing the same object), `T` its kind.
 */
export interface IncidentRule<
  N extends EvidenceName = EvidenceName,
  K extends string = string,
  T extends IncidentKind = IncidentKind,
> {
  kind: T;
  needs: readonly N[];
  /**
   * Its incidents about a container follow from that container's evidence alone. A death's
   * wake-up run (detector.ts) evaluates only such rules, over only the dying containers' rows.
   */
  perContainer: boolean;
  settings: Readonly<Record<K, Setting>>;
  evaluate(evidence: Pick<Evidence, N>, settings: Readonly<Record<K, number>>, now: number): IncidentDraft[];
}

/** Declares a rule, inferring its kind, evidence and setting names from what it lists. */
export const defineRule = <
  const N extends EvidenceName,
  const T extends IncidentKind,
  K extends string = never,
>(
  rule: IncidentRule<N, K, T>,
): IncidentRule<N, K, T> => rule;

export const ms = (t: string) => Date.parse(t);
/** "1 death", "2 deaths" (irregular plurals passed in). */
export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
/** A short stable id from what identifies the incident (kind, host, subject, first evidence time). */
export const idOf = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 20);
/** The key of one container on one host. */
export const containerKey = (x: { host: string; containerId: string }) => `${x.host}\u0000${x.containerId}`;

/** The fields of an incident about one container, from its first and its latest evidence. */
export function aboutContainer(
  kind: IncidentKind,
  first: { time: string; host: string; containerId: string },
  last: { containerName: string; image: string },
) {
  return {
    id: idOf(kind, first.host, first.containerId, first.time),
    kind,
    time: first.time,
    host: first.host,
    containerId: first.containerId,
    containerName: last.containerName,
    image: last.image,
    unit: "",
  };
}

/** `items` by `keyOf`, each group in the order given. */
export function groupBy<T>(items: T[], keyOf: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of items) {
    const list = out.get(keyOf(x));
    if (list) list.push(x);
    else out.set(keyOf(x), [x]);
  }
  return out;
}

/**
 * Runs of `items` (oldest first) in which each lies at most `windowMs` after the one before,
 * per `keyOf`: a container's streak of deaths, an image's failures across the fleet.
 */
export function clusters<T extends { time: string }>(
  items: T[],
  keyOf: (x: T) => string,
  windowMs: number,
): T[][] {
  const out: T[][] = [];
  const open = new Map<string, T[]>();
  for (const x of items) {
    const run = open.get(keyOf(x));
    const prev = run?.at(-1);
    if (run && prev && ms(x.time) - ms(prev.time) <= windowMs) run.push(x);
    else {
      open.set(keyOf(x), [x]);
      out.push(open.get(keyOf(x)) as T[]);
    }
  }
  return out;
}
