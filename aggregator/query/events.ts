import type { EventRow, EventsQuery } from "../../protocol/api/events.ts";
import type { Store } from "../store/store.ts";
import { InvalidArgument } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { CONTAINER_MATCH, timeWindow, withRfc3339Time } from "./window.ts";

/** GET /api/v1/events's parameters, its comma-separated `action` split: any of these actions. */
export type EventQuery = Omit<EventsQuery, "action"> & { actions?: string[] };

/**
 * The actions a container event can have: Docker's (the collector passes the daemon's action
 * through, `health_status: healthy` cut to `health_status`) and the collector's own `oom-kill`
 * (the kernel's OOM report from the journal).
 */
export const KNOWN_ACTIONS = [
  "attach",
  "checkpoint",
  "commit",
  "copy",
  "archive-path",
  "extract-to-dir",
  "create",
  "destroy",
  "detach",
  "die",
  "exec_create",
  "exec_detach",
  "exec_die",
  "exec_start",
  "export",
  "health_status",
  "kill",
  "oom",
  "oom-kill",
  "pause",
  "prune",
  "rename",
  "resize",
  "restart",
  "start",
  "stop",
  "top",
  "unpause",
  "update",
];

/**
 * Refuses an action no event can have (a typo would match nothing and look like "no events").
 * One the list above lacks but the store holds (a newer Docker's) is accepted.
 */
export async function checkActions(store: Store, actions: string[]): Promise<void> {
  const unknown = actions.filter((a) => !KNOWN_ACTIONS.includes(a));
  if (unknown.length === 0) return;
  const where = scopedConditions().add("action IN {unknown:Array(String)}", { unknown });
  const stored = await store.rows<{ action: string }>(
    `SELECT DISTINCT action FROM events ${where.sql()}`,
    where.params,
  );
  const missing = unknown.filter((a) => !stored.some((s) => s.action === a));
  if (missing.length > 0)
    throw new InvalidArgument(
      `action: unknown ${missing.map((a) => `"${a}"`).join(", ")}; known actions: ${KNOWN_ACTIONS.join(", ")}`,
    );
}

export async function queryEvents(store: Store, q: EventQuery): Promise<EventRow[]> {
  const where = scopedConditions({ ...timeWindow(q.since, q.until, "24h"), limit: q.limit })
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.container, CONTAINER_MATCH, { container: q.container })
    .when(q.actions, "action IN {actions:Array(String)}", { actions: q.actions })
    .when(
      q.q,
      `(positionCaseInsensitiveUTF8(container_name, {q:String}) > 0 OR positionCaseInsensitiveUTF8(image, {q:String}) > 0
        OR positionCaseInsensitiveUTF8(action, {q:String}) > 0 OR positionCaseInsensitiveUTF8(host, {q:String}) > 0)`,
      { q: q.q },
    );
  const rows = await store.rows<Omit<EventRow, "time"> & { time_text: string }>(
    `SELECT toString(time) AS time_text, host, type, action, container_id AS containerId,
            container_name AS containerName, image, exit_code AS exitCode, attributes
     FROM events ${where.sql()}
     ORDER BY time DESC LIMIT {limit:UInt32}`,
    where.params,
  );
  return rows.map(withRfc3339Time);
}
