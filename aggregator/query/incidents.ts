import type { IncidentQuery, IncidentRow } from "../../protocol/api/incidents.ts";
import type { Store } from "../store/store.ts";
import { NotFound } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { CONTAINER_MATCH, fromChTime, timeWindow } from "./window.ts";

type Row = Omit<IncidentRow, "time" | "updated" | "ended" | "evidence"> & {
  time_text: string;
  updated_text: string;
  ended_text: string | null;
  evidence: string;
};

const COLUMNS = `id, toString(time) AS time_text, toString(updated) AS updated_text, toString(ended) AS ended_text,
  kind, status, host, container_id AS containerId, container_name AS containerName, image, unit, count, summary, evidence`;

function shape({ time_text, updated_text, ended_text, evidence, ...r }: Row): IncidentRow {
  return {
    ...r,
    time: fromChTime(time_text),
    updated: fromChTime(updated_text),
    ended: ended_text ? fromChTime(ended_text) : null,
    evidence: JSON.parse(evidence),
  };
}

/** Incidents, newest first (the latest version of each). */
export async function queryIncidents(store: Store, q: IncidentQuery) {
  const where = scopedConditions(timeWindow(q.since, q.until, "24h"))
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.container, CONTAINER_MATCH, { container: q.container })
    .when(q.kind, "kind = {kind:String}", { kind: q.kind })
    // Exits folded into a crash loop are hidden unless asked for by status.
    .add(q.status ? "status = {status:String}" : "status != 'merged'", q.status ? { status: q.status } : {});
  const rows = await store.rows<Row>(
    `SELECT ${COLUMNS} FROM incidents FINAL ${where.sql()} ORDER BY time DESC LIMIT {limit:UInt32}`,
    { ...where.params, limit: q.limit },
  );
  return rows.map(shape);
}

export async function queryIncident(store: Store, id: string) {
  const where = scopedConditions().add("id = {id:String}", { id });
  const [row] = await store.rows<Row>(`SELECT ${COLUMNS} FROM incidents FINAL ${where.sql()}`, where.params);
  if (!row) throw new NotFound(`no incident with id "${id}"`);
  return shape(row);
}
