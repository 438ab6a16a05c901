// Every live or recently seen container in one answer, for a live view such as `fleetscope top`:
// its latest state, rates over a short window, restarts, and a short CPU/memory history for
// sparklines — four grouped queries however many containers there are, instead of one per row.

import type { ContainerOverview, ContainerOverviewQuery } from "../../protocol/api/overview.ts";
import { parseDuration } from "../../protocol/time.ts";
import type { Store } from "../store/store.ts";
import { InvalidArgument } from "./errors.ts";
import { isCurrent, newestPerHost } from "./liveness.ts";
import { scopedConditions } from "./scope.ts";
import { fromChTime, toChTime } from "./window.ts";

type Row = Record<string, unknown>;
const num = (v: unknown) => Number(v ?? 0);
const round = (v: unknown, digits: number) => Math.round(num(v) * 10 ** digits) / 10 ** digits;
const key = (r: Row) => `${r.host}\u0000${r.id}`;
const delta = (expr: string) =>
  `greatest(0, toFloat64(argMax(${expr}, time)) - toFloat64(argMin(${expr}, time)))`;

// A span shorter than a second holds no two samples; one longer than a year reaches past anything
// the store keeps (and a rate window must fit the query's UInt32 of milliseconds).
const MIN_DURATION_MS = 1000;
const MAX_DURATION_MS = 366 * 86_400_000;

function durationMs(name: string, value: string): number {
  const ms = parseDuration(value);
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (ms === undefined) throw new InvalidArgument(`${name}: ${shown} is not a duration such as 30s, 5m, 1h`);
  if (!(ms >= MIN_DURATION_MS && ms <= MAX_DURATION_MS))
    throw new InvalidArgument(`${name}: ${shown} is outside the durations it takes, 1s to 366d`);
  return Math.round(ms);
}

/** One row per container seen within `recent`, most interesting first: running, then by CPU. */
export async function containerOverview(
  store: Store,
  q: ContainerOverviewQuery,
): Promise<ContainerOverview[]> {
  const now = Date.now();
  const recentMs = durationMs("recent", q.recent);
  const windowMs = durationMs("window", q.window);
  const stepMs = Math.max(1000, Math.ceil(durationMs("history", q.history) / q.points));
  // Buckets on multiples of the step, the newest holding now: a bucket's value then changes only
  // when a sample lands in it, so a screen polling faster than samples arrive redraws nothing.
  const historyStart = (Math.floor(now / stepMs) - q.points + 1) * stepMs;
  const [inventory, rateRows, historyRows, eventRows] = await Promise.all([
    queryInventory(store, q.host, { since: at(now - recentMs), limit: q.limit }),
    queryRates(store, q.host, { since: at(now - Math.max(windowMs, 600_000)), windowMs }),
    queryHistory(store, q.host, { since: at(historyStart), startMs: historyStart, stepMs }),
    queryStarts(store, q.host, { since: at(now - 24 * 3600_000), hourAgo: at(now - 3600_000) }),
  ]);
  const rates = new Map(rateRows.map((r) => [key(r), r]));
  const hostNewest = newestPerHost(rateRows.map((r) => ({ host: r.host, newestMs: num(r.newestMs) })));
  // The rates of a container running now; one that is not uses nothing, whatever it last used.
  const currentRates = (c: Row) => {
    const r = rates.get(key(c));
    const span = { newestMs: num(r?.newestMs), samples: num(r?.samples), spanSeconds: num(r?.span) };
    return r && isCurrent(String(c.state), span, hostNewest.get(String(c.host)) ?? 0, windowMs)
      ? r
      : undefined;
  };
  const eventsOf = new Map(eventRows.map((r) => [key(r), r]));
  const historyOf = historyByContainer(historyRows, q.points);
  const rows = inventory.map((c) =>
    overviewRow(c, {
      sampled: rates.get(key(c)),
      current: currentRates(c),
      events: eventsOf.get(key(c)),
      history: {
        stepSeconds: stepMs / 1000,
        cpuCores: [],
        memoryWorkingSetBytes: [],
        ...historyOf.get(key(c)),
      },
      now,
    }),
  );
  rows.sort(
    (a, b) => Number(b.state === "running") - Number(a.state === "running") || b.cpuCores - a.cpuCores,
  );
  return rows;
}

const at = (ms: number) => toChTime(new Date(ms));
/** `since` and the other parameters as a WHERE, on `host` when one is given. */
const since = (params: Record<string, unknown>, host: string | undefined) =>
  scopedConditions(params)
    .add("time >= {since:DateTime64(9, 'UTC')}")
    .when(host, "host = {host:String}", { host });

/** Each container's latest inventory snapshot since `since`, newest first. */
function queryInventory(store: Store, host: string | undefined, p: { since: string; limit: number }) {
  const where = since(p, host);
  return store.rows<Row>(
    `SELECT host, container_id AS id, argMax(container_name, time) AS name, argMax(image, time) AS image,
            argMax(state, time) AS state, argMax(exit_code, time) AS exitCode, argMax(oom_killed, time) AS oomKilled,
            argMax(created, time) AS created, argMax(memory_limit_bytes, time) AS memoryLimitBytes,
            argMax(cpu_limit_cores, time) AS cpuLimitCores, toString(max(time)) AS lastSeen
     FROM containers ${where.sql()} GROUP BY host, container_id
     ORDER BY max(time) DESC LIMIT {limit:UInt32}`,
    where.params,
  );
}

/**
 * Rates over `windowMs` before each container's own newest sample (since `since`, the last 10
 * minutes), so a collector a little behind still shows them.
 */
function queryRates(store: Store, host: string | undefined, p: { since: string; windowMs: number }) {
  const where = since(p, host).add("container_id != ''");
  return store.rows<Row>(
    `SELECT host, container_id AS id, count() AS samples, toString(max(time)) AS lastSample,
            toUnixTimestamp64Milli(max(time)) AS newestMs,
            (toUnixTimestamp64Milli(max(time)) - toUnixTimestamp64Milli(min(time))) / 1000 AS span,
            if(span > 0, ${delta("cpu_usage_seconds")} / span, argMax(cpu_cores, time)) AS cpuCores,
            argMax(memory_working_set_bytes, time) AS memoryWorkingSetBytes,
            argMax(memory_limit_bytes, time) AS memoryLimitBytes, argMax(pids, time) AS pids,
            if(span > 0, ${delta("network_rx_bytes")} / span, 0) AS rx, if(span > 0, ${delta("network_tx_bytes")} / span, 0) AS tx,
            if(span > 0, ${delta("blkio_read_bytes")} / span, 0) AS ioRead, if(span > 0, ${delta("blkio_write_bytes")} / span, 0) AS ioWrite
     FROM samples
     INNER JOIN (SELECT host, container_id, max(time) AS newest FROM samples ${where.sql()} GROUP BY host, container_id) AS n
       USING (host, container_id)
     ${where.sql()} AND toUnixTimestamp64Milli(time) >= toUnixTimestamp64Milli(n.newest) - {windowMs:UInt32}
     GROUP BY host, container_id`,
    where.params,
  );
}

/** CPU and memory per container per `stepMs` bucket from `startMs` on, for the sparklines. */
function queryHistory(
  store: Store,
  host: string | undefined,
  p: { since: string; startMs: number; stepMs: number },
) {
  const where = since(p, host).add("container_id != ''");
  return store.rows<Row>(
    `SELECT host, container_id AS id,
            intDiv(toUnixTimestamp64Milli(time) - {startMs:Int64}, {stepMs:UInt32}) AS bucket,
            avg(cpu_cores) AS cpu, max(memory_working_set_bytes) AS mem
     FROM samples ${where.sql()} GROUP BY host, container_id, bucket`,
    where.params,
  );
}

/** Each container's starts since `since` (a day), and those of the last hour. */
function queryStarts(store: Store, host: string | undefined, p: { since: string; hourAgo: string }) {
  const where = since(p, host).add("action IN ('start', 'die')").add("container_id != ''");
  return store.rows<Row>(
    `SELECT host, container_id AS id, countIf(action = 'start' AND time >= {hourAgo:DateTime64(9, 'UTC')}) AS startsLastHour,
            countIf(action = 'start' AND time >= {hourAgo:DateTime64(9, 'UTC')} AND attributes['startedBy'] = 'daemon') AS daemonStartsLastHour,
            countIf(action = 'start' AND attributes['startedBy'] != '') AS annotatedStarts,
            toString(maxIf(time, action = 'start')) AS lastStart, countIf(action = 'start') AS starts
     FROM events ${where.sql()} GROUP BY host, container_id`,
    where.params,
  );
}

type History = { cpuCores: (number | null)[]; memoryWorkingSetBytes: (number | null)[] };

/** The sparkline buckets of each container, `points` long, null where it had no sample. */
function historyByContainer(rows: Row[], points: number): Map<string, History> {
  const out = new Map<string, History>();
  for (const r of rows) {
    const h = out.get(key(r)) ?? {
      cpuCores: Array(points).fill(null),
      memoryWorkingSetBytes: Array(points).fill(null),
    };
    const b = num(r.bucket);
    if (b >= 0 && b < points) {
      h.cpuCores[b] = round(r.cpu, 4);
      h.memoryWorkingSetBytes[b] = num(r.mem);
    }
    out.set(key(r), h);
  }
  return out;
}

interface RowParts {
  /** Its rates row, if it has samples in the last 10 minutes … */
  sampled: Row | undefined;
  /** … and the same when it is running now (see isCurrent), else undefined: no current rates. */
  current: Row | undefined;
  events: Row | undefined;
  history: History & { stepSeconds: number };
  now: number;
}

/** One container of the overview from its inventory row and the rest of what is known about it. */
function overviewRow(c: Row, { sampled, current: r, events: e, history, now }: RowParts) {
  const memoryLimitBytes = num(c.memoryLimitBytes) || num(sampled?.memoryLimitBytes);
  const cpuLimitCores = round(c.cpuLimitCores, 3);
  const cpuCores = r ? round(r.cpuCores, 4) : 0;
  const mem = r ? num(r.memoryWorkingSetBytes) : 0;
  const createdMs = Date.parse(String(c.created));
  // Restarts in the last hour: the daemon's (docker/lifecycle.ts), or, from a collector that
  // does not say who started it, every start beyond the container's first.
  const firstStartInHour = createdMs >= now - 3600_000 ? 1 : 0;
  const restarts =
    num(e?.annotatedStarts) > 0
      ? num(e?.daemonStartsLastHour)
      : Math.max(0, num(e?.startsLastHour) - firstStartInHour);
  const lastStart = e && num(e.starts) > 0 ? fromChTime(String(e.lastStart)) : null;
  const running = c.state === "running";
  return {
    host: String(c.host),
    id: String(c.id),
    name: String(c.name),
    image: String(c.image),
    state: String(c.state),
    exitCode: c.exitCode as number | null,
    oomKilled: Boolean(c.oomKilled),
    created: String(c.created),
    startedAt: lastStart ?? (running ? String(c.created) : null),
    lastSeen: fromChTime(String(c.lastSeen)),
    cpuCores,
    cpuLimitCores,
    cpuPercentOfLimit: r && cpuLimitCores > 0 ? round((100 * cpuCores) / cpuLimitCores, 1) : null,
    memoryWorkingSetBytes: mem,
    memoryLimitBytes,
    memoryPercentOfLimit: r && memoryLimitBytes > 0 ? round((100 * mem) / memoryLimitBytes, 1) : null,
    networkRxBytesPerSecond: round(r?.rx, 1),
    networkTxBytesPerSecond: round(r?.tx, 1),
    ioReadBytesPerSecond: round(r?.ioRead, 1),
    ioWriteBytesPerSecond: round(r?.ioWrite, 1),
    pids: num(r?.pids),
    lastSample: sampled ? fromChTime(String(sampled.lastSample)) : null,
    restarts,
    history,
  };
}
