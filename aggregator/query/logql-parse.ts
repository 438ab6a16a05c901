// LogQL → a small typed query, parsed with Grafana's own grammar (@grafana/lezer-logql), so what
// Grafana's editor accepts is what is parsed here. Only the subset fleetscope answers is taken;
// anything else is a LogqlError whose message reads like Loki's ("parse error …").

import { parser } from "@grafana/lezer-logql";
import type { SyntaxNode } from "@lezer/common";

export type MatchOp = "=" | "!=" | "=~" | "!~";
export type FilterOp = "|=" | "!=" | "|~" | "!~";

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface LineFilter {
  op: FilterOp;
  value: string;
}

/** Where `| json` or `| logfmt` put the labels of a line: a label filter after one reads its body. */
export type LineParser = "json" | "logfmt";

/** `| name="value"` after the stream selector: on a stream label, or on one the parser before it extracted. */
export interface LabelFilter extends LabelMatcher {
  parser?: LineParser;
}

/** `{matchers} |= "…" | json | label="…" …`: the lines a log query selects. */
export interface LogSelector {
  matchers: LabelMatcher[];
  filters: LineFilter[];
  labelFilters?: LabelFilter[];
  /** The last `| json` / `| logfmt`: the labels it takes are added to each line's stream. */
  parser?: LineParser;
  /** `| drop __error__`: a line json cannot read is not labelled so (it is still shown). */
  dropsError?: boolean;
}

/** A constant expression (`vector(1)+vector(1)`, Grafana's health check): a vector when any operand is one. */
export interface ConstantQuery {
  kind: "constant";
  value: number;
  vector: boolean;
}

export interface LogsQuery {
  kind: "logs";
  selector: LogSelector;
}

export type RangeFunction = "count_over_time" | "rate" | "bytes_over_time" | "bytes_rate";

/** `sum by (l) (count_over_time({…} |= "…" [5m]))` and the like: a range function, optionally aggregated. */
export interface MetricQuery {
  kind: "metric";
  fn: RangeFunction;
  selector: LogSelector;
  rangeNs: bigint;
  /** sum or count of the streams' series, by these labels (none: into one). */
  aggregate?: { op: "sum" | "count"; by: string[] };
}

export type LogqlQuery = LogsQuery | ConstantQuery | MetricQuery;

/** A query Loki would refuse (or fleetscope does not answer): 400 with Loki's plain-text message. */
export class LogqlError extends Error {}

/** Longest query text taken: a selector people type is far shorter. */
export const MAX_QUERY_LENGTH = 5000;

/** Parses `text`; throws LogqlError for a syntax error or a construct outside the subset. */
export function parseLogql(text: string): LogqlQuery {
  if (text.length > MAX_QUERY_LENGTH)
    throw new LogqlError(`parse error : query is longer than ${MAX_QUERY_LENGTH} characters`);
  if (text.trim() === "") throw new LogqlError("parse error : syntax error: unexpected $end");
  const tree = parser.parse(text);
  failOnSyntaxError(tree.topNode, text);
  const expr = tree.topNode.getChild("Expr");
  if (!expr) throw new LogqlError("parse error : syntax error: unexpected $end");
  return expression(expr, text);
}

function failOnSyntaxError(top: SyntaxNode, text: string): void {
  const cursor = top.cursor();
  do {
    if (cursor.type.isError) {
      const { line, col } = position(text, cursor.from);
      const rest = text.slice(cursor.from).trim();
      const near = rest === "" ? "$end" : JSON.stringify(rest.slice(0, 20));
      throw new LogqlError(`parse error at line ${line}, col ${col}: syntax error: unexpected ${near}`);
    }
  } while (cursor.next());
}

function position(text: string, at: number): { line: number; col: number } {
  const before = text.slice(0, at).split("\n");
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}

const slice = (n: SyntaxNode, text: string) => text.slice(n.from, n.to);

function unsupported(n: SyntaxNode, text: string, what: string): LogqlError {
  const { line, col } = position(text, n.from);
  return new LogqlError(
    `parse error at line ${line}, col ${col}: ${what} is not supported by fleetscope's Loki API (it answers stream selectors, line filters |= != |~ !~, | json and | logfmt with label filters = != =~ !~, count_over_time, rate, bytes_over_time, bytes_rate, sum and count by labels, and vector constants)`,
  );
}

function expression(expr: SyntaxNode, text: string): LogqlQuery {
  const inner = expr.firstChild;
  if (inner?.name === "LogExpr") return { kind: "logs", selector: logExpr(inner, text) };
  if (inner?.name === "MetricExpr") return metric(inner, text);
  throw unsupported(expr, text, `"${slice(expr, text)}"`);
}

function metric(node: SyntaxNode, text: string): MetricQuery | ConstantQuery {
  const inner = node.firstChild;
  if (inner?.name === "RangeAggregationExpr") return rangeAggregation(inner, text);
  if (inner?.name === "VectorAggregationExpr") return vectorAggregation(inner, text);
  return constant(node, text);
}

const RANGE_FUNCTIONS: Record<string, RangeFunction> = {
  CountOverTime: "count_over_time",
  Rate: "rate",
  BytesOverTime: "bytes_over_time",
  BytesRate: "bytes_rate",
};

function rangeAggregation(node: SyntaxNode, text: string): MetricQuery {
  const fn = RANGE_FUNCTIONS[node.getChild("RangeOp")?.firstChild?.name ?? ""];
  const logRange = node.getChild("LogRangeExpr");
  const range = logRange?.getChild("Range")?.getChild("Duration");
  if (!fn || !logRange || !range || logRange.getChild("OffsetExpr") || logRange.getChild("UnwrapExpr"))
    throw unsupported(node, text, `"${slice(node, text)}"`);
  const selector = logExpr(logRange, text);
  return { kind: "metric", fn, selector, rangeNs: durationNs(slice(range, text), range, text) };
}

function vectorAggregation(node: SyntaxNode, text: string): MetricQuery {
  const opName = node.getChild("VectorOp")?.firstChild?.name;
  const inner = node.getChild("MetricExpr")?.firstChild;
  const grouping = node.getChild("Grouping");
  if (
    (opName !== "Sum" && opName !== "Count") ||
    inner?.name !== "RangeAggregationExpr" ||
    grouping?.getChild("Without")
  )
    throw unsupported(node, text, `"${slice(node, text)}"`);
  const by = grouping ? descendants(grouping, "Identifier").map((l) => slice(l, text)) : [];
  return { ...rangeAggregation(inner, text), aggregate: { op: opName === "Sum" ? "sum" : "count", by } };
}

/** Every node named `name` under `node`, in order (lists nest left-recursively in the grammar). */
function descendants(node: SyntaxNode, name: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling)
    out.push(...(c.name === name ? [c] : descendants(c, name)));
  return out;
}

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
  w: 604_800_000_000_000n,
  y: 31_536_000_000_000_000n,
};

/** A Prometheus/Loki duration (5m, 1h30m, 250ms) in nanoseconds. */
export function durationNs(d: string, at?: SyntaxNode, text = ""): bigint {
  const parts = [...d.matchAll(/(\d+)(ns|us|µs|ms|s|m|h|d|w|y)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== d) {
    if (at) throw unsupported(at, text, `the duration "${d}"`);
    throw new LogqlError(`parse error : not a valid duration string: "${d}"`);
  }
  return parts.reduce((sum, p) => sum + BigInt(p[1] as string) * (UNIT_NS[p[2] as string] as bigint), 0n);
}

function logExpr(node: SyntaxNode, text: string): LogSelector {
  const selector = node.getChild("Selector");
  if (!selector) throw unsupported(node, text, "a query without a stream selector");
  const pipeline = node.getChild("PipelineExpr");
  const out: LogSelector = { matchers: matchers(selector, text), filters: [] };
  if (pipeline) walkPipeline(pipeline, text, out, {});
  return out;
}

function matchers(selector: SyntaxNode, text: string): LabelMatcher[] {
  const out = matchersOf(
    selector.getChildren("Matchers").flatMap((ms) => allMatchers(ms)),
    text,
  );
  if (!out.some((m) => !matchesEmpty(m)))
    throw new LogqlError(
      'parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~".*" does not meet this requirement, but app=~".+" will',
    );
  return out;
}

function matchersOf(nodes: SyntaxNode[], text: string): LabelMatcher[] {
  return nodes.map((m) => {
    const label = m.getChild("Identifier");
    const value = m.getChild("String");
    const op = m.getChild("Eq") ?? m.getChild("Neq") ?? m.getChild("Re") ?? m.getChild("Nre");
    if (!label || !value || !op) throw unsupported(m, text, `the matcher "${slice(m, text)}"`);
    return { label: slice(label, text), op: slice(op, text) as MatchOp, value: stringValue(value, text) };
  });
}

/** Matchers nest left-recursively (Matchers → Matchers, Matcher): flatten them in order. */
function allMatchers(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === "Matchers") out.push(...allMatchers(c));
    else if (c.name === "Matcher") out.push(c);
  }
  return out;
}

/** Whether the matcher accepts an absent (empty) label, as Loki judges a selector's worth. */
export function matchesEmpty(m: LabelMatcher): boolean {
  switch (m.op) {
    case "=":
      return m.value === "";
    case "!=":
      return m.value !== "";
    case "=~":
    case "!~": {
      let empty: boolean;
      try {
        empty = new RegExp(`^(?:${m.value})$`).test("");
      } catch {
        empty = false; // RE2 syntax JavaScript lacks: the store judges the regex itself
      }
      return m.op === "=~" ? empty : !empty;
    }
  }
}

/** The pipeline's stages in order; `state.parser` is the parser in effect so far. */
function walkPipeline(
  pipeline: SyntaxNode,
  text: string,
  out: LogSelector,
  state: { parser?: LineParser },
): void {
  for (let c = pipeline.firstChild; c; c = c.nextSibling) {
    if (c.name === "PipelineExpr") walkPipeline(c, text, out, state);
    else if (c.name === "PipelineStage") stage(c, text, out, state);
  }
}

function stage(node: SyntaxNode, text: string, out: LogSelector, state: { parser?: LineParser }): void {
  const parser = node.getChild("LabelParser")?.getChild("Json")
    ? "json"
    : node.getChild("LogfmtParser")
      ? "logfmt"
      : undefined;
  if (parser && !node.getChild("LogfmtParser")?.getChild("LogfmtParserFlags")) {
    state.parser = parser;
    out.parser = parser;
    return;
  }
  const labelFilter = node.getChild("LabelFilter");
  const matcher = labelFilter?.getChild("Matcher");
  // Only a lone matcher: `and`/`or` combinations and number filters are outside the subset.
  if (labelFilter && matcher && matcher.from === labelFilter.from && matcher.to === labelFilter.to) {
    const [m] = matchersOf([matcher], text);
    out.labelFilters = [
      ...(out.labelFilters ?? []),
      { ...(m as LabelMatcher), ...(state.parser ? { parser: state.parser } : {}) },
    ];
    return;
  }
  const drop = node.getChild("DropLabelsExpr");
  if (drop && dropsOnlyUnset(drop, text)) {
    out.dropsError = true;
    return;
  }
  out.filters.push(...stageFilters(node, text));
}

/** Labels only a parser's error makes (Grafana's volume query drops them): dropping them drops nothing else. */
const NEVER_SET = new Set(["__error__", "__error_details__"]);

function stageFilters(stage: SyntaxNode, text: string): LineFilter[] {
  const filters = stage.getChild("LineFilters");
  if (!filters || stage.firstChild?.name === "Pipe")
    throw unsupported(stage, text, `the stage "${slice(stage, text)}"`);
  return allLineFilters(filters).map((f) => lineFilter(f, text));
}

function dropsOnlyUnset(drop: SyntaxNode, text: string): boolean {
  const labels: string[] = [];
  const cursor = drop.cursor();
  do if (cursor.name === "DropLabel") labels.push(text.slice(cursor.from, cursor.to));
  while (cursor.next() && cursor.from < drop.to);
  return labels.length > 0 && labels.every((l) => NEVER_SET.has(l));
}

function allLineFilters(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) {
    if (c.name === "LineFilters") out.push(...allLineFilters(c));
    else if (c.name === "LineFilter") out.push(c);
  }
  return out;
}

const FILTER_OPS: Record<string, FilterOp> = { PipeExact: "|=", Neq: "!=", PipeMatch: "|~", Nre: "!~" };

function lineFilter(f: SyntaxNode, text: string): LineFilter {
  const opNode = f.getChild("Filter")?.firstChild;
  const op = opNode ? FILTER_OPS[opNode.name] : undefined;
  const strings = f.getChildren("String");
  if (!op || strings.length !== 1 || f.getChild("OrFilter") || f.getChild("FilterOp"))
    throw unsupported(f, text, `the line filter "${slice(f, text)}"`);
  return { op, value: stringValue(strings[0] as SyntaxNode, text) };
}

/** A LogQL string: "…" with Go escapes, or `…` raw. */
function stringValue(node: SyntaxNode, text: string): string {
  const raw = slice(node, text);
  if (raw.startsWith("`")) return raw.slice(1, -1);
  try {
    return JSON.parse(
      raw.replace(/\\([abfv'])/g, (_, c: string) => `\\u${GO_ESCAPES[c] ?? "0000"}`),
    ) as string;
  } catch {
    const { line, col } = position(text, node.from);
    throw new LogqlError(`parse error at line ${line}, col ${col}: invalid string ${raw}`);
  }
}

const GO_ESCAPES: Record<string, string> = { a: "0007", b: "0008", f: "000c", v: "000b", "'": "0027" };

type Constant = { value: number; vector: boolean };

/** vector(n), numbers, + - * / and parentheses: enough for Grafana's health check. */
function constant(metric: SyntaxNode, text: string): ConstantQuery {
  return { kind: "constant", ...constantOf(metric, text) };
}

function constantOf(n: SyntaxNode, text: string): Constant {
  const only = n.firstChild;
  switch (n.name) {
    case "Expr":
    case "MetricExpr":
      if (only && !only.nextSibling) return constantOf(only, text);
      if (only?.name === "Expr") return constantOf(only, text); // ( Expr )
      break;
    case "VectorExpr":
      return { value: numberOf(n.getChild("Number"), n, text), vector: true };
    case "LiteralExpr":
      return { value: literal(n, text), vector: false };
    case "BinOpExpr":
      return binOp(n, text);
  }
  throw unsupported(n, text, `"${slice(n, text)}"`);
}

function literal(n: SyntaxNode, text: string): number {
  const sign = n.getChild("Sub") ? -1 : 1;
  return sign * numberOf(n.getChild("Number"), n, text);
}

function numberOf(num: SyntaxNode | null, at: SyntaxNode, text: string): number {
  const value = num ? Number(slice(num, text)) : Number.NaN;
  if (Number.isNaN(value)) throw unsupported(at, text, `"${slice(at, text)}"`);
  return value;
}

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};

function binOp(n: SyntaxNode, text: string): Constant {
  const [left, right] = n.getChildren("Expr");
  const opName = ["Add", "Sub", "Mul", "Div"].find((o) => n.getChild(o));
  const modifier = n.getChild("BinOpModifier");
  if (!left || !right || !opName || (modifier && modifier.from !== modifier.to))
    throw unsupported(n, text, `"${slice(n, text)}"`);
  const a = constantOf(left, text);
  const b = constantOf(right, text);
  return {
    value: (ARITHMETIC[opName] as (a: number, b: number) => number)(a.value, b.value),
    vector: a.vector || b.vector,
  };
}
