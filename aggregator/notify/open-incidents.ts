// The incidents whose alerts may still fire, read back from the store after a start: the open
// ones and those that ended lately. Query parameters only.
import type { IncidentKind, IncidentStatus } from "../../protocol/incident-kinds.ts";
import type { Store } from "../store/store.ts";
import type { Written } from "./alertmanager.ts";

interface Row {
  id: string;
  time_ms: string;
  updated_ms: string;
  ended_ms: string | null;
  kind: string;
  status: string;
  log_set: string;
  host: string;
  container_id: string;
  container_name: string;
  image: string;
  unit: string;
  count: number;
  summary: string;
}

/** Open incidents and those that began, ended or were written since `sinceMs`, newest first, at most `limit`. */
export async function loadRecentIncidents(store: Store, sinceMs: number, limit: number): Promise<Written[]> {
  const rows = await store.rows<Row>(
    `SELECT id, toUnixTimestamp64Milli(time) AS time_ms, toUnixTimestamp64Milli(updated) AS updated_ms, toUnixTimestamp64Milli(ended) AS ended_ms, kind, status,
            log_set, host, container_id, container_name, image, unit, count, summary
     FROM incidents FINAL
     WHERE status = 'open' OR time >= {since:DateTime64(9, 'UTC')} OR ended >= {since:DateTime64(9, 'UTC')}
        OR updated >= {since:DateTime64(9, 'UTC')}
     ORDER BY time DESC LIMIT {limit:UInt32}`,
    { since: new Date(sinceMs).toISOString().replace("T", " ").replace("Z", ""), limit },
  );
  return rows.map(draftOf);
}

const iso = (ms: string) => new Date(Number(ms)).toISOString();

function draftOf(r: Row): Written {
  return {
    id: r.id,
    kind: r.kind as IncidentKind,
    time: iso(r.time_ms),
    ended: r.ended_ms === null ? null : iso(r.ended_ms),
    status: r.status as IncidentStatus,
    logSet: r.log_set,
    host: r.host,
    containerId: r.container_id,
    containerName: r.container_name,
    image: r.image,
    unit: r.unit,
    count: Number(r.count),
    summary: r.summary,
    // Alerts carry no evidence; the API serves it behind the incident link.
    evidence: null,
    writtenAt: Number(r.updated_ms),
  };
}
