// "Container X died — why?" in one answer: the death (die + exit code, signal, OOM), the last
// lines before it, the memory and CPU curve around it against the limit, its restart history,
// its processes at the last sample, and what else happened on that host just before (events and
// incidents). Everything comes from the store, so it still answers after `docker rm`.
//
// Times are nanoseconds (bigint) throughout: a crash loop can die twice within a millisecond, and
// the death asked about must be that one, with windows that end where its next run begins.

import type { EventRow } from "../../protocol/api/events.ts";
import type { WhyAnswer, WhyQuery } from "../../protocol/api/why.ts";
import { humanDuration, nanosToMs, nanosToRfc3339, rfc3339ToNanos } from "../../protocol/time.ts";
import type { Store } from "../store/store.ts";
import { assertKnownContainer, queryContainers } from "./containers.ts";
import { NotFound } from "./errors.ts";
import { queryEvents } from "./events.ts";
import { queryIncidents } from "./incidents.ts";
import { queryLogs } from "./logs.ts";
import { queryContainerProcesses } from "./processes.ts";
import { querySamples } from "./samples.ts";
import { scopedConditions } from "./scope.ts";
import { timeArg, toChTime, withRfc3339Time } from "./window.ts";

const SIGNALS: Record<number, string> = {
  1: "SIGHUP",
  2: "SIGINT",
  6: "SIGABRT",
  9: "SIGKILL",
  11: "SIGSEGV",
  15: "SIGTERM",
};
const MS = 1_000_000n;
const SECOND = 1000n * MS;
const rfc = nanosToRfc3339;
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const nanosOf = (e: Record<string, unknown>) => rfc3339ToNanos(String(e.time)) ?? 0n;

/** Exit codes above 128 mean "killed by signal code − 128" (the shell's and Docker's convention). */
export function signalOf(exitCode: number | null): string | null {
  if (exitCode === null || exitCode <= 128 || exitCode > 128 + 64) return null;
  return SIGNALS[exitCode - 128] ?? `signal ${exitCode - 128}`;
}

export async function explainDeath(store: Store, q: WhyQuery): Promise<WhyAnswer> {
  const at = timeArg("at", q.at ?? "now");
  const [death] = await queryEvents(store, {
    container: q.container,
    host: q.host,
    actions: ["die"],
    since: "1900-01-01T00:00:00Z",
    until: rfc(at),
    limit: 1,
  });
  if (!death) {
    await assertKnownContainer(store, q.container, q.host); // an unknown name is a NotFound of its own
    throw new NotFound(
      `no death of "${q.container}" is recorded${q.at ? ` at or before ${rfc(at)}` : ""} (no die event)`,
    );
  }
  const host = String(death.host);
  const id = String(death.containerId);
  const own = await ownEvents(store, host, id, nanosOf(death));
  const run = runBounds(
    await own.pick(["start", "die", "restart"], own.since, own.until, 500),
    nanosOf(death),
  );
  return { host, ...(await explainRun(store, q, death, run, own)) };
}

/** The container's own events `why` reads around a death: its lifecycle, OOM reports, stops. */
const OWN_ACTIONS = ["start", "die", "restart", "oom-kill", "oom", "kill", "stop"];
/** Newest of each action read at once: more than any part of the answer keeps (500 at most). */
const PER_ACTION = 500;

/**
 * The container's own events from an hour before the death to a minute after, read in one query
 * (each query costs the embedded store several milliseconds however small), and `pick`, which
 * answers as queryEvents would for any window within that one: from these rows when they hold all
 * of it, else (an action past PER_ACTION in the window) by asking the store.
 */
async function ownEvents(store: Store, host: string, id: string, t: bigint) {
  const since = t - 3600n * SECOND;
  const until = t + 60n * SECOND;
  const where = scopedConditions({
    since: toChTime(since),
    until: toChTime(until),
    host,
    id,
    actions: OWN_ACTIONS,
  })
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .add("host = {host:String} AND container_id = {id:String} AND action IN {actions:Array(String)}");
  const rows = (
    await store.rows<Omit<EventRow, "time"> & { time_text: string }>(
      `SELECT toString(time) AS time_text, host, type, action, container_id AS containerId,
              container_name AS containerName, image, exit_code AS exitCode, attributes
       FROM events ${where.sql()}
       ORDER BY time DESC LIMIT ${PER_ACTION} BY action`,
      where.params,
    )
  ).map(withRfc3339Time);
  /** This action's rows cover [from, …]: fewer than the cap, or the oldest read is before `from`. */
  const covers = (action: string, from: bigint) => {
    const of = rows.filter((e) => e.action === action);
    return of.length < PER_ACTION || nanosOf(of.at(-1) as EventRow) < from;
  };
  const pick = async (actions: string[], from: bigint, to: bigint, limit: number) => {
    if (!actions.every((a) => covers(a, from)))
      return queryEvents(store, { host, container: id, actions, since: rfc(from), until: rfc(to), limit });
    return rows
      .filter((e) => actions.includes(String(e.action)) && nanosOf(e) >= from && nanosOf(e) <= to)
      .slice(0, limit);
  };
  return { since, until, pick };
}

type OwnEvents = Awaited<ReturnType<typeof ownEvents>>;

interface Run {
  /** The death's time. */
  death: bigint;
  /** When this run started (its last start before the death), if recorded. */
  start: bigint | undefined;
  /** Just before the next run started (its first start after the death), if it did. */
  end: bigint | undefined;
  /** Starts, deaths and restarts in the hour up to the death, newest first. */
  history: EventRow[];
}

/** This run's start and the next run's start around the death at `t`, from lifecycle events (newest first). */
function runBounds(lifecycle: EventRow[], t: bigint): Run {
  const starts = lifecycle.filter((e) => e.action === "start").map(nanosOf);
  const start = starts.find((s) => s < t);
  const next = starts.filter((s) => s > t).at(-1);
  return {
    death: t,
    start,
    end: next === undefined ? undefined : next - 1n,
    history: lifecycle.filter((e) => nanosOf(e) <= t),
  };
}

/**
 * Everything recorded around one death, each piece from its own window (queries in parallel where
 * the store runs them so; the embedded one runs them one at a time, so fewer is what counts).
 */
async function gather(store: Store, q: WhyQuery, death: EventRow, run: Run, own: OwnEvents) {
  const host = String(death.host);
  const id = String(death.containerId);
  const t = run.death;
  // A window from `back` before the death (not before this run began, when `inRun`) to `ahead`
  // after it, ending where the next run begins: that run's lines and samples are not this death's.
  const around = (backMs: number, aheadMs: number, inRun = true) => {
    const from = t - BigInt(backMs) * MS;
    const to = t + BigInt(aheadMs) * MS;
    return {
      from: inRun && run.start !== undefined ? max(from, run.start) : from,
      to: run.end !== undefined ? min(to, run.end) : to,
    };
  };
  const window = (backMs: number, aheadMs: number, inRun = true) => {
    const { from, to } = around(backMs, aheadMs, inRun);
    return { since: rfc(from), until: rfc(to) };
  };
  const ownPick = (actions: string[], backMs: number, aheadMs: number, limit: number) => {
    const { from, to } = around(backMs, aheadMs);
    return own.pick(actions, from, to, limit);
  };
  // The die event named this container's host and id: no lookup of them again.
  const known = { hosts: [host], ids: [id] };
  const [containers, kernelKills, dockerOoms, before, samples, processes, neighbours, incidents, logs] =
    await Promise.all([
      queryContainers(store, { host, id, limit: 1 }),
      // The kernel's report (oom-kill) and Docker's `oom` events are asked for apart: Docker can
      // send a dozen `oom` events for one kill, and newest first they would crowd the report out.
      ownPick(["oom-kill"], 60_000, 5_000, 10),
      ownPick(["oom"], 60_000, 5_000, 1),
      // Docker sends `stop` just after the `die` it caused: look a little past the death too.
      ownPick(["kill", "stop"], 30_000, 2_000, 10),
      querySamples(store, { host, container: id, ...window(10 * 60_000, 30_000), limit: 5000 }, known),
      queryContainerProcesses(store, { host, container: id, at: rfc(t) }),
      neighbourEvents(store, {
        host,
        id,
        since: t - 300n * SECOND,
        until: t + 5n * SECOND,
        execs: q.execs === true,
      }),
      queryIncidents(store, {
        host,
        since: rfc(t - 3600n * SECOND),
        until: rfc(t + 60n * SECOND),
        limit: 100,
      }),
      // Lines are stamped when Docker reads them, a hair after the process wrote them: allow 2 s.
      queryLogs(
        store,
        { host, container: id, ...window(24 * 3600_000, 2_000, false), limit: q.lines },
        known,
      ),
    ]);
  return {
    containers,
    ooms: [...kernelKills, ...dockerOoms],
    before,
    samples,
    processes,
    neighbours,
    incidents,
    logs,
  };
}

async function explainRun(
  store: Store,
  q: WhyQuery,
  death: EventRow,
  run: Run,
  own: OwnEvents,
): Promise<Omit<WhyAnswer, "host">> {
  const { containers, ooms, before, samples, processes, neighbours, incidents, logs } = await gather(
    store,
    q,
    death,
    run,
    own,
  );
  const id = String(death.containerId);
  const t = run.death;
  const container = containers[0];
  const exitCode = death.exitCode as number | null;
  const oomKilled = ooms.length > 0 || (container?.oomKilled === true && container?.exitCode === exitCode);
  const byPerson = before.find((e) => e.action === "stop") ?? before.find((e) => e.action === "kill");
  const starts = run.history.filter((e) => e.action === "start");
  const attrs = (death.attributes ?? {}) as Record<string, string>;
  const oomKill = kernelKill(ooms.find((e) => e.action === "oom-kill"));
  const memoryLimitBytes = container?.memoryLimitBytes ?? 0;
  return {
    container: container ?? { id, name: death.containerName, image: death.image },
    event: {
      time: death.time,
      exitCode,
      signal: signalOf(exitCode),
      oomKilled,
      cause: causeOf(exitCode, oomKilled, byPerson),
      stoppedByPerson: Boolean(byPerson),
      ranForMs: attrs.ranForMs ? Number(attrs.ranForMs) : null,
      restartPolicy: attrs.restartPolicy ?? container?.restartPolicy ?? "",
      /** The kernel's account (journal): which process it killed and the usage at that moment. */
      oomKill,
    },
    memoryLimitBytes,
    memory: memoryAccount(samples, memoryLimitBytes, oomKill?.usageBytes || null, oomKilled, t),
    lastLogs: logs.reverse(),
    samples,
    restarts: {
      startsInLastHour: starts.length,
      byDaemonInLastHour: starts.filter((e) => attrOf(e, "startedBy") === "daemon").length,
      history: run.history.reverse(),
    },
    processes: processes.processes,
    /** Other containers' events on the host in the 5 minutes before (and 5 s after) the death, newest first. */
    hostEvents: neighbours.events,
    /** exec_* events left out of hostEvents (health checks, docker exec); `execs=true` keeps them. */
    hiddenExecEvents: neighbours.hiddenExecs,
    /** Incidents on that host in the hour before (and the minute after) the death, its own included. */
    incidents,
  };
}

function causeOf(exitCode: number | null, oomKilled: boolean, byPerson: Record<string, unknown> | undefined) {
  const signal = signalOf(exitCode);
  if (oomKilled) return "OOM kill: the kernel killed it at its memory limit";
  if (byPerson)
    return `${byPerson.action === "stop" ? "stopped" : "killed"} through Docker (docker ${byPerson.action})`;
  if (exitCode === 0) return "exited normally (code 0)";
  return signal ? `killed by ${signal}` : `crashed: exit code ${exitCode}`;
}

const attrOf = (e: Record<string, unknown>, key: string) =>
  ((e.attributes ?? {}) as Record<string, string>)[key];

function kernelKill(e: EventRow | undefined) {
  if (!e) return null;
  const n = (key: string) => Number(attrOf(e, key) ?? 0);
  return {
    time: e.time,
    pid: n("pid"),
    process: attrOf(e, "process") ?? "",
    usageBytes: n("usageBytes"),
    limitBytes: n("limitBytes"),
    anonRssBytes: n("anonRssBytes"),
  };
}

/**
 * The memory figures side by side, and why they differ: samples are taken every few seconds, so
 * an OOM kill between two of them leaves the sampled peak below the usage the kernel reported at
 * the kill; the cgroup's own high-water mark (as of the last sample) sits in between.
 */
function memoryAccount(
  samples: Record<string, unknown>[],
  limitBytes: number,
  killedAtBytes: number | null,
  oomKilled: boolean,
  death: bigint,
) {
  const sampled = samples.map((s) => Number(s.memoryWorkingSetBytes ?? 0));
  const sampledPeakBytes = sampled.length > 0 ? Math.max(...sampled) : null;
  const maxUsage = Math.max(0, ...samples.map((s) => Number(s.memoryMaxUsageBytes ?? 0)));
  const times = samples.map((s) => Date.parse(String(s.time))); // samples are stored in ms
  const gaps = times
    .slice(1)
    .map((x, i) => x - (times[i] as number))
    .sort((a, b) => a - b);
  const sampleIntervalMs = gaps.length > 0 ? (gaps[Math.floor(gaps.length / 2)] as number) : null;
  const last = times.at(-1);
  const lastSampleBeforeDeathMs = last === undefined ? null : nanosToMs(death) - last;
  const reference = killedAtBytes ?? (oomKilled ? limitBytes : 0);
  const lower = oomKilled && sampledPeakBytes !== null && reference > sampledPeakBytes * 1.05;
  return {
    limitBytes,
    sampledPeakBytes,
    /** The cgroup's high-water mark at the last sample (0 where the kernel keeps none). */
    maxUsageBytes: maxUsage > 0 ? maxUsage : null,
    /** The usage the kernel reported when it killed (its OOM report), the truest peak. */
    killedAtBytes,
    sampleIntervalMs,
    lastSampleBeforeDeathMs,
    note: lower
      ? `the samples read lower than ${killedAtBytes ? "the kernel's figure at the kill" : "the limit it was killed at"}: ` +
        `${sampleIntervalMs === null ? "it was sampled once" : `sampled about every ${humanDuration(roundCadence(sampleIntervalMs))}`}; ` +
        `the kill came between samples${lastSampleBeforeDeathMs === null ? "" : `, ${humanDuration(lastSampleBeforeDeathMs)} after the last one`}`
      : null,
  };
}

/**
 * A sampling cadence to a tenth of a second: gaps between samples jitter with the collector's
 * load (955–997 ms for a 1 s interval), and "997 ms" would be false precision.
 */
const roundCadence = (ms: number) => (ms >= 500 ? Math.round(ms / 100) * 100 : ms);

const NEIGHBOUR_LIMIT = 30;

/**
 * Other containers' events on the host in [since, until], newest first, with each run of one
 * container's consecutive events collapsed to one entry per action (and exit code) with a count.
 * exec_* events (Docker runs every health check as an exec, with nothing in the event to tell it
 * from a `docker exec`) drown the rest, so they are counted and left out unless `execs`.
 */
async function neighbourEvents(
  store: Store,
  q: { host: string; id: string; since: bigint; until: bigint; execs: boolean },
) {
  const execs = "startsWith(action, 'exec_')";
  const where = (extra: string) =>
    scopedConditions({ since: toChTime(q.since), until: toChTime(q.until), host: q.host, id: q.id })
      .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
      .add("host = {host:String} AND container_id != {id:String}")
      .add(extra);
  const shown = where(q.execs ? "1" : `NOT ${execs}`);
  const hidden = where(execs);
  const [rows, counted] = await Promise.all([
    store.rows<Omit<EventRow, "time"> & { time_text: string }>(
      `SELECT toString(time) AS time_text, host, type, action, container_id AS containerId,
              container_name AS containerName, image, exit_code AS exitCode, attributes
       FROM events ${shown.sql()}
       ORDER BY time DESC LIMIT 1000`,
      shown.params,
    ),
    q.execs
      ? []
      : store.rows<{ n: string }>(`SELECT count() AS n FROM events ${hidden.sql()}`, hidden.params),
  ]);
  return {
    events: collapseRepeats(rows.map(withRfc3339Time)).slice(0, NEIGHBOUR_LIMIT),
    hiddenExecs: Number(counted[0]?.n ?? 0),
  };
}

/**
 * Events newest first → one entry per action (and exit code) within each run of one container's
 * consecutive events, keeping the newest occurrence's fields, the oldest's time (`firstTime`) and
 * how many there were: a health-checked neighbour's "exec_start ×12" instead of 12 rows.
 */
export function collapseRepeats<
  E extends { time: string; containerId?: unknown; action?: unknown; exitCode?: unknown },
>(events: E[]): (E & { count: number; firstTime: string })[] {
  const out: (E & { count: number; firstTime: string })[] = [];
  let runOf: unknown;
  let run = new Map<string, E & { count: number; firstTime: string }>();
  for (const e of events) {
    if (e.containerId !== runOf) {
      runOf = e.containerId;
      run = new Map();
    }
    const key = `${e.action}|${e.exitCode}`;
    const seen = run.get(key);
    if (seen) {
      seen.count++;
      seen.firstTime = e.time;
    } else {
      const entry = { ...e, count: 1, firstTime: e.time };
      run.set(key, entry);
      out.push(entry);
    }
  }
  return out;
}
