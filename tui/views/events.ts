// Docker events, newest first: of the fleet, a host or one container. The `/` filter goes to the
// server (host:, container:, action: and the text), so it finds events older than the newest
// 500 too; other field words (image:, exit:) narrow what came back.
import React from "react";
import { parseFilterWords } from "../../client/log-filter.ts";
import type { EventRow } from "../../protocol/api/events.ts";
import { type Column, type Selected, sortKeysHelp, Table, timeColumn } from "../components/table.ts";
import type { ViewContext } from "../frame.ts";
import { keyActions } from "../keys.ts";
import { type Shell, useShell } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
type Row = EventRow;

const ACTION_COLORS: Record<string, string> = {
  die: "red",
  oom: "red",
  "oom-kill": "red",
  kill: "yellow",
  stop: "yellow",
  start: "green",
};

export const EVENT_COLUMNS: Column<Row>[] = [
  timeColumn<Row>(),
  { id: "host", title: "HOST", width: 12, sortKey: "H", drop: 2, value: (r) => r.host },
  {
    id: "action",
    title: "ACTION",
    width: 14,
    sortKey: "A",
    drop: 0,
    value: (r) => r.action,
    color: (r) => ACTION_COLORS[r.action],
  },
  {
    id: "exit",
    title: "EXIT",
    width: 4,
    align: "right",
    drop: 0,
    value: (r) => r.exitCode ?? "",
    color: (r) => (r.exitCode ? "red" : undefined),
  },
  {
    id: "container",
    title: "CONTAINER",
    width: 16,
    sortKey: "N",
    drop: 0,
    grow: true,
    maxWidth: 40,
    value: (r) => r.containerName || r.containerId.slice(0, 12),
  },
  {
    id: "image",
    title: "IMAGE",
    width: 18,
    sortKey: "I",
    drop: 3,
    grow: true,
    maxWidth: 48,
    value: (r) => r.image,
  },
];

/** Filter words the events API answers itself (action: as its comma-separated list). */
const SERVER_FIELDS = ["host", "container", "action"];

const quoteValue = (v: string) => (/\s/.test(v) ? `"${v}"` : v);

/**
 * The view's context and `/` filter → the API's parameters, and the field words left for the
 * table (the columns the API cannot filter on).
 */
export function eventQuery(ctx: ViewContext, filter: string | undefined) {
  const { fields, text } = parseFilterWords(filter ?? "");
  const params = {
    host: fields.host ?? ctx.host,
    container: fields.container ?? ctx.container,
    action: fields.action,
    q: text || undefined,
  };
  const rest = Object.entries(fields)
    .filter(([name]) => !SERVER_FIELDS.includes(name))
    .map(([name, value]) => `${name}:${quoteValue(value)}`)
    .join(" ");
  return { params, rest: rest || undefined };
}

const ctxOf = (r: Row) => ({ host: r.host, container: r.containerId, containerName: r.containerName });
const why = (r: Row, shell: Shell) =>
  shell.push("why", { ...ctxOf(r), at: r.action === "die" ? r.time : undefined });
const logs = (r: Row, shell: Shell) => shell.push("logs", ctxOf(r));

/** Host-wide events (no container) have no why or logs to open. */
const KEYS = keyActions<Selected<Row>>([
  {
    key: "Enter",
    help: "why (a die event) or the container's logs",
    run: ({ row, shell }) => row.containerId && (row.action === "die" ? why(row, shell) : logs(row, shell)),
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
    help: "the container's logs",
    run: ({ row, shell }) => row.containerId && logs(row, shell),
  },
  { key: "/", help: "filter on the server: host:web-1 container:api action:die,oom and text" },
]);

function Events() {
  const { client, frame } = useShell();
  const { params } = eventQuery(frame.ctx, frame.ui.filter);
  const data = usePoll(
    `events ${JSON.stringify(params)}`,
    () => client.get<{ events: Row[] }>("/api/v1/events", { ...params, since: "24h", limit: 500 }),
    {
      isEmpty: (d) => d.events.length === 0,
      emptyMessage: frame.ui.filter
        ? "no event of the last 24 hours matches the filter"
        : "no event in the last 24 hours",
    },
  );
  return h(Table<Row>, {
    rows: data?.events ?? [],
    columns: EVENT_COLUMNS,
    localFilter: (filter) => eventQuery(frame.ctx, filter).rest,
    rowKey: (r) => `${r.time}/${r.host}/${r.containerId}/${r.action}`,
    defaultSort: { column: "time", desc: true },
    keys: KEYS,
  });
}

export const eventsView: ViewPlugin = {
  name: "events",
  description: "Docker events of the last 24 hours, newest first",
  crumb: (ctx) => `events ${ctx.containerName ?? (ctx.host ? `@${ctx.host}` : "")}`.trim(),
  keys: [...KEYS, sortKeysHelp(EVENT_COLUMNS)],
  Component: Events,
};
