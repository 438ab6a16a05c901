import type { ContainerDetail, ContainersQuery } from "../../protocol/api/containers.ts";
import { editDistance } from "../../protocol/edit-distance.ts";
import { defaultScrubber } from "../../protocol/secrets.ts";
import type { Store } from "../store/store.ts";
import { Conditions } from "./conditions.ts";
import { NotFound } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { CONTAINER_MATCH, fromChTime } from "./window.ts";

/**
 * GET /api/v1/containers's parameters, and a name, full id or id prefix (12+) to pick one; or `id`,
 * a full id the caller has from the store, which spares reading every other container's rows.
 */
export type ContainerQuery = ContainersQuery & { container?: string; id?: string };

/** The inventory: each container's latest snapshot, including removed containers. */
export async function queryContainers(store: Store, q: ContainerQuery): Promise<ContainerDetail[]> {
  const where = scopedConditions({ limit: q.limit })
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.id, "container_id = {id:String}", { id: q.id });
  const having = new Conditions()
    .when(
      q.container,
      "(name = {container:String} OR id = {container:String} OR (length({container:String}) >= 12 AND startsWith(id, {container:String})))",
      { container: q.container },
    )
    .when(q.state, "state = {state:String}", { state: q.state });
  const restartsWhere = scopedConditions()
    .add("action = 'start' AND attributes['startedBy'] = 'daemon'")
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.id, "container_id = {id:String}", { id: q.id });
  // restarts: every start the collector saw the daemon make (Docker's own RestartCount resets
  // when a person starts the container; this history does not).
  const rows = await store.rows<ContainerDetail & { last: string }>(
    `SELECT c.*, toUInt32(ifNull(r.restarts, 0)) AS restarts FROM (
       SELECT host, container_id AS id, argMax(container_name, time) AS name, argMax(image, time) AS image,
              argMax(created, time) AS created, argMax(state, time) AS state, argMax(exit_code, time) AS exitCode,
              argMax(oom_killed, time) AS oomKilled, argMax(log_driver, time) AS logDriver,
              argMax(labels, time) AS labels, argMax(memory_limit_bytes, time) AS memoryLimitBytes,
              argMax(cpu_limit_cores, time) AS cpuLimitCores, argMax(restart_policy, time) AS restartPolicy,
              argMax(restart_count, time) AS restartCount,
              argMax(command, time) AS command, argMax(env, time) AS env, argMax(ports, time) AS ports,
              argMax(mounts, time) AS mounts, argMax(health, time) AS health,
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
    { ...where.params, ...having.params, ...restartsWhere.params },
  );
  return rows.map(({ last: _last, ...r }) => ({
    ...r,
    // Masked again on the way out: rows from older collectors were stored with their secrets.
    command: defaultScrubber.cmdline(r.command),
    env: r.env.map((e) => defaultScrubber.env(e)),
    memoryLimitBytes: Number(r.memoryLimitBytes),
    firstSeen: fromChTime(r.firstSeen),
    lastSeen: fromChTime(r.lastSeen),
  }));
}

/** The hosts and ids the store holds for a container name, id or id prefix. */
export interface KnownContainer {
  hosts: string[];
  ids: string[];
}

/**
 * The hosts and ids the store knows for `container` (a name, full id or id prefix of 12+), or a
 * NotFound naming known containers like it. The inventory answers; lines a log driver sent for a
 * container the inventory never saw (another Docker host's) count too, looked up only when the
 * inventory does not know the name.
 */
export async function assertKnownContainer(
  store: Store,
  container: string,
  host?: string,
): Promise<KnownContainer> {
  const known = await findKnownContainer(store, container, host);
  if (known) return known;
  const named = scopedConditions().when(host, "host = {host:String}", { host }).add("container_name != ''");
  const names = await store.rows<{ name: string }>(
    `SELECT DISTINCT container_name AS name FROM containers ${named.sql()}`,
    named.params,
  );
  const like = similarNames(
    container,
    names.map((n) => n.name),
  );
  const where = host ? ` on host "${host}"` : "";
  throw new NotFound(
    like.length > 0
      ? `unknown container "${container}"${where}; known containers like it: ${like.join(", ")} (see /api/v1/containers)`
      : `unknown container "${container}"${where}; none known is like it (see /api/v1/containers)`,
  );
}

/** The hosts and ids the store knows for `container` (see assertKnownContainer), or undefined. */
export async function findKnownContainer(
  store: Store,
  container: string,
  host?: string,
): Promise<KnownContainer | undefined> {
  // In the reader's scope only: a container outside it is as unknown as one never seen, and the
  // suggestions of assertKnownContainer name only containers the reader may see.
  const match = scopedConditions()
    .when(host, "host = {host:String}", { host })
    .add(CONTAINER_MATCH, { container });
  let known = await store.rows<{ host: string; id: string }>(
    `SELECT DISTINCT host, container_id AS id FROM containers ${match.sql()}`,
    match.params,
  );
  if (known.length === 0)
    known = await store.rows<{ host: string; id: string }>(
      `SELECT DISTINCT host, container_id AS id FROM logs ${match.sql()} LIMIT 100`,
      match.params,
    );
  if (known.length === 0) return undefined;
  return { hosts: [...new Set(known.map((k) => k.host))], ids: [...new Set(known.map((k) => k.id))] };
}

/**
 * Checks `container` is known (NotFound otherwise, see assertKnownContainer) and adds its hosts and
 * ids to `where`, so a query by name uses the (host, container_id, …) sort key instead of
 * scanning every host's rows.
 */
export async function narrowToKnownContainer(
  store: Store,
  where: Conditions,
  container: string,
  host?: string,
): Promise<void> {
  narrowTo(where, await assertKnownContainer(store, container, host));
}

/** Adds a container's known hosts and ids to `where` (a caller that has them skips the lookup). */
export function narrowTo(where: Conditions, known: KnownContainer): void {
  where.add("host IN {knownHosts:Array(String)} AND container_id IN {knownIds:Array(String)}", {
    knownHosts: known.hosts,
    knownIds: known.ids,
  });
}

/**
 * Up to `max` of `names` like `wanted`: those it is a prefix or substring of (or that are one of
 * it), then those within a few typos, closest first.
 */
export function similarNames(wanted: string, names: string[], max = 5): string[] {
  const w = wanted.toLowerCase();
  const scored = names.flatMap((name) => {
    const n = name.toLowerCase();
    // A name inside what was asked counts only when it is not a word or two of letters.
    const inside = (long: string, short: string) => short.length >= 3 && long.includes(short);
    if (n.startsWith(w) || (n.length >= 3 && w.startsWith(n))) return [{ name, score: 0 }];
    if (inside(n, w) || inside(w, n)) return [{ name, score: 1 }];
    const d = editDistance(w, n);
    return d <= Math.max(2, Math.floor(w.length / 3)) ? [{ name, score: 1 + d }] : [];
  });
  return scored
    .sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
    .slice(0, max)
    .map((s) => s.name);
}
