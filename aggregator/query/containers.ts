import type { Store } from "../store/store.ts";
import { Conditions } from "./conditions.ts";
import { fromChTime } from "./window.ts";

export interface ContainerQuery {
  host?: string;
  /** A name, full id or id prefix (12+). */
  container?: string;
  /** running, exited, removed … */
  state?: string;
  limit: number;
}

/** The inventory: each container's latest snapshot, including removed containers. */
export async function queryContainers(store: Store, q: ContainerQuery) {
  const where = new Conditions({ limit: q.limit }).when(q.host, "host = {host:String}", { host: q.host });
  const having = new Conditions()
    .when(
      q.container,
      "(name = {container:String} OR id = {container:String} OR (length({container:String}) >= 12 AND startsWith(id, {container:String})))",
      { container: q.container },
    )
    .when(q.state, "state = {state:String}", { state: q.state });
  const restartsWhere = new Conditions()
    .add("action = 'start' AND attributes['startedBy'] = 'daemon'")
    .when(q.host, "host = {host:String}", { host: q.host });
  // restarts: every start the collector saw the daemon make (Docker's own RestartCount resets
  // when a person starts the container; this history does not).
  const rows = await store.rows<Record<string, unknown> & { firstSeen: string; lastSeen: string }>(
    `SELECT c.*, toUInt32(ifNull(r.restarts, 0)) AS restarts FROM (
       SELECT host, container_id AS id, argMax(container_name, time) AS name, argMax(image, time) AS image,
              argMax(created, time) AS created, argMax(state, time) AS state, argMax(exit_code, time) AS exitCode,
              argMax(oom_killed, time) AS oomKilled, argMax(log_driver, time) AS logDriver,
              argMax(labels, time) AS labels, argMax(memory_limit_bytes, time) AS memoryLimitBytes,
              argMax(cpu_limit_cores, time) AS cpuLimitCores, argMax(restart_policy, time) AS restartPolicy,
              argMax(restart_count, time) AS restartCount,
              toString(min(time)) AS firstSeen, toString(max(time)) AS lastSeen, max(time) AS last
       FROM containers ${where.sql()}
       GROUP BY host, container_id
       ${having.sql("HAVING")}
       ORDER BY last DESC LIMIT {limit:UInt32}
     ) AS c
     LEFT JOIN (
       SELECT host, container_id, count() AS restarts FROM events ${restartsWhere.sql()}
       GROUP BY host, container_id
     ) AS r ON r.host = c.host AND r.container_id = c.id
     ORDER BY c.last DESC`,
    { ...where.params, ...having.params },
  );
  return rows.map(({ last: _last, ...r }) => ({
    ...r,
    memoryLimitBytes: Number(r.memoryLimitBytes),
    firstSeen: fromChTime(r.firstSeen),
    lastSeen: fromChTime(r.lastSeen),
  }));
}

/**
 * Adds the hosts and ids the inventory knows for a container name/id to `where`, so a query by
 * name uses the (host, container_id, …) sort key instead of scanning every host's rows. When
 * the inventory does not know it, `where` keeps its name match alone.
 */
export async function narrowToKnownContainer(
  store: Store,
  where: Conditions,
  container: string,
  host?: string,
): Promise<void> {
  const known = await store.rows<{ host: string; id: string }>(
    `SELECT DISTINCT host, container_id AS id FROM containers
     WHERE (container_name = {c:String} OR container_id = {c:String}
            OR (length({c:String}) >= 12 AND startsWith(container_id, {c:String})))
       ${host ? "AND host = {h:String}" : ""}`,
    { c: container, h: host ?? "" },
  );
  if (known.length === 0) return;
  where.add("host IN {knownHosts:Array(String)} AND container_id IN {knownIds:Array(String)}", {
    knownHosts: [...new Set(known.map((k) => k.host))],
    knownIds: [...new Set(known.map((k) => k.id))],
  });
}
