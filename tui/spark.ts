// Sparkline cells for a table row (the same bars as `fleetscope why`); a gap where no sample was.
import { sparkline } from "../cli/render/why-text.ts";

export function sparkCells(values: (number | null)[], top: number, width: number): string {
  return values
    .slice(-width)
    .map((v) => (v === null ? " " : sparkline([v], top) || "▁"))
    .join("")
    .padStart(width);
}
