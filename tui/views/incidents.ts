// Incidents the aggregator detected, newest first; Enter explains the container's death.
import React from "react";
import type { IncidentRow } from "../../protocol/api/incidents.ts";
import { incidentSubject } from "../../protocol/incident-kinds.ts";
import { type Column, type Selected, sortKeysHelp, Table, timeColumn } from "../components/table.ts";
import { keyActions } from "../keys.ts";
import { type Shell, useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = IncidentRow;

export const INCIDENT_COLUMNS: Column<Row>[] = [
  timeColumn<Row>(),
  { id: "kind", title: "KIND", width: 15, sortKey: "K", drop: 0, value: (r) => r.kind },
  {
    id: "status",
    title: "STATUS",
    width: 8,
    sortKey: "S",
    drop: 2,
    value: (r) => r.status,
    color: (r) => (r.status === "open" ? "red" : "green"),
  },
  { id: "host", title: "HOST", width: 12, sortKey: "H", drop: 3, value: (r) => r.host },
  {
    id: "what",
    title: "WHAT",
    width: 16,
    sortKey: "N",
    drop: 0,
    grow: true,
    maxWidth: 32,
    value: (r) => r.containerName || r.unit || r.image,
  },
  { id: "count", title: "N", width: 3, align: "right", drop: 4, value: (r) => r.count },
  { id: "summary", title: "SUMMARY", width: 20, drop: 1, grow: true, value: (r) => r.summary },
];

const ctxOf = (r: Row) => ({ host: r.host, container: r.containerId, containerName: r.containerName });
// The death an incident is about is its end: an exit's or an OOM kill's die, a crash loop's
// last (still open: the newest). Passed on exactly as the API wrote it, to the nanosecond:
// in a fast crash loop the next death may be a moment later.
const why = (r: Row, shell: Shell) => shell.push("why", { ...ctxOf(r), at: r.ended ?? undefined });
const logs = (r: Row, shell: Shell) =>
  shell.push("logs", r.containerId ? ctxOf(r) : { host: r.host, unit: r.unit || undefined });
/** A resource incident is about a living container: Enter shows its logs, there is no death to explain. */
const alive = (r: Row) => incidentSubject(r.kind) === "resources";

const KEYS = keyActions<Selected<Row>>([
  {
    key: "Enter",
    help: "why (a container's death) or its logs",
    run: ({ row, shell }) => (row.containerId && !alive(row) ? why(row, shell) : logs(row, shell)),
  },
  {
    key: "w",
    label: "why",
    help: "why the container died",
    run: ({ row, shell }) => row.containerId && why(row, shell),
  },
  {
    key: "l",
    label: "logs",
    help: "logs of the container or unit",
    run: ({ row, shell }) => logs(row, shell),
  },
]);

function Incidents() {
  const { client, frame } = useShell();
  const { host, container } = frame.ctx;
  const data = usePoll(
    `incidents ${host ?? ""} ${container ?? ""}`,
    () =>
      client.get<{ incidents: Row[] }>("/api/v1/incidents", { host, container, since: "24h", limit: 500 }),
    { isEmpty: (d) => d.incidents.length === 0, emptyMessage: "no incident in the last 24 hours" },
  );
  return h(Table<Row>, {
    rows: data?.incidents ?? [],
    columns: INCIDENT_COLUMNS,
    rowKey: (r) => r.id,
    defaultSort: { column: "time", desc: true },
    dim: (r) => r.status !== "open",
    keys: KEYS,
  });
}

export const incidentsView: ViewPlugin = {
  name: "incidents",
  description: "what the aggregator detected (oom, exit, crash-loop, unit-failed …), newest first",
  crumb: (ctx) => `incidents ${ctx.containerName ?? (ctx.host ? `@${ctx.host}` : "")}`.trim(),
  keys: [...KEYS, sortKeysHelp(INCIDENT_COLUMNS)],
  Component: Incidents,
};
