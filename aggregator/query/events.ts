import type { Store } from "../store/store.ts";
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
  const window = timeWindow(q.since, q.until, "24h");
  const where = ["time >= {since:DateTime64(3, 'UTC')}", "time <= {until:DateTime64(3, 'UTC')}"];
  const params: Record<string, unknown> = { ...window, limit: q.limit };
  if (q.host) (where.push("host = {host:String}"), (params.host = q.host));
  if (q.container) (where.push(CONTAINER_MATCH), (params.container = q.container));
  if (q.actions?.length) (where.push("action IN {actions:Array(String)}"), (params.actions = q.actions));
  const rows = await store.rows<Record<string, unknown> & { time_text: string }>(
    `SELECT toString(time) AS time_text, host, type, action, container_id AS containerId,
            container_name AS containerName, image, exit_code AS exitCode, attributes
     FROM events WHERE ${where.join(" AND ")}
     ORDER BY time DESC LIMIT {limit:UInt32}`,
    params,
  );
  return rows.map(withRfc3339Time);
}
