// Live tail of a container, a host or the whole fleet: severity colours, the `/` filter in
// `fleetscope logs` syntax with its text highlighted, pause and scroll back, timestamps and wrap.
import { Box, Text } from "ink";
import React, { useMemo } from "react";
import { type LogParams, logFilterToParams } from "../../cli/log-filter.ts";
import { renderSafe } from "../../collector/logs/sanitize.ts";
import { counted } from "../../protocol/time.ts";
import type { LogLine } from "../api-types.ts";
import { clock, padCell } from "../format.ts";
import { LogTail } from "../log-tail.ts";
import { useShell, useViewKeys } from "../shell-context.ts";
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

function Logs() {
  const { client, frame, setUi, paused, setPaused, width, height } = useShell();
  const { host, container, unit } = frame.ctx;
  const timestamps = frame.ui.timestamps !== false;
  const wrap = frame.ui.wrap === true;
  let params: LogParams = { host, container, unit };
  let filterError: string | undefined;
  try {
    params = { ...params, ...logFilterToParams(frame.ui.filter ?? "") };
  } catch (err) {
    filterError = (err as Error).message;
  }
  const key = JSON.stringify(params);
  // A new tail (and buffer) whenever what is asked for changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` stands for `params`
  const tail = useMemo(
    () => ({ tail: new LogTail(client, params, { since: "1h", limit: 500 }), lines: [] as LogLine[] }),
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
  const lines = data?.lines ?? [];
  const rowsAvailable = Math.max(1, height - 1);
  const offset = paused ? Math.min(Number(frame.ui.offset ?? 0), Math.max(0, lines.length - 1)) : 0;
  const scroll = (by: number) => {
    if (!paused) setPaused(true);
    const clamp = (n: number) => Math.max(0, Math.min(lines.length - 1, n));
    // From the newest state (keys faster than a render); scrolling while following starts at the newest line.
    setUi((ui) => ({ offset: clamp((paused ? clamp(Number(ui.offset ?? 0)) : 0) + by) }));
  };
  useViewKeys((input, k) => {
    if (k.upArrow) scroll(1);
    else if (k.downArrow) scroll(-1);
    else if (k.pageUp) scroll(rowsAvailable);
    else if (k.pageDown) scroll(-rowsAvailable);
    else if (k.home) scroll(lines.length);
    else if (k.end) setUi({ offset: 0 });
    else if (input === "t") setUi({ timestamps: !timestamps });
    else if (input === "w") setUi({ wrap: !wrap });
    else return false;
    return true;
  });

  const showWho = !container;
  const prefixWidth = (timestamps ? 13 : 0) + (showWho ? 21 : 0) + 7;
  const bodyWidth = Math.max(10, width - prefixWidth);
  const rows: React.ReactNode[] = [];
  for (let i = lines.length - 1 - offset; i >= 0 && rows.length < rowsAvailable; i--) {
    const l = lines[i] as LogLine;
    const who = l.containerName || l.unit || l.identifier || l.source;
    const prefix = [
      timestamps ? h(Text, { key: "t", dimColor: true }, `${clock(l.time, true)} `) : null,
      showWho ? h(Text, { key: "w", color: "blue" }, `${padCell(`${l.host}/${who}`, 20)} `) : null,
      h(Text, { key: "s", color: l.stream === "stderr" ? "red" : "gray" }, `${padCell(l.stream || "-", 6)} `),
    ];
    const pieces = wrap ? chunks(renderSafe(l.body), bodyWidth) : [renderSafe(l.body)];
    const rendered = pieces.map((piece, p) =>
      h(
        Text,
        { key: `${i}-${p}`, wrap: "truncate", color: severityColor(l) },
        ...(p === 0 ? prefix : [" ".repeat(prefixWidth)]),
        ...splitMatches(piece, params.q).map((part, j) =>
          j % 2 ? h(Text, { key: j, backgroundColor: "yellow", color: "black" }, part) : part,
        ),
      ),
    );
    rows.unshift(...rendered.slice(Math.max(0, rendered.length - (rowsAvailable - rows.length))));
  }
  const info = filterError
    ? h(Text, { color: "red", wrap: "truncate" }, filterError)
    : h(
        Text,
        { wrap: "truncate", dimColor: !paused, color: paused ? "yellow" : undefined },
        paused
          ? `PAUSED · ↑↓ PgUp PgDn scroll back, End newest, p resume · ${lines.length - offset}/${lines.length}`
          : `following · ${counted(lines.length, "line")}`,
        `  · t timestamps ${timestamps ? "on" : "off"} · w wrap ${wrap ? "on" : "off"}`,
      );
  return h(Box, { flexDirection: "column", height }, info, ...rows);
}

export const logsView: ViewPlugin = {
  id: "logs",
  name: "logs",
  description: "live tail of the selection (a container, a host or everything)",
  crumb: (ctx) => `logs ${ctx.containerName ?? ctx.unit ?? (ctx.host ? `@${ctx.host}` : "")}`.trim(),
  keys: [
    ["/", "filter: host:web-1 container:api stream:stderr level:error unit:… and text (highlighted)"],
    ["p", "pause (and scroll back)"],
    ["↑ ↓ PgUp PgDn Home End", "scroll back (pauses); End: newest"],
    ["t", "timestamps on/off"],
    ["w", "wrap long lines on/off"],
  ],
  footer: [
    ["t", "time"],
    ["w", "wrap"],
  ],
  Component: Logs,
};
