// The csysdig drill-down: the processes of one container at its latest snapshot.
import React from "react";
import { ApiError } from "../../client/api-client.ts";
import { bytes } from "../../client/format.ts";
import type { ProcessRow } from "../../protocol/api/processes.ts";
import { type Column, type Selected, sortKeysHelp, Table } from "../components/table.ts";
import { keyActions } from "../keys.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
/** What the columns show: a container's snapshot and the top over a window (TopProcess) both have it. */
type Row = Omit<ProcessRow, "time">;

export const PROCESS_COLUMNS: Column<Row>[] = [
  { id: "pid", title: "PID", width: 7, align: "right", sortKey: "I", drop: 0, value: (r) => r.pid },
  { id: "cpid", title: "CPID", width: 5, align: "right", drop: 2, value: (r) => r.nsPid },
  { id: "user", title: "USER", width: 8, sortKey: "U", drop: 1, value: (r) => r.user },
  {
    id: "cpu",
    title: "CPU%",
    width: 5,
    align: "right",
    sortKey: "C",
    drop: 0,
    value: (r) => r.cpuPercent,
    text: (r) => r.cpuPercent.toFixed(1),
  },
  {
    id: "rss",
    title: "RSS",
    width: 6,
    align: "right",
    sortKey: "M",
    drop: 0,
    value: (r) => r.rssBytes,
    text: (r) => bytes(r.rssBytes),
  },
  { id: "threads", title: "THR", width: 3, align: "right", drop: 3, value: (r) => r.threads },
  { id: "state", title: "S", width: 1, drop: 3, value: (r) => r.state },
  {
    id: "command",
    title: "COMMAND",
    width: 20,
    sortKey: "N",
    drop: 0,
    grow: true,
    value: (r) => r.cmdline || r.command,
  },
];

/** Keys about the container, whichever process is selected. */
const KEYS = keyActions<Selected<Row>>([
  {
    key: "l",
    label: "logs",
    help: "the container's logs",
    run: ({ shell }) => shell.push("logs", shell.frame.ctx),
  },
  { key: "w", label: "why", help: "why it died", run: ({ shell }) => shell.push("why", shell.frame.ctx) },
]);

function Processes() {
  const { client, frame } = useShell();
  const { host, container } = frame.ctx;
  const data = usePoll(
    `processes ${host} ${container}`,
    async () => {
      try {
        const path = `/api/v1/containers/${encodeURIComponent(container ?? "")}/processes`;
        return (await client.get<{ processes: Row[] }>(path, { host })).processes;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return [];
        throw err;
      }
    },
    { isEmpty: (d) => d.length === 0, emptyMessage: "no process snapshot of this container yet" },
  );
  return h(Table<Row>, {
    rows: data ?? [],
    columns: PROCESS_COLUMNS,
    rowKey: (r) => String(r.pid),
    defaultSort: { column: "cpu", desc: true },
    keys: KEYS,
  });
}

export const processesView: ViewPlugin = {
  name: "processes",
  description: "the container's processes: host PID, container PID, user, CPU, RSS, command",
  crumb: (ctx) => `processes ${ctx.containerName ?? ctx.container ?? ""}`.trim(),
  needsContainer: true,
  keys: [...KEYS, sortKeysHelp(PROCESS_COLUMNS)],
  Component: Processes,
};
