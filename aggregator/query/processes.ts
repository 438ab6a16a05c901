import type {
  ContainerProcessesQuery,
  ProcessRow,
  TopProcess,
  TopProcessesQuery,
} from "../../protocol/api/processes.ts";
import { defaultScrubber } from "../../protocol/secrets.ts";
import { nanosToRfc3339 } from "../../protocol/time.ts";
import type { Store } from "../store/store.ts";
import { InvalidArgument } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { CONTAINER_MATCH, fromChTime, timeArg, timeWindow, toChTime } from "./window.ts";

/** A container's processes: the route's parameters and a name, full id or id prefix (12+). */
export type ContainerProcessQuery = ContainerProcessesQuery & { container: string };

type Row = Omit<ProcessRow, "time"> & { time_text?: string };

const PROCESS_COLUMNS = `host, container_id AS containerId, container_name AS containerName, image,
  pid, ns_pid AS nsPid, ppid, uid, user, command, cmdline, state,
  round(cpu_percent, 2) AS cpuPercent, rss_bytes AS rssBytes, threads, toString(start_time) AS startTime`;

// UInt64 arrives as a string (it may exceed 2^53); RSS never does. Command lines are scrubbed
// again on the way out: rows from older collectors were stored with their secrets.
function shape({ time_text: _time, ...r }: Row): Omit<ProcessRow, "time"> {
  return {
    ...r,
    cmdline: defaultScrubber.cmdline(r.cmdline),
    rssBytes: Number(r.rssBytes),
    startTime: fromChTime(r.startTime),
  };
}

/**
 * A container's processes at `at`: its latest snapshot taken at or before that time, kept after
 * the container is gone. Each row carries the snapshot's `time`, which may be well before `at`
 * when the container had stopped by then. When a name matches several containers (reused names),
 * the one sampled most recently before `at` wins, per host.
 */
export async function queryContainerProcesses(
  store: Store,
  q: ContainerProcessQuery,
): Promise<{ at: string; processes: ProcessRow[] }> {
  const at = timeArg("at", q.at ?? "now");
  const inner = scopedConditions({ at: toChTime(at) })
    .add("time <= {at:DateTime64(9, 'UTC')}")
    .add(CONTAINER_MATCH, { container: q.container })
    .when(q.host, "host = {host:String}", { host: q.host });
  // The snapshot's rows are read in scope too: another log set may hold rows with the same key.
  const outer = scopedConditions().add("1");
  const rows = await store.rows<Row>(
    `SELECT toString(time) AS time_text, ${PROCESS_COLUMNS}
     FROM processes
     ${outer.sql()} AND (host, container_id, time) IN (
       SELECT host, container_id, max(time) FROM processes ${inner.sql()}
       GROUP BY host, container_id
       ORDER BY max(time) DESC
       LIMIT 1 BY host)
     ORDER BY host, cpu_percent DESC, rss_bytes DESC, pid`,
    { ...outer.params, ...inner.params },
  );
  return {
    at: nanosToRfc3339(at),
    processes: rows.map((r) => ({ time: fromChTime(r.time_text ?? ""), ...shape(r) })),
  };
}

// Fixed fragments picked by a validated enum: the sort order never comes from user text.
const ORDER: Record<TopProcessesQuery["by"], string> = {
  cpu: "cpuPercent DESC, rssBytes DESC",
  memory: "rssBytes DESC, cpuPercent DESC",
};

/**
 * The top processes over a window, across a host (or the fleet): one row per process (host,
 * container, pid and start time, so a reused pid is another process), with its CPU averaged over
 * the samples that kept it and its peak RSS. Container processes are kept every sample; processes
 * outside containers only while in the host's top, so their average covers those samples.
 */
export async function queryTopProcesses(store: Store, q: TopProcessesQuery): Promise<TopProcess[]> {
  const order = ORDER[q.by];
  if (!order) throw new InvalidArgument(`by: "${q.by}" must be cpu or memory`);
  const where = scopedConditions({ ...timeWindow(q.since, q.until, "5m"), limit: q.limit })
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host });
  const rows = await store.rows<
    Row & { maxCpuPercent: number; samples: string; firstSeen: string; lastSeen: string }
  >(
    `SELECT host, container_id AS containerId, argMax(container_name, time) AS containerName,
            argMax(image, time) AS image, pid, argMax(ns_pid, time) AS nsPid, argMax(ppid, time) AS ppid,
            argMax(uid, time) AS uid, argMax(user, time) AS user, argMax(command, time) AS command,
            argMax(cmdline, time) AS cmdline, argMax(state, time) AS state,
            round(avg(cpu_percent), 2) AS cpuPercent, round(max(cpu_percent), 2) AS maxCpuPercent,
            max(rss_bytes) AS rssBytes, argMax(threads, time) AS threads,
            toString(start_time) AS startTime, count() AS samples,
            toString(min(time)) AS firstSeen, toString(max(time)) AS lastSeen
     FROM processes ${where.sql()}
     GROUP BY host, container_id, pid, start_time
     ORDER BY ${order}, pid
     LIMIT {limit:UInt32}`,
    where.params,
  );
  return rows.map((r) => ({
    ...shape(r),
    maxCpuPercent: r.maxCpuPercent,
    samples: Number(r.samples),
    firstSeen: fromChTime(r.firstSeen),
    lastSeen: fromChTime(r.lastSeen),
  }));
}
