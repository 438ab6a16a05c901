import type { Store } from "../store/store.ts";
import { Conditions } from "./conditions.ts";
import { narrowToKnownContainer } from "./containers.ts";
import { CONTAINER_MATCH, timeWindow, withRfc3339Time } from "./window.ts";

/** Which lines: every filter of GET /api/v1/logs. */
export interface LogFilter {
  host?: string;
  container?: string;
  stream?: string;
  unit?: string;
  /** journalctl-style: show this syslog priority (0–7) and more severe. */
  priority?: number;
  since?: string;
  until?: string;
  q?: string;
}

export interface LogQuery extends LogFilter {
  limit: number;
}

/** Lowest OpenTelemetry severity number for each syslog priority (see collector/journal). */
const MIN_SEVERITY_FOR_PRIORITY = [21, 21, 21, 17, 13, 10, 9, 5];

/** Separators of the store's splitByNonAlpha tokenizer that we are sure of: ASCII non-alphanumerics. */
const SEPARATOR = /[ -/:-@[-`{-~]/; // printable ASCII punctuation and space

/**
 * Words of q that must appear as whole tokens in any matching body: those with a separator on
 * both sides inside q. They let the text index skip granules; the substring test stays the truth.
 */
export function wholeTokens(q: string): string[] {
  const out: string[] = [];
  const re = /[A-Za-z0-9]+/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    const before = q[m.index - 1];
    const after = q[m.index + m[0].length];
    if (before && after && SEPARATOR.test(before) && SEPARATOR.test(after)) out.push(m[0].toLowerCase());
  }
  return out.slice(0, 8);
}

async function logConditions(store: Store, q: LogFilter): Promise<Conditions> {
  const where = new Conditions(timeWindow(q.since, q.until))
    .add("time >= {since:DateTime64(3, 'UTC')} AND time <= {until:DateTime64(3, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.container, CONTAINER_MATCH, { container: q.container })
    .when(q.stream, "stream = {stream:String}", { stream: q.stream })
    .when(q.unit, "unit = {unit:String}", { unit: q.unit })
    .when(q.priority, "severity_number >= {minSeverity:UInt8}", {
      minSeverity: MIN_SEVERITY_FOR_PRIORITY[q.priority ?? 0],
    })
    .when(q.q, "positionCaseInsensitiveUTF8(body, {q:String}) > 0", { q: q.q });
  wholeTokens(q.q ?? "").forEach((t, i) => {
    where.add(`hasToken(lower(body), {t${i}:String})`, { [`t${i}`]: t });
  });
  if (q.container) await narrowToKnownContainer(store, where, q.container, q.host);
  return where;
}

export async function queryLogs(store: Store, q: LogQuery) {
  const where = await logConditions(store, q);
  const rows = await store.rows<Record<string, unknown> & { time_text: string }>(
    `SELECT toString(time) AS time_text, host, source, container_id AS containerId, container_name AS containerName,
            image, stream, unit, identifier, pid, severity_number AS severityNumber,
            severity_text AS severityText, body, attributes, seq
     FROM logs ${where.sql()}
     ORDER BY time DESC, seq DESC LIMIT {limit:UInt32}`,
    { ...where.params, limit: q.limit },
  );
  return rows.map((r) => ({ ...withRfc3339Time(r), seq: Number(r.seq) }));
}

/** How many lines match, without fetching them. */
export async function countLogs(store: Store, q: LogFilter): Promise<number> {
  const where = await logConditions(store, q);
  const [row] = await store.rows<{ n: string }>(`SELECT count() AS n FROM logs ${where.sql()}`, where.params);
  return Number(row?.n ?? 0);
}
