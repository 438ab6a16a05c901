// Sparklines: one block character per value, scaled to a top (the limit when there is one). Used
// by `fleetscope why` and by the TUI's history columns.

const BARS = "▁▂▃▄▅▆▇█";

/** One character per value, scaled to `top` (the limit when there is one). */
export function sparkline(values: number[], top: number): string {
  if (top <= 0) return "";
  return values
    .map((v) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.floor((v / top) * BARS.length)))])
    .join("");
}

/** Sparkline cells for a table row, right-aligned in `width`; a gap where no sample was. */
export function sparkCells(values: (number | null)[], top: number, width: number): string {
  return values
    .slice(-width)
    .map((v) => (v === null ? " " : sparkline([v], top) || "▁"))
    .join("")
    .padStart(width);
}
