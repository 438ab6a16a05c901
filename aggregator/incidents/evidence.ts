// The evidence the rules read, each part loaded from the store by one query. The detector loads
// only the parts some registered rule needs (rule.ts, Evidence), once per run.
import { fromChTime, oldestFirst } from "../query/window.ts";
import type { Store } from "../store/store.ts";
import type { ErrorBucket, EventFact, Evidence, LogFact, SampleFact } from "./rule.ts";

/** What the loaders are told: how far back a run looks, and the rules' settings they depend on. */
export interface EvidenceWindow {
  lookbackMs: number;
  bucketMs: number;
  memoryPressureRatio: number;
}

/**
 * The containers a death's wake-up run looks at: rows of other containers are left out (a
 * container on one of the hosts with one of the ids may come along; its evidence is whole too).
 */
export interface Focus {
  hosts: string[];
  containerIds: string[];
}

/** The condition and parameters that keep a loader's rows to `focus`'s containers (all without one). */
function focusCondition(focus: Focus | undefined) {
  return focus
    ? {
        sql: "AND host IN {focusHosts:Array(String)} AND container_id IN {focusIds:Array(String)}",
        params: { focusHosts: focus.hosts, focusIds: focus.containerIds },
      }
    : { sql: "", params: {} };
}

/** Every fact as loaded carries the log set of the rows it comes from (see detector.ts). */
export type InLogSet<T> = T & { logSet: string };
export type LoadedEvidence = { [N in keyof Omit<Evidence, "incidents">]: InLogSet<Evidence[N][number]>[] };
type Loaded = LoadedEvidence;

/**
 * Rows select `toString(time) AS time_text`; rules compare RFC 3339 times. time_text stays: facts
 * are kept whole in incidents' evidence, and a stored incident is rewritten when that changes.
 */
const withTime = <T extends { time_text: string }>(r: T) => ({ ...r, time: fromChTime(r.time_text) });

/** How far back error rates are compared: the burst's bucket against the rest of this window. */
const BURST_WINDOW_S = 600;

/** The samples a resource rule looks at: the last 10 minutes. */
const SAMPLES_WINDOW = "INTERVAL 10 MINUTE";

/**
 * The most events a run reads (the newest of the hour, oldest first): a fleet restarting
 * containers by the thousand an hour must not make a run read them all, and the newest matter most.
 */
export const EVENTS_LIMIT = 100_000;
/** The most of systemd's unit-failure lines a run reads (the newest of the hour, oldest first). */
const UNIT_LOGS_LIMIT = 10_000;

/** Each loader: the rows of its evidence in the window, only `focus`'s containers' with one. */
export const LOADERS: {
  [N in keyof Loaded]: (store: Store, w: EvidenceWindow, focus?: Focus) => Promise<Loaded[N]>;
} = {
  events: async (store, w, focus) => {
    const only = focusCondition(focus);
    return (
      await store.rows<InLogSet<Omit<EventFact, "time">> & { time_text: string }>(
        oldestFirst(
          `SELECT toString(time) AS time_text, log_set AS logSet, host, action, container_id AS containerId,
                  container_name AS containerName, image, exit_code AS exitCode, attributes
           FROM events
           WHERE time >= now64(3) - toIntervalSecond({lookback:UInt32})
             AND action IN ('die', 'oom', 'oom-kill', 'kill', 'stop', 'start') ${only.sql}
           ORDER BY time DESC LIMIT {limit:UInt32}`,
        ),
        { lookback: lookbackSeconds(w), limit: EVENTS_LIMIT, ...only.params },
      )
    ).map(withTime);
  },

  // Units' lines are no container's: a focus leaves none.
  unitLogs: async (store, w, focus) => {
    const only = focusCondition(focus);
    return (
      await store.rows<InLogSet<Omit<LogFact, "time">> & { time_text: string }>(
        oldestFirst(
          `SELECT toString(time) AS time_text, log_set AS logSet, host, unit, identifier, body,
                  attributes['journal.invocation_id'] AS invocationId FROM logs
           WHERE time >= now64(3) - toIntervalSecond({lookback:UInt32}) AND source = 'journald'
             AND multiSearchAny(body, ['Failed with result', 'Main process exited'])
             AND ${FROM_PID1} ${only.sql}
           ORDER BY time DESC LIMIT {limit:UInt32}`,
        ),
        { lookback: lookbackSeconds(w), limit: UNIT_LOGS_LIMIT, ...only.params },
      )
    ).map(withTime);
  },

  errorBuckets: async (store, w, focus) => (await errorBuckets(store, w.bucketMs, focus)).map(withTime),

  samples: async (store, w, focus) =>
    (await resourceSamples(store, w.memoryPressureRatio, focus)).map(withTime),
};

/**
 * Only systemd's own lines tell of a unit's failure: written by PID 1, or by root in init.scope
 * (PID 1's cgroup, which only root can enter). Anyone can write the same words to the journal.
 */
const FROM_PID1 = `(pid = 1 OR (attributes['journal.uid'] = '0' AND attributes['journal.systemd_unit'] = 'init.scope'))`;

const lookbackSeconds = (w: EvidenceWindow) => Math.round(w.lookbackMs / 1000);

/**
 * Error-looking lines per container per bucket over the last window, for the containers that
 * logged an error lately (the others cannot be bursting).
 */
function errorBuckets(store: Store, bucketMs: number, focus: Focus | undefined) {
  const only = focusCondition(focus);
  const errorish =
    "(severity_number >= 17 OR multiSearchAnyCaseInsensitive(body, ['error', 'fatal', 'panic', 'exception']))";
  return store.rows<InLogSet<Omit<ErrorBucket, "time">> & { time_text: string }>(
    `SELECT log_set AS logSet, host, container_id AS containerId, any(container_name) AS containerName, any(image) AS image,
            toString(toStartOfInterval(time, toIntervalSecond({bucket:UInt32}))) AS time_text,
            toUInt32(countIf(${errorish})) AS errors
     FROM logs
     WHERE time >= now64(3) - toIntervalSecond({window:UInt32}) AND container_id != '' ${only.sql}
       AND container_id IN (SELECT DISTINCT container_id FROM logs
                            WHERE time >= now64(3) - toIntervalSecond({recent:UInt32}) AND container_id != '' AND ${errorish} ${only.sql})
     GROUP BY log_set, host, container_id, time_text ORDER BY time_text`,
    { bucket: bucketMs / 1000, window: BURST_WINDOW_S, recent: (3 * bucketMs) / 1000, ...only.params },
  );
}

/**
 * The samples of the containers that could be in trouble: near their memory limit at some point,
 * throttled more than once, or OOM-killed (counter rise) in that window.
 */
async function resourceSamples(store: Store, memoryPressureRatio: number, focus: Focus | undefined) {
  const only = focusCondition(focus);
  const rows = await store.rows<InLogSet<Omit<SampleFact, "time">> & { time_text: string }>(
    `SELECT toString(time) AS time_text, log_set AS logSet, host, container_id AS containerId,
            container_name AS containerName, image, memory_working_set_bytes AS memoryWorkingSetBytes, memory_limit_bytes AS memoryLimitBytes,
            cpu_periods AS cpuPeriods, cpu_throttled_periods AS cpuThrottledPeriods, oom_kills AS oomKills
     FROM samples
     WHERE time >= now64(3) - ${SAMPLES_WINDOW} ${only.sql} AND (host, container_id) IN (
       SELECT host, container_id FROM samples WHERE time >= now64(3) - ${SAMPLES_WINDOW} ${only.sql}
       GROUP BY host, container_id
       HAVING max(memory_limit_bytes > 0 AND memory_working_set_bytes >= {ratio:Float64} * memory_limit_bytes)
           OR max(cpu_throttled_periods) > min(cpu_throttled_periods)
           OR max(oom_kills) > min(oom_kills))
     ORDER BY time`,
    { ratio: memoryPressureRatio, ...only.params },
  );
  // UInt64 columns may arrive as strings (a ClickHouse server quotes them).
  return rows.map((r) => ({
    ...r,
    memoryWorkingSetBytes: Number(r.memoryWorkingSetBytes),
    memoryLimitBytes: Number(r.memoryLimitBytes),
    cpuPeriods: Number(r.cpuPeriods),
    cpuThrottledPeriods: Number(r.cpuThrottledPeriods),
    oomKills: Number(r.oomKills ?? 0),
  }));
}
