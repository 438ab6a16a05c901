// The default view: every running and recently dead (dim) container of the fleet or a host.
import React from "react";
import type { ContainerOverview } from "../api-types.ts";
import { type Column, Table } from "../components/table.ts";
import { bytes, cores, duration, percent, rate } from "../format.ts";
import { useShell } from "../shell-context.ts";
import { sparkCells } from "../spark.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = ContainerOverview;

/** Up 3m12s / exit 2 / OOM 137 / gone: the state in a few characters. */
export function stateText(r: Row, now = Date.now()): string {
  if (r.state === "running")
    return r.startedAt ? `up ${duration((now - Date.parse(r.startedAt)) / 1000)}` : "running";
  if (r.state === "exited" || r.state === "dead")
    return `${r.oomKilled ? "OOM" : "exit"} ${r.exitCode ?? "?"}`;
  return r.state;
}

const cpuTop = (r: Row) => Math.max(r.cpuLimitCores || Math.max(0, ...r.history.cpuCores.map(Number)), 0.1);
const memTop = (r: Row) =>
  r.memoryLimitBytes || 1.25 * Math.max(1, ...r.history.memoryWorkingSetBytes.map(Number));
const hot = (p: number | null) => (p === null ? undefined : p >= 90 ? "red" : p >= 70 ? "yellow" : undefined);

export const CONTAINER_COLUMNS: Column<Row>[] = [
  { id: "host", title: "HOST", width: 12, sortKey: "H", drop: 6, value: (r) => r.host },
  { id: "name", title: "NAME", width: 18, sortKey: "N", drop: 0, grow: true, value: (r) => r.name },
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
    value: (r) => r.cpuCores,
    text: (r) => cores(r.cpuCores),
  },
  {
    id: "cpuLimit",
    title: "%CPU",
    width: 5,
    align: "right",
    drop: 7,
    value: (r) => r.cpuPercentOfLimit ?? -1,
    text: (r) => percent(r.cpuPercentOfLimit),
    color: (r) => hot(r.cpuPercentOfLimit),
  },
  {
    id: "cpuHistory",
    title: "CPU~",
    width: 10,
    drop: 4,
    value: (r) => r.cpuCores,
    text: (r) => sparkCells(r.history.cpuCores, cpuTop(r), 10),
    color: () => "cyan",
  },
  {
    id: "mem",
    title: "MEM",
    width: 6,
    align: "right",
    sortKey: "M",
    drop: 0,
    value: (r) => r.memoryWorkingSetBytes,
    text: (r) => bytes(r.memoryWorkingSetBytes),
  },
  {
    id: "memLimit",
    title: "%MEM",
    width: 5,
    align: "right",
    drop: 2,
    value: (r) => r.memoryPercentOfLimit ?? -1,
    text: (r) => percent(r.memoryPercentOfLimit),
    color: (r) => hot(r.memoryPercentOfLimit),
  },
  {
    id: "memHistory",
    title: "MEM~",
    width: 10,
    drop: 5,
    value: (r) => r.memoryWorkingSetBytes,
    text: (r) => sparkCells(r.history.memoryWorkingSetBytes, memTop(r), 10),
    color: () => "magenta",
  },
  {
    id: "rx",
    title: "RX/s",
    width: 7,
    align: "right",
    sortKey: "X",
    drop: 8,
    value: (r) => r.networkRxBytesPerSecond,
    text: (r) => rate(r.networkRxBytesPerSecond).replace("/s", ""),
  },
  {
    id: "tx",
    title: "TX/s",
    width: 7,
    align: "right",
    drop: 8,
    value: (r) => r.networkTxBytesPerSecond,
    text: (r) => rate(r.networkTxBytesPerSecond).replace("/s", ""),
  },
  {
    id: "read",
    title: "RD/s",
    width: 6,
    align: "right",
    sortKey: "O",
    drop: 9,
    value: (r) => r.ioReadBytesPerSecond,
    text: (r) => bytes(r.ioReadBytesPerSecond),
  },
  {
    id: "write",
    title: "WR/s",
    width: 6,
    align: "right",
    drop: 10,
    value: (r) => r.ioWriteBytesPerSecond,
    text: (r) => bytes(r.ioWriteBytesPerSecond),
  },
  { id: "pids", title: "PIDS", width: 4, align: "right", sortKey: "D", drop: 3, value: (r) => r.pids },
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

function Containers() {
  const { client, frame, push } = useShell();
  const { host, container } = frame.ctx;
  const data = usePoll(
    `containers ${host ?? ""}`,
    () =>
      client.get<{ containers: Row[] }>("/api/v1/overview/containers", { host, history: "5m", points: 10 }),
    { isEmpty: (d) => d.containers.length === 0, emptyMessage: "no container has reported in the last hour" },
  );
  // Opened for one container (--container): just that one (by name, id or id prefix).
  const rows = (data?.containers ?? []).filter(
    (r) => !container || r.name === container || r.id.startsWith(container),
  );
  const open = (view: string) => (r: Row) => push(view, containerCtx(r));
  return h(Table<Row>, {
    rows,
    columns: CONTAINER_COLUMNS,
    rowKey: (r) => `${r.host}/${r.id}`,
    defaultSort: { column: "cpu", desc: true },
    dim: (r) => r.state !== "running",
    onEnter: open("processes"),
    actions: [
      { key: "l", help: "logs", run: open("logs") },
      { key: "w", help: "why", run: open("why") },
      { key: "i", help: "inspect", run: open("inspect") },
      { key: "e", help: "events", run: open("events") },
      { key: "P", help: "processes", run: open("processes") },
    ],
  });
}

export const containersView: ViewPlugin = {
  id: "containers",
  name: "containers",
  description: "running and recently dead containers: CPU, memory against limits, network, I/O, restarts",
  crumb: (ctx) => (ctx.host ? `containers @${ctx.host}` : "containers"),
  keys: [
    ["Enter / P", "processes of the container"],
    ["l", "its logs"],
    ["w", "why it died"],
    ["i", "inspect it"],
    ["e", "its events"],
    ["C M N H S R D X O I", "sort: CPU, MEM, NAME, HOST, STATE, RST, PIDS, RX, RD, IMAGE"],
  ],
  footer: [
    ["l", "logs"],
    ["w", "why"],
    ["P", "procs"],
  ],
  Component: Containers,
};
