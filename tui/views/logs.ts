// Live tail of a container, a host or the whole fleet: severity colours, the `/` filter in
// `fleetscope logs` syntax with its text highlighted, pause and scroll back, timestamps and wrap.
import { Box, Text } from "ink";
import React, { useMemo } from "react";
import type { ApiClient } from "../../client/api-client.ts";
import { clock, padCell } from "../../client/format.ts";
import { type LogParams, logFilterToParams } from "../../client/log-filter.ts";
import { renderSafe } from "../../client/render-safe.ts";
import { LogTail } from "../../client/tail.ts";
import type { LogLine } from "../../protocol/api/logs.ts";
import { counted } from "../../protocol/time.ts";
import type { ViewContext } from "../frame.ts";
import { type KeyPress, keyActions, keyHandler } from "../keys.ts";
import { type Shell, useShell, useViewKeys } from "../shell-context.ts";
import { usePoll } from "../use-poll.ts";
import type { ViewPlugin } from "./view.ts";

const h = React.createElement;
/** Lines kept for scrolling back. */
const KEEP = 5000;

/** OpenTelemetry severity → colour; stderr without a severity reads as a warning. */
export function severityColor(l: LogLine): string | undefined {
  if (l.severityNumber >= 17) return "red";
  if (l.severityNumber >= 13) return "yellow";
  if (l.severityNumber >= 1 && l.severityNumber <= 8) return "gray";
  return undefined;
}

/** The body cut where `needle` occurs (case-insensitively), every other piece a match. */
export function splitMatches(body: string, needle: string | undefined): string[] {
  if (!needle) return [body];
  const out: string[] = [];
  const lower = body.toLowerCase();
  const n = needle.toLowerCase();
  let from = 0;
  for (let i = lower.indexOf(n); i >= 0; i = lower.indexOf(n, i + n.length)) {
    out.push(body.slice(from, i), body.slice(i, i + n.length));
    from = i + n.length;
  }
  out.push(body.slice(from));
  return out;
}

function chunks(s: string, width: number): string[] {
  const chars = [...s];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += width) out.push(chars.slice(i, i + width).join(""));
  return out.length ? out : [""];
}

/** The view's context and `/` filter → the API's parameters, or why the filter is wrong. */
function logQuery(ctx: ViewContext, filter: string | undefined): { params: LogParams; error?: string } {
  const params: LogParams = { host: ctx.host, container: ctx.container, unit: ctx.unit };
  try {
    return { params: { ...params, ...logFilterToParams(filter ?? "") } };
  } catch (err) {
    return { params, error: (err as Error).message };
  }
}

/** The lines of the tail under `params`, the newest `KEEP`; a new tail whenever they change. */
function useLogLines(client: ApiClient, params: LogParams): LogLine[] {
  const key = JSON.stringify(params);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `params`
  const tail = useMemo(
    () => ({
      tail: new LogTail(client, params, { since: "1h", limit: 500, maxPerPoll: KEEP }),
      lines: [] as LogLine[],
    }),
    [client, key],
  );
  const data = usePoll(
    `logs ${key}`,
    async () => {
      const fresh = await tail.tail.poll();
      tail.lines.push(...fresh);
      if (tail.lines.length > KEEP) tail.lines.splice(0, tail.lines.length - KEEP);
      return { lines: tail.lines, count: tail.lines.length };
    },
    { isEmpty: (d) => d.count === 0, emptyMessage: "no log line of the last hour matches" },
  );
  return data?.lines ?? [];
}

/** What the logs view's keys act on. */
interface LogsControls {
  /** Scrolls back (positive) or forward by this many lines, pausing; from the newest if following. */
  scroll(by: number): void;
  /** Lines on one screen (a page), and lines kept. */
  page: number;
  kept: number;
  setUi: Shell["setUi"];
  timestamps: boolean;
  wrap: boolean;
}

/** ↑ ↓ PgUp PgDn Home scroll back; End follows the newest line again. */
function scrollKey(c: LogsControls, { key }: KeyPress) {
  if (key.end) return c.setUi({ offset: 0 });
  const by = key.upArrow ? 1 : key.downArrow ? -1 : key.pageUp ? c.page : key.pageDown ? -c.page : c.kept;
  c.scroll(by);
}

const KEYS = keyActions<LogsControls>([
  {
    key: "/",
    help: "filter: host:web-1 container:api stream:stderr level:error unit:… and text (highlighted)",
  },
  { key: "p", help: "pause (and scroll back)" },
  { key: "↑ ↓ PgUp PgDn Home End", help: "scroll back (pauses); End: newest", run: scrollKey },
  { key: "t", label: "time", help: "timestamps on/off", run: (c) => c.setUi({ timestamps: !c.timestamps }) },
  { key: "w", label: "wrap", help: "wrap long lines on/off", run: (c) => c.setUi({ wrap: !c.wrap }) },
]);

interface RowsLayout {
  timestamps: boolean;
  wrap: boolean;
  /** Host and container (or unit …) on each line: the fleet's or a host's logs. */
  showWho: boolean;
  width: number;
  rows: number;
  needle?: string;
}

/** One line's screen rows: its prefix, then the body (cut in pieces when wrapping), matches marked. */
function lineRows(l: LogLine, i: number, o: RowsLayout): React.ReactNode[] {
  const prefixWidth = (o.timestamps ? 13 : 0) + (o.showWho ? 21 : 0) + 7;
  const who = l.containerName || l.unit || l.identifier || l.source;
  const prefix = [
    o.timestamps ? h(Text, { key: "t", dimColor: true }, `${clock(l.time, true)} `) : null,
    o.showWho
      ? h(
          Text,
          { key: "w", color: "blue" },
          `${padCell(renderSafe(`${l.host}/${who}`, { singleLine: true }), 20)} `,
        )
      : null,
    h(
      Text,
      { key: "s", color: l.stream === "stderr" ? "red" : "gray" },
      `${padCell(renderSafe(l.stream || "-", { singleLine: true }), 6)} `,
    ),
  ];
  const body = renderSafe(l.body);
  const pieces = o.wrap ? chunks(body, Math.max(10, o.width - prefixWidth)) : [body];
  return pieces.map((piece, p) =>
    h(
      Text,
      { key: `${i}-${p}`, wrap: "truncate", color: severityColor(l) },
      ...(p === 0 ? prefix : [" ".repeat(prefixWidth)]),
      ...splitMatches(piece, o.needle).map((part, j) =>
        j % 2 ? h(Text, { key: j, backgroundColor: "yellow", color: "black" }, part) : part,
      ),
    ),
  );
}

/** The screen's rows, newest at the bottom, `offset` lines back from the newest. */
function screenRows(lines: LogLine[], offset: number, o: RowsLayout): React.ReactNode[] {
  const rows: React.ReactNode[] = [];
  for (let i = lines.length - 1 - offset; i >= 0 && rows.length < o.rows; i--) {
    const rendered = lineRows(lines[i] as LogLine, i, o);
    rows.unshift(...rendered.slice(Math.max(0, rendered.length - (o.rows - rows.length))));
  }
  return rows;
}

/** The line above: the filter's error, or following / paused (with the position) and the switches. */
function infoLine(error: string | undefined, paused: boolean, offset: number, count: number, o: RowsLayout) {
  if (error) return h(Text, { color: "red", wrap: "truncate" }, renderSafe(error, { singleLine: true }));
  return h(
    Text,
    { wrap: "truncate", dimColor: !paused, color: paused ? "yellow" : undefined },
    paused
      ? `PAUSED · ↑↓ PgUp PgDn scroll back, End newest, p resume · ${count - offset}/${count}`
      : `following · ${counted(count, "line")}`,
    `  · t timestamps ${o.timestamps ? "on" : "off"} · w wrap ${o.wrap ? "on" : "off"}`,
  );
}

function Logs() {
  const { client, frame, setUi, paused, setPaused, width, height } = useShell();
  const { params, error } = logQuery(frame.ctx, frame.ui.filter);
  const lines = useLogLines(client, params);
  const layout: RowsLayout = {
    timestamps: frame.ui.timestamps !== false,
    wrap: frame.ui.wrap === true,
    showWho: !frame.ctx.container,
    width,
    rows: Math.max(1, height - 1),
    needle: params.q,
  };
  const offset = paused ? Math.min(Number(frame.ui.offset ?? 0), Math.max(0, lines.length - 1)) : 0;
  const scroll = (by: number) => {
    if (!paused) setPaused(true);
    const clamp = (n: number) => Math.max(0, Math.min(lines.length - 1, n));
    // From the newest state (keys faster than a render); scrolling while following starts at the newest line.
    setUi((ui) => ({ offset: clamp((paused ? clamp(Number(ui.offset ?? 0)) : 0) + by) }));
  };
  const { timestamps, wrap } = layout;
  useViewKeys(keyHandler(KEYS, { scroll, page: layout.rows, kept: lines.length, setUi, timestamps, wrap }));
  return h(
    Box,
    { flexDirection: "column", height },
    infoLine(error, paused, offset, lines.length, layout),
    ...screenRows(lines, offset, layout),
  );
}

export const logsView: ViewPlugin = {
  name: "logs",
  description: "live tail of the selection (a container, a host or everything)",
  crumb: (ctx) => `logs ${ctx.containerName ?? ctx.unit ?? (ctx.host ? `@${ctx.host}` : "")}`.trim(),
  keys: KEYS,
  Component: Logs,
};
