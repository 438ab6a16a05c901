// The table every list view uses: columns that fit the width (low-priority ones drop out on a
// narrow terminal, `grow` columns share what is left), selection, scrolling, sorting and the
// `/` filter in the shared field:value syntax.
import { Box, type Key, Text } from "ink";
import React from "react";
import { padCell } from "../../client/format.ts";
import { parseFilterWords } from "../../client/log-filter.ts";
import { renderSafe } from "../../client/render-safe.ts";
import type { FrameUi } from "../frame.ts";
import { findKey, type KeyAction, type KeyDoc } from "../keys.ts";
import { type Shell, useShell, useViewKeys } from "../shell-context.ts";

const h = React.createElement;

export interface Column<T> {
  id: string;
  title: string;
  width: number;
  align?: "left" | "right";
  /** Shift+this letter sorts by the column (pressed again: the other way). */
  sortKey?: string;
  /** Drop order on narrow terminals: columns with a higher number go first; 0 never. */
  drop?: number;
  /** Shares the width left over with the other `grow` columns (at least `width`). */
  grow?: boolean;
  /** A growing column stops here (names): the rest goes to the others (charts). */
  maxWidth?: number;
  /** What sorting and filtering compare. */
  value: (row: T) => string | number;
  /** What is shown, given the column's width; default the value. */
  text?: (row: T, width: number) => string;
  color?: (row: T) => string | undefined;
}

/** The TIME column of the event-like views: month-day and clock, newest first by default. */
export function timeColumn<T extends { time: string }>(): Column<T> {
  return {
    id: "time",
    title: "TIME",
    width: 14,
    sortKey: "T",
    drop: 0,
    value: (r) => r.time,
    text: (r) => r.time.slice(5, 19).replace("T", " "),
  };
}

/** What a table view's key actions act on: the row selected as of the key, and the shell. */
export interface Selected<T> {
  row: T;
  shell: Shell;
}

export interface TableProps<T> {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  defaultSort: { column: string; desc: boolean };
  /** The view's keys; those that run act on the selected row (none selected: the key does nothing). */
  keys?: readonly KeyAction<Selected<T>>[];
  dim?: (row: T) => boolean;
  /**
   * The part of the `/` filter the table applies to its rows (default: all of it). A view whose
   * server filters passes on what the server cannot.
   */
  localFilter?: (filter: string | undefined) => string | undefined;
}

/** The help's line for the sort keys, from the columns that have one (Shift+letter sorts). */
export function sortKeysHelp<T>(columns: Column<T>[]): KeyDoc {
  const sortable = columns.filter((c) => c.sortKey);
  return {
    key: sortable.map((c) => c.sortKey).join(" "),
    help: `sort: ${sortable.map((c) => c.title).join(", ")}`,
  };
}

/** Columns that fit `width`, in their declared order. */
export function fitColumns<T>(columns: Column<T>[], width: number): { col: Column<T>; width: number }[] {
  const kept = [...columns];
  const used = () => kept.reduce((s, c) => s + c.width + 1, 0);
  while (used() > width) {
    const worst = kept.reduce((a, c) => ((c.drop ?? 1) > (a.drop ?? 1) ? c : a), kept[0] as Column<T>);
    if ((worst.drop ?? 1) === 0) break;
    kept.splice(kept.indexOf(worst), 1);
  }
  const widths = new Map(kept.map((c) => [c, c.width]));
  // The spare width in equal shares to the growing columns; a share past a column's cap goes
  // round again to the columns still below theirs.
  let spare = Math.max(0, width - used());
  for (;;) {
    const open = kept.filter((c) => c.grow && (widths.get(c) as number) < (c.maxWidth ?? Infinity));
    if (spare <= 0 || open.length === 0) break;
    const share = Math.max(1, Math.floor(spare / open.length));
    for (const c of open) {
      const now = widths.get(c) as number;
      const add = Math.min(share, spare, (c.maxWidth ?? Infinity) - now);
      widths.set(c, now + add);
      spare -= add;
    }
  }
  return kept.map((col) => ({ col, width: widths.get(col) as number }));
}

/** The columns of a table drawn `width` wide (one column is the selection mark). */
export const tableLayout = <T>(columns: Column<T>[], width: number) => fitColumns(columns, width - 1);

/** What a cell shows: every cell goes through the safe renderer, so no view can forget it. */
const cellText = <T>(c: Column<T>, row: T, width = c.width) =>
  renderSafe(c.text ? c.text(row, width) : String(c.value(row)), { singleLine: true });

/**
 * What a table draws of `rows` as one string, for usePoll's `shownAs`: every column's text (those
 * dropped at this width too, since the `/` filter reads them) and colour, and dimming, row by row
 * in the answer's order. Equal strings draw equal screens, but for rows whose sort column shows
 * the same text while its value moved: their order is a tie on screen either way.
 */
export function tableShown<T>(columns: Column<T>[], width: number, dim?: (row: T) => boolean) {
  const widths = new Map(tableLayout(columns, width).map((c) => [c.col, c.width]));
  // Cell texts have passed renderSafe, so they hold no control character: \x1f cannot be in one.
  return (rows: T[]) =>
    rows
      .map(
        (row) =>
          `${dim?.(row) ? "d" : ""}\x1f${columns.map((c) => `${cellText(c, row, widths.get(c))}\x1f${c.color?.(row) ?? ""}`).join("\x1f")}`,
      )
      .join("\n");
}

/** Keeps rows matching the filter: field words match that column (by id or title), text any column. */
export function filterRows<T>(rows: T[], columns: Column<T>[], filter: string | undefined): T[] {
  if (!filter) return rows;
  const { fields, text } = parseFilterWords(filter);
  const needle = text.toLowerCase();
  const byField = Object.entries(fields).map(([name, value]) => ({
    col: columns.find((c) => c.id.toLowerCase() === name || c.title.toLowerCase() === name),
    name,
    value: value.toLowerCase(),
  }));
  return rows.filter((row) => {
    const joined = columns.map((c) => cellText(c, row).toLowerCase()).join(" ");
    for (const f of byField) {
      // A field no column has is searched as text, as typed.
      const ok = f.col
        ? cellText(f.col, row).toLowerCase().includes(f.value)
        : joined.includes(`${f.name}:${f.value}`);
      if (!ok) return false;
    }
    return joined.includes(needle);
  });
}

function sortRows<T>(rows: T[], col: Column<T> | undefined, desc: boolean): T[] {
  if (!col) return rows;
  const sign = desc ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    return (
      sign * (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y)))
    );
  });
}

interface Arranged<T> {
  rows: T[];
  sortId: string;
  desc: boolean;
  selected: number;
}

/** The rows as a frame's UI state arranges them: filtered, sorted, one selected. */
function arrange<T>(props: TableProps<T>, ui: FrameUi): Arranged<T> {
  const sortId = ui.sortColumn ?? props.defaultSort.column;
  const desc = ui.sortColumn ? Boolean(ui.sortDesc) : props.defaultSort.desc;
  const rows = sortRows(
    filterRows(props.rows, props.columns, props.localFilter ? props.localFilter(ui.filter) : ui.filter),
    props.columns.find((c) => c.id === sortId),
    desc,
  );
  const selected = Math.max(
    rows.findIndex((r) => props.rowKey(r) === ui.selectedKey),
    0,
  );
  return { rows, sortId, desc, selected };
}

/**
 * The table's keys: movement (↑↓ j k PgUp PgDn Home End), sorting (< >, Shift+letter), then the
 * view's own keys on the selected row. Each works from the newest UI state, so keys typed faster
 * than a render each count.
 */
function useTableKeys<T>(props: TableProps<T>, visible: number): void {
  const shell = useShell();
  const { setUi, latestUi } = shell;
  const sortable = props.columns.filter((c) => c.sortKey);
  const move = (by: number | "first" | "last") =>
    setUi((ui) => {
      const now = arrange(props, ui);
      const to = by === "first" ? 0 : by === "last" ? now.rows.length - 1 : now.selected + by;
      const row = now.rows[Math.max(0, Math.min(now.rows.length - 1, to))];
      return row ? { selectedKey: props.rowKey(row) } : {};
    });
  const isNumeric = (col: Column<T>) =>
    props.rows[0] ? typeof col.value(props.rows[0]) === "number" : false;
  // Numbers sort biggest first, text A to Z; the same column again turns it around.
  const sortBy = (col: Column<T>) =>
    setUi((ui) => {
      const now = arrange(props, ui);
      return { sortColumn: col.id, sortDesc: col.id === now.sortId ? !now.desc : isNumeric(col) };
    });
  const cycleSort = (step: number) =>
    setUi((ui) => {
      const i = sortable.findIndex((c) => c.id === arrange(props, ui).sortId);
      const next = sortable[(i + step + sortable.length) % sortable.length];
      return next ? { sortColumn: next.id, sortDesc: isNumeric(next) } : {};
    });
  // The view's keys act on the row selected as of the last key, rendered or not; with no row
  // selected they do nothing (but are still theirs: not a sort letter).
  const onSelected = (input: string, key: Key): boolean => {
    const press = { input, key };
    const action = findKey(props.keys ?? [], press);
    if (!action) return false;
    const now = arrange(props, latestUi());
    const row = now.rows[now.selected];
    if (row) action.run?.({ row, shell }, press);
    return true;
  };

  useViewKeys((input, key) => {
    if (key.upArrow || input === "k") move(-1);
    else if (key.downArrow || input === "j") move(1);
    else if (key.pageUp) move(-visible);
    else if (key.pageDown) move(visible);
    else if (key.home) move("first");
    else if (key.end) move("last");
    else if (input === ">") cycleSort(1);
    else if (input === "<") cycleSort(-1);
    else if (!onSelected(input, key)) {
      const col = sortable.find((c) => c.sortKey === input);
      if (!col) return false;
      sortBy(col);
    }
    return true;
  });
}

/** The header row: titles padded to their widths, the sort column marked ▲ or ▼. */
function headerCells<T>(layout: { col: Column<T>; width: number }[], sortId: string, desc: boolean) {
  return layout.map(({ col, width: w }) => {
    const mark = col.id === sortId ? (desc ? "▼" : "▲") : "";
    const title = padCell(`${col.title}${mark}`, w, col.align);
    return h(Text, { key: col.id, bold: true, underline: col.id === sortId }, ` ${title}`);
  });
}

/** One row: the selection mark (for terminals and captures without reverse video), then its cells. */
function rowLine<T>(
  props: TableProps<T>,
  layout: { col: Column<T>; width: number }[],
  row: T,
  selected: boolean,
) {
  const dim = props.dim?.(row) ?? false;
  // Neighbouring cells of one colour go to ink as one string: ink's work per frame (reconcile,
  // squash, measure, style) grows with its nodes, and most cells of a row have no colour.
  const runs: { color: string | undefined; text: string }[] = [];
  layout.forEach(({ col, width: w }, j) => {
    const color = dim ? undefined : col.color?.(row);
    const text = `${j ? " " : ""}${padCell(cellText(col, row, w), w, col.align)}`;
    const last = runs[runs.length - 1];
    if (last && last.color === color) last.text += text;
    else runs.push({ color, text });
  });
  return h(
    Text,
    { key: props.rowKey(row), inverse: selected, dimColor: dim && !selected, wrap: "truncate" },
    selected ? "›" : " ",
    ...runs.map((r, j) => (r.color ? h(Text, { key: j, color: r.color }, r.text) : r.text)),
  );
}

export function Table<T>(props: TableProps<T>) {
  const { width, height, frame } = useShell();
  const { rows, sortId, desc, selected } = arrange(props, frame.ui);
  const visible = Math.max(1, height - 1);
  const first = Math.min(Math.max(0, selected - visible + 1), Math.max(0, rows.length - visible));
  useTableKeys(props, visible);
  const layout = tableLayout(props.columns, width);
  const lines = rows
    .slice(first, first + visible)
    .map((row, i) => rowLine(props, layout, row, first + i === selected));
  return h(
    Box,
    { flexDirection: "column", height },
    h(Text, { wrap: "truncate" }, ...headerCells(layout, sortId, desc)),
    ...lines,
  );
}
