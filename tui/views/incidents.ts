// Incidents the aggregator detected, newest first; Enter explains the container's death.
import React from "react";
import type { IncidentRow } from "../api-types.ts";
import { type Column, Table, timeColumn } from "../components/table.ts";
import { useShell } from "../shell-context.ts";
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

function Incidents() {
  const { client, frame, push } = useShell();
  const { host, container } = frame.ctx;
  const data = usePoll(
    `incidents ${host ?? ""} ${container ?? ""}`,
    () =>
      client.get<{ incidents: Row[] }>("/api/v1/incidents", { host, container, since: "24h", limit: 500 }),
    { isEmpty: (d) => d.incidents.length === 0, emptyMessage: "no incident in the last 24 hours" },
  );
  const ctxOf = (r: Row) => ({ host: r.host, container: r.containerId, containerName: r.containerName });
  // The death an incident is about is its end: an exit's or an OOM kill's die, a crash loop's
  // last (still open: the newest). Passed on exactly as the API wrote it, to the nanosecond:
  // in a fast crash loop the next death may be a moment later.
  const why = (r: Row) => push("why", { ...ctxOf(r), at: r.ended ?? undefined });
  const logs = (r: Row) =>
    push("logs", r.containerId ? ctxOf(r) : { host: r.host, unit: r.unit || undefined });
  return h(Table<Row>, {
    rows: data?.incidents ?? [],
    columns: INCIDENT_COLUMNS,
    rowKey: (r) => r.id,
    defaultSort: { column: "time", desc: true },
    dim: (r) => r.status !== "open",
    onEnter: (r) =>
      r.containerId && r.kind !== "memory-pressure" && r.kind !== "cpu-throttled" ? why(r) : logs(r),
    actions: [
      { key: "w", help: "why", run: (r) => r.containerId && why(r) },
      { key: "l", help: "logs", run: logs },
    ],
  });
}

export const incidentsView: ViewPlugin = {
  id: "incidents",
  name: "incidents",
  description: "what the aggregator detected (oom, exit, crash-loop, unit-failed …), newest first",
  crumb: (ctx) => `incidents ${ctx.containerName ?? (ctx.host ? `@${ctx.host}` : "")}`.trim(),
  keys: [
    ["Enter", "why (a container's death) or its logs"],
    ["w", "why the container died"],
    ["l", "logs of the container or unit"],
    ["T K S H N", "sort: TIME, KIND, STATUS, HOST, WHAT"],
  ],
  footer: [
    ["w", "why"],
    ["l", "logs"],
  ],
  Component: Incidents,
};
