// Incidents and container deaths as Loki streams, for Grafana's annotations: an annotation query
// on the Loki data source marks each line it returns on the dashboards' time axis. A selector
// with `fleetscope="incidents"` reads the incidents (one line each: its summary, at its start) and
// `fleetscope="deaths"` the containers' die events (with the exit code), each
// narrowed by host, container and image matchers, in the reader's scope like every other read.
import type { LokiStream } from "../../protocol/api/loki.ts";
import type { Store } from "../store/store.ts";
import type { Window } from "./logql.ts";
import { addMatch, anchoredRegexes, checkRegexList, streamsOf } from "./logql.ts";
import { LogqlError, type LogSelector } from "./logql-parse.ts";
import { scopedConditions } from "./scope.ts";
import { toChTime } from "./window.ts";

/** The label that names an annotation stream, and the streams it names. */
export const ANNOTATION_LABEL = "fleetscope";
const KINDS = ["incidents", "deaths"] as const;
type AnnotationKind = (typeof KINDS)[number];

/** The labels an annotation stream can be narrowed by, and their columns (the same in both tables). */
const COLUMNS: Record<string, string> = { host: "host", container: "container_name", image: "image" };

/** Which annotation stream the selector asks for, if any; a matcher on it must name one exactly. */
export function annotationKind(sel: LogSelector): AnnotationKind | undefined {
  const named = sel.matchers.filter((m) => m.label === ANNOTATION_LABEL);
  if (named.length === 0) return undefined;
  const m = named[0];
  if (named.length > 1 || m?.op !== "=" || !KINDS.includes(m.value as AnnotationKind))
    throw new LogqlError(`parse error : ${ANNOTATION_LABEL} takes = and one of ${KINDS.join(", ")}`);
  if (sel.filters.length > 0 || (sel.labelFilters ?? []).length > 0)
    throw new LogqlError(`parse error : the ${m.value} stream takes label matchers only`);
  for (const other of sel.matchers)
    if (other.label !== ANNOTATION_LABEL && !COLUMNS[other.label])
      throw new LogqlError(
        `parse error : the ${m.value} stream is narrowed by ${Object.keys(COLUMNS).join(", ")} only`,
      );
  return m.value as AnnotationKind;
}

const SQL: Record<AnnotationKind, (where: string) => string> = {
  incidents: (where) =>
    `SELECT toString(toUnixTimestamp64Nano(toDateTime64(time, 9))) AS ns, summary AS body, kind, status,
            host, container_name AS container, image
     FROM incidents FINAL ${where}`,
  deaths: (where) =>
    `SELECT toString(toUnixTimestamp64Nano(time)) AS ns,
            concat(container_name, ' died', if(isNull(exit_code), '', concat(' (exit ', toString(exit_code), ')'))) AS body,
            host, container_name AS container, image
     FROM events ${where}`,
};

/** The annotation stream's lines in the window, newest first (backward) or oldest first. */
export async function annotationStreams(
  store: Store,
  kind: AnnotationKind,
  sel: LogSelector,
  w: Window,
  limit: number,
  direction: "backward" | "forward",
): Promise<LokiStream[]> {
  await checkRegexList(store, anchoredRegexes(sel.matchers));
  const where = scopedConditions({ since: toChTime(w.startNs), until: toChTime(w.endNs) }).add(
    "time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}",
  );
  if (kind === "deaths") where.add("type = 'container' AND action = 'die'");
  for (const [i, m] of sel.matchers.entries())
    if (m.label !== ANNOTATION_LABEL) addMatch(where, COLUMNS[m.label] as string, m, `a${i}`);
  const order = direction === "backward" ? "DESC" : "ASC";
  const rows = await store.rows<Record<string, string> & { ns: string; body: string }>(
    `${SQL[kind](where.sql())} ORDER BY time ${order} LIMIT {limit:UInt32}`,
    { ...where.params, limit },
  );
  return streamsOf(
    rows.map(({ ns, body, ...labels }) => ({ ns, body, labels: { [ANNOTATION_LABEL]: kind, ...labels } })),
  );
}
