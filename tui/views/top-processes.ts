// sysdig's topprocs_cpu for a host or the fleet: the busiest processes with their container.
import React from "react";
import type { TopProcess } from "../../protocol/api/processes.ts";
import { type Column, type Selected, sortKeysHelp, Table } from "../components/table.ts";
import { keyActions } from "../keys.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import { PROCESS_COLUMNS } from "./processes.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = TopProcess;

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

/** Host processes (no container) have no container's processes to open. */
const inContainer = (r: Row) => r.containerId !== "";
const ctxOf = (r: Row) => ({ host: r.host, container: r.containerId, containerName: r.containerName });

const KEYS = keyActions<Selected<Row>>([
  {
    key: "Enter",
    help: "the processes of that container",
    run: ({ row, shell }) => inContainer(row) && shell.push("processes", ctxOf(row)),
  },
  {
    key: "l",
    label: "logs",
    help: "logs of that container (or host)",
    run: ({ row, shell }) => shell.push("logs", inContainer(row) ? ctxOf(row) : { host: row.host }),
  },
]);

function TopProcesses() {
  const { client, frame } = useShell();
  const { host } = frame.ctx;
  const data = usePoll(
    `top-processes ${host ?? ""}`,
    () =>
      client.get<{ processes: Row[] }>("/api/v1/processes/top", { host, since: "1m", by: "cpu", limit: 200 }),
    { isEmpty: (d) => d.processes.length === 0, emptyMessage: "no process sample in the last minute" },
  );
  return h(Table<Row>, {
    rows: data?.processes ?? [],
    columns,
    rowKey: (r) => `${r.host}/${r.containerId}/${r.pid}`,
    defaultSort: { column: "cpu", desc: true },
    keys: KEYS,
  });
}

export const topProcessesView: ViewPlugin = {
  name: "top processes",
  description: "the busiest processes of the last minute across a host or the fleet, with their container",
  crumb: (ctx) => (ctx.host ? `top processes @${ctx.host}` : "top processes"),
  keys: [...KEYS, sortKeysHelp(columns)],
  Component: TopProcesses,
};
