import type { Store } from "../store/store.ts";
import { Conditions } from "./conditions.ts";
import { CONTAINER_MATCH, timeWindow, withRfc3339Time } from "./window.ts";

export interface EventQuery {
  host?: string;
  container?: string;
  /** Any of these actions (die, oom, start …). */
  actions?: string[];
  since?: string;
  until?: string;
  limit: number;
}

export async function queryEvents(store: Store, q: EventQuery) {
  const where = new Conditions({ ...timeWindow(q.since, q.until, "24h"), limit: q.limit })
    .add("time >= {since:DateTime64(3, 'UTC')} AND time <= {until:DateTime64(3, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.container, CONTAINER_MATCH, { container: q.container })
    .when(q.actions, "action IN {actions:Array(String)}", { actions: q.actions });
  const rows = await store.rows<Record<string, unknown> & { time_text: string }>(
    `SELECT toString(time) AS time_text, host, type, action, container_id AS containerId,
            container_name AS containerName, image, exit_code AS exitCode, attributes
     FROM events ${where.sql()}
     ORDER BY time DESC LIMIT {limit:UInt32}`,
    where.params,
  );
  return rows.map(withRfc3339Time);
}
