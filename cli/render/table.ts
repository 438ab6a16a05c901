// Plain aligned columns, as `docker ps` prints them: each as wide as its widest cell, three
// spaces apart, numbers right-aligned. Cells are made terminal-safe before they are measured.
import { renderSafe } from "../../client/render-safe.ts";

export interface TextColumn<T> {
  title: string;
  cell: (row: T) => string;
  align?: "left" | "right";
}

const width = (s: string) => [...s].length;

export function renderTable<T>(columns: TextColumn<T>[], rows: T[]): string {
  const cells = rows.map((r) => columns.map((c) => renderSafe(c.cell(r), { singleLine: true })));
  const widths = columns.map((c, i) => Math.max(width(c.title), ...cells.map((row) => width(row[i] ?? ""))));
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - width(v));
        if (columns[i]?.align === "right") return pad + v;
        return i === values.length - 1 ? v : v + pad;
      })
      .join("   ");
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join("\n");
}
