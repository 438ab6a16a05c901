// The default view: every running and recently dead (dim) container of the fleet or a host.
// A container that is not running shows "-" for its rates (it uses nothing now, whatever its
// last samples said) and keeps its history; extra width goes to the history charts.
import React from "react";
import { bytes, cores, percent, rate, upFor } from "../../client/format.ts";
import { sparkCells } from "../../client/spark.ts";
import type { ContainerOverview } from "../../protocol/api/overview.ts";
import {
  type Column,
  type Selected,
  sortKeysHelp,
  Table,
  tableLayout,
  tableShown,
} from "../components/table.ts";
import { keyActions } from "../keys.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewId } from "./registry.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = ContainerOverview;

/**
 * up 45s / up 3m / exit 2 / OOM 137 / gone: the state in a few characters. Uptime as `docker ps`
 * words it (seconds only in the first minute), so a row's text stays put between polls.
 */
export function stateText(r: Row, now = Date.now()): string {
  if (r.state === "running")
    return r.startedAt ? `up ${upFor((now - Date.parse(r.startedAt)) / 1000)}` : "running";
  if (r.state === "exited" || r.state === "dead")
    return `${r.oomKilled ? "OOM" : "exit"} ${r.exitCode ?? "?"}`;
  return r.state;
}

/** Whether the container has processes, so its rates describe now. */
export const isLive = (r: Row) => r.state === "running" || r.state === "paused";

/** A rate column's value and text: -1 and "-" for a container that is not live (sorted last). */
const liveValue = (v: (r: Row) => number) => (r: Row) => (isLive(r) ? v(r) : -1);
const liveText = (t: (r: Row) => string) => (r: Row) => (isLive(r) ? t(r) : "-");

/** Seconds per point of the history charts: a wider chart shows a longer past. */
const HISTORY_STEP_SECONDS = 30;

const cpuTop = (r: Row) => Math.max(r.cpuLimitCores || Math.max(0, ...r.history.cpuCores.map(Number)), 0.1);
const memTop = (r: Row) =>
  r.memoryLimitBytes || 1.25 * Math.max(1, ...r.history.memoryWorkingSetBytes.map(Number));
const hot = (p: number | null) => (p === null ? undefined : p >= 90 ? "red" : p >= 70 ? "yellow" : undefined);

export const CONTAINER_COLUMNS: Column<Row>[] = [
  { id: "host", title: "HOST", width: 12, sortKey: "H", drop: 6, value: (r) => r.host },
  {
    id: "name",
    title: "NAME",
    width: 18,
    sortKey: "N",
    drop: 0,
    grow: true,
    maxWidth: 32,
    value: (r) => r.name,
  },
  {
    id: "state",
    title: "STATE",
    width: 9,
    sortKey: "S",
    drop: 0,
    value: (r) => stateText(r),
    color: (r) =>
      r.state === "running" ? "green" : r.oomKilled || (r.exitCode ?? 0) !== 0 ? "red" : undefined,
  },
  {
    id: "cpu",
    title: "CPU",
    width: 5,
    align: "right",
    sortKey: "C",
    drop: 0,
    value: liveValue((r) => r.cpuCores),
    text: liveText((r) => cores(r.cpuCores)),
  },
  {
    id: "cpuLimit",
    title: "%CPU",
    width: 5,
    align: "right",
    drop: 7,
    value: liveValue((r) => r.cpuPercentOfLimit ?? -1),
    text: liveText((r) => percent(r.cpuPercentOfLimit)),
    color: (r) => hot(r.cpuPercentOfLimit),
  },
  {
    id: "cpuHistory",
    title: "CPU~",
    width: 10,
    drop: 4,
    grow: true,
    value: liveValue((r) => r.cpuCores),
    text: (r, width) => sparkCells(r.history.cpuCores, cpuTop(r), width),
    color: () => "cyan",
  },
  {
    id: "mem",
    title: "MEM",
    width: 6,
    align: "right",
    sortKey: "M",
    drop: 0,
    value: liveValue((r) => r.memoryWorkingSetBytes),
    text: liveText((r) => bytes(r.memoryWorkingSetBytes)),
  },
  {
    id: "memLimit",
    title: "%MEM",
    width: 5,
    align: "right",
    drop: 2,
    value: liveValue((r) => r.memoryPercentOfLimit ?? -1),
    text: liveText((r) => percent(r.memoryPercentOfLimit)),
    color: (r) => hot(r.memoryPercentOfLimit),
  },
  {
    id: "memHistory",
    title: "MEM~",
    width: 10,
    drop: 5,
    grow: true,
    value: liveValue((r) => r.memoryWorkingSetBytes),
    text: (r, width) => sparkCells(r.history.memoryWorkingSetBytes, memTop(r), width),
    color: () => "magenta",
  },
  {
    id: "rx",
    title: "RX/s",
    width: 7,
    align: "right",
    sortKey: "X",
    drop: 8,
    value: liveValue((r) => r.networkRxBytesPerSecond),
    text: liveText((r) => rate(r.networkRxBytesPerSecond).replace("/s", "")),
  },
  {
    id: "tx",
    title: "TX/s",
    width: 7,
    align: "right",
    drop: 8,
    value: liveValue((r) => r.networkTxBytesPerSecond),
    text: liveText((r) => rate(r.networkTxBytesPerSecond).replace("/s", "")),
  },
  {
    id: "read",
    title: "RD/s",
    width: 6,
    align: "right",
    sortKey: "O",
    drop: 9,
    value: liveValue((r) => r.ioReadBytesPerSecond),
    text: liveText((r) => bytes(r.ioReadBytesPerSecond)),
  },
  {
    id: "write",
    title: "WR/s",
    width: 6,
    align: "right",
    drop: 10,
    value: liveValue((r) => r.ioWriteBytesPerSecond),
    text: liveText((r) => bytes(r.ioWriteBytesPerSecond)),
  },
  {
    id: "pids",
    title: "PIDS",
    width: 4,
    align: "right",
    sortKey: "D",
    drop: 3,
    value: liveValue((r) => r.pids),
    text: liveText((r) => String(r.pids)),
  },
  {
    id: "restarts",
    title: "RST",
    width: 3,
    align: "right",
    sortKey: "R",
    drop: 3,
    value: (r) => r.restarts,
    color: (r) => (r.restarts > 0 ? "yellow" : undefined),
  },
  { id: "image", title: "IMAGE", width: 18, sortKey: "I", drop: 11, value: (r) => r.image },
];

/** The context of a view about one container (its id is unique, even after docker rm). */
export const containerCtx = (r: { host: string; id: string; name: string }) => ({
  host: r.host,
  container: r.id,
  containerName: r.name,
});

const open =
  (view: ViewId) =>
  ({ row, shell }: Selected<Row>) =>
    shell.push(view, containerCtx(row));

// Enter / P comes last so the footer reads logs, why, procs.
const KEYS = keyActions<Selected<Row>>([
  { key: "l", label: "logs", help: "its logs", run: open("logs") },
  { key: "w", label: "why", help: "why it died", run: open("why") },
  { key: "i", help: "inspect it", run: open("inspect") },
  { key: "e", help: "its events", run: open("events") },
  {
    key: "Enter / P",
    footerKey: "P",
    label: "procs",
    help: "processes of the container",
    run: open("processes"),
  },
]);

const dim = (r: Row) => r.state !== "running";

function Containers() {
  const { client, frame, width } = useShell();
  const { host, container } = frame.ctx;
  // As many history points as the charts have cells (the API gives at most 120); after a resize
  // the next refresh brings them.
  const chart = tableLayout(CONTAINER_COLUMNS, width).find((c) => c.col.id === "cpuHistory");
  const points = Math.min(120, chart?.width ?? 10);
  // Opened for one container (--container): just that one (by name, id or id prefix).
  const picked = (rows: Row[]) =>
    rows.filter((r) => !container || r.name === container || r.id.startsWith(container));
  const shown = tableShown(CONTAINER_COLUMNS, width, dim);
  const data = usePoll(
    `containers ${host ?? ""}`,
    () =>
      client.get<{ containers: Row[] }>("/api/v1/overview/containers", {
        host,
        history: `${points * HISTORY_STEP_SECONDS}s`,
        points,
      }),
    {
      isEmpty: (d) => d.containers.length === 0,
      emptyMessage: "no container has reported in the last hour",
      shownAs: (d) => shown(picked(d.containers)),
    },
  );
  return h(Table<Row>, {
    rows: picked(data?.containers ?? []),
    columns: CONTAINER_COLUMNS,
    rowKey: (r) => `${r.host}/${r.id}`,
    defaultSort: { column: "cpu", desc: true },
    dim,
    keys: KEYS,
  });
}

export const containersView: ViewPlugin = {
  name: "containers",
  description: "running and recently dead containers: CPU, memory against limits, network, I/O, restarts",
  crumb: (ctx) => (ctx.host ? `containers @${ctx.host}` : "containers"),
  keys: [...KEYS, sortKeysHelp(CONTAINER_COLUMNS)],
  Component: Containers,
};
