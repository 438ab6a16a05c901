// A text chart several rows high: each column one value, eight steps per row of block
// characters, scaled to `top` (the limit when there is one), with a `limit` line when asked.

const STEPS = " ▁▂▃▄▅▆▇█";

export function chartRows(values: number[], top: number, width: number, rows: number): string[] {
  // Squeeze or stretch the series to the width: each column takes the peak of its share.
  const cols: number[] = [];
  if (values.length > 0) {
    const n = Math.min(width, values.length);
    for (let c = 0; c < n; c++) {
      const from = Math.floor((c * values.length) / n);
      const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / n));
      cols.push(Math.max(...values.slice(from, to)));
    }
  }
  const out: string[] = [];
  for (let r = rows - 1; r >= 0; r--) {
    out.push(
      cols
        .map((v) => {
          const eighths = top > 0 ? Math.round((Math.min(v, top) / top) * rows * 8) : 0;
          const here = Math.max(0, Math.min(8, eighths - r * 8));
          return STEPS[here] ?? " ";
        })
        .join(""),
    );
  }
  return out;
}
