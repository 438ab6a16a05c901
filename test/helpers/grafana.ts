// What Grafana sends to Prometheus for a dashboard: every panel target's PromQL and every query
// variable's label_values(), with template variables replaced the way Grafana replaces them. Reads
// both layouts: panels (schemaVersion ≥ 16, rows as nested panels) and the older rows[].panels.
import type { Dashboard } from "../../dashboards/grafana/common.ts";

export interface PanelQuery {
  panel: string;
  expr: string;
}

export interface LabelValuesQuery {
  variable: string;
  metric: string;
  label: string;
}

interface RawPanel {
  title?: string;
  type?: string;
  targets?: { expr?: string; hide?: boolean }[];
  panels?: RawPanel[];
}

/**
 * Every target of every panel (rows' nested panels included) that Grafana runs: a target marked
 * `hide` is never sent, so it cannot show "No data".
 */
export function panelQueries(d: Dashboard): PanelQuery[] {
  const walk = (panels: RawPanel[]): PanelQuery[] =>
    panels.flatMap((p) => [
      ...(p.targets ?? [])
        .filter((t) => t.hide !== true)
        .map((t) => ({ panel: p.title ?? "", expr: t.expr ?? "" })),
      ...walk(p.panels ?? []),
    ]);
  const rows = ((d as { rows?: { panels?: RawPanel[] }[] }).rows ?? []).flatMap((r) => r.panels ?? []);
  return walk([...((d.panels ?? []) as RawPanel[]), ...rows]);
}

/**
 * The label_values(metric, label) query of every query variable; label_values(label) asks for the
 * label on any series (`{label!=""}`, what Prometheus answers without a match). Anything else is an error.
 */
export function variableQueries(d: Dashboard): LabelValuesQuery[] {
  return (d.templating?.list ?? [])
    .filter((v) => v.type === "query")
    .map((v) => {
      const q = v.query as string | { query?: string };
      const text = typeof q === "string" ? q : (q.query ?? "");
      const m = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(text);
      if (!m) throw new Error(`variable ${v.name}: not a label_values() query: ${text}`);
      const label = m[2] as string;
      return { variable: v.name, metric: m[1] ?? `{${label}!=""}`, label };
    });
}

/**
 * Grafana's interpolation: `$host`/`$container` become the regex of the selection (`allValue` for
 * All — the dashboard's, `.+` in ours — `a|b` for several, regex-escaped), the built-in intervals their usual values on a 15 s
 * scrape (`$__rate_interval` is max(4 × scrape, interval + scrape) = 1m), and `plain` variables
 * (an interval variable's value) their text as is.
 */
export function interpolate(
  expr: string,
  selection: Record<string, string[] | "All">,
  rangeSeconds: number,
  allValue = ".+",
  plain: Record<string, string> = {},
): string {
  const regexEscape = (v: string) => v.replace(/[\\^$*+?.()|[\]{}]/g, "\\\\$&");
  let out = expr
    .replaceAll("$__rate_interval", "1m")
    .replaceAll("$__interval", "15s")
    .replaceAll("$__range", `${rangeSeconds}s`);
  for (const [name, value] of Object.entries(plain)) out = out.replaceAll(`$${name}`, value);
  for (const [name, sel] of Object.entries(selection))
    out = out.replaceAll(`$${name}`, sel === "All" ? allValue : sel.map(regexEscape).join("|"));
  return out;
}
