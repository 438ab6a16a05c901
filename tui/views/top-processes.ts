// sysdig's topprocs_cpu for a host or the fleet: the busiest processes with their container.
import React from "react";
import type { ProcessRow } from "../api-types.ts";
import { type Column, Table } from "../components/table.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import { PROCESS_COLUMNS } from "./processes.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = ProcessRow;

const columns: Column<Row>[] = [
  { id: "host", title: "HOST", width: 12, sortKey: "H", drop: 4, value: (r) => r.host },
  {
    id: "container",
    title: "CONTAINER",
    width: 14,
    sortKey: "O",
    drop: 0,
    grow: true,
    maxWidth: 32,
    value: (r) => r.containerName || "(host)",
    color: (r) => (r.containerName ? undefined : "gray"),
  },
  ...PROCESS_COLUMNS.filter((c) => c.id !== "cpid" && c.id !== "state"),
];

function TopProcesses() {
  const { client, frame, push } = useShell();
  const { host } = frame.ctx;
  const data = usePoll(
    `top-processes ${host ?? ""}`,
    () =>
      client.get<{ processes: Row[] }>("/api/v1/processes/top", { host, since: "1m", by: "cpu", limit: 200 }),
    { isEmpty: (d) => d.processes.length === 0, emptyMessage: "no process sample in the last minute" },
  );
  const inContainer = (r: Row) => r.containerId !== "";
  const ctxOf = (r: Row) => ({ host: r.host, container: r.containerId, containerName: r.containerName });
  return h(Table<Row>, {
    rows: data?.processes ?? [],
    columns,
    rowKey: (r) => `${r.host}/${r.containerId}/${r.pid}`,
    defaultSort: { column: "cpu", desc: true },
    onEnter: (r) => inContainer(r) && push("processes", ctxOf(r)),
    actions: [
      { key: "l", help: "logs", run: (r) => push("logs", inContainer(r) ? ctxOf(r) : { host: r.host }) },
    ],
  });
}

export const topProcessesView: ViewPlugin = {
  id: "top-processes",
  name: "top processes",
  description: "the busiest processes of the last minute across a host or the fleet, with their container",
  crumb: (ctx) => (ctx.host ? `top processes @${ctx.host}` : "top processes"),
  keys: [
    ["Enter", "the processes of that container"],
    ["l", "logs of that container (or host)"],
    ["C M I U N H O", "sort: CPU, RSS, PID, USER, COMMAND, HOST, CONTAINER"],
  ],
  footer: [["l", "logs"]],
  Component: TopProcesses,
};
