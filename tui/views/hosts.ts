// Every host of the fleet: containers, CPU, memory, load, incidents open, collector lag.
import React from "react";
import { bytes, duration } from "../../client/format.ts";
import { HOST_LATE_SECONDS, type HostOverview } from "../../protocol/api/hosts.ts";
import { type Column, type Selected, sortKeysHelp, Table } from "../components/table.ts";
import { keyActions } from "../keys.ts";
import { useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewId } from "./registry.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = HostOverview;

const cpuPercent = (r: Row) => (r.cpuCores ? (100 * r.cpuBusyCores) / r.cpuCores : 0);
const memUsed = (r: Row) => Math.max(0, r.memoryBytes - r.memoryAvailableBytes);
const memPercent = (r: Row) => (r.memoryBytes ? (100 * memUsed(r)) / r.memoryBytes : 0);

export const HOST_COLUMNS: Column<Row>[] = [
  {
    id: "host",
    title: "HOST",
    width: 14,
    sortKey: "H",
    drop: 0,
    grow: true,
    maxWidth: 32,
    value: (r) => r.host,
  },
  {
    id: "containers",
    title: "CTRS",
    width: 7,
    align: "right",
    sortKey: "N",
    drop: 0,
    value: (r) => r.containersRunning,
    text: (r) => `${r.containersRunning}/${r.containersTotal}`,
  },
  { id: "cores", title: "CORES", width: 5, align: "right", drop: 4, value: (r) => r.cpuCores },
  {
    id: "cpu",
    title: "CPU%",
    width: 5,
    align: "right",
    sortKey: "C",
    drop: 0,
    value: cpuPercent,
    text: (r) => cpuPercent(r).toFixed(0),
  },
  {
    id: "load",
    title: "LOAD",
    width: 5,
    align: "right",
    sortKey: "L",
    drop: 2,
    value: (r) => r.load1,
    text: (r) => r.load1.toFixed(2),
  },
  {
    id: "mem",
    title: "MEM",
    width: 11,
    align: "right",
    sortKey: "M",
    drop: 1,
    value: memUsed,
    text: (r) => `${bytes(memUsed(r))}/${bytes(r.memoryBytes)}`,
  },
  {
    id: "memPct",
    title: "MEM%",
    width: 5,
    align: "right",
    drop: 0,
    value: memPercent,
    text: (r) => memPercent(r).toFixed(0),
  },
  {
    id: "incidents",
    title: "INC",
    width: 3,
    align: "right",
    sortKey: "I",
    drop: 0,
    value: (r) => r.incidentsOpen,
    color: (r) => (r.incidentsOpen > 0 ? "red" : undefined),
  },
  {
    id: "seen",
    title: "SEEN",
    width: 7,
    align: "right",
    sortKey: "S",
    drop: 0,
    value: (r) => r.lagSeconds,
    text: (r) => duration(r.lagSeconds),
    color: (r) => (r.stale ? "red" : r.lagSeconds > HOST_LATE_SECONDS ? "yellow" : undefined),
  },
  {
    id: "uptime",
    title: "UPTIME",
    width: 7,
    align: "right",
    drop: 3,
    value: (r) => r.uptimeSeconds,
    text: (r) => duration(r.uptimeSeconds),
  },
  { id: "os", title: "OS", width: 22, drop: 5, grow: true, maxWidth: 40, value: (r) => r.os },
];

const open =
  (view: ViewId) =>
  ({ row, shell }: Selected<Row>) =>
    shell.push(view, { host: row.host });

const KEYS = keyActions<Selected<Row>>([
  { key: "Enter", help: "containers of the host", run: open("containers") },
  { key: "l", label: "logs", help: "its logs", run: open("logs") },
  { key: "e", help: "its events", run: open("events") },
  { key: "n", help: "its incidents", run: open("incidents") },
  { key: "t", label: "procs", help: "its top processes", run: open("top-processes") },
]);

function Hosts() {
  const { client } = useShell();
  const data = usePoll("hosts", () => client.get<{ hosts: Row[] }>("/api/v1/overview/hosts"), {
    isEmpty: (d) => d.hosts.length === 0,
    emptyMessage: "no collector has reported to this aggregator",
  });
  return h(Table<Row>, {
    rows: data?.hosts ?? [],
    columns: HOST_COLUMNS,
    rowKey: (r) => r.host,
    defaultSort: { column: "host", desc: false },
    dim: (r) => r.stale,
    keys: KEYS,
  });
}

export const hostsView: ViewPlugin = {
  name: "hosts",
  description: "every host: containers running/total, CPU, memory, load, incidents open, last heartbeat",
  crumb: () => "hosts",
  keys: [...KEYS, sortKeysHelp(HOST_COLUMNS)],
  Component: Hosts,
};
