// What the Loki-compatible API reads: a parsed LogQL selector (logql-parse.ts) becomes the same kind
// of WHERE the log queries use (values as query parameters only, the reader's scope first).
import type { LokiStream } from "../../protocol/api/loki.ts";
import type { Store } from "../store/store.ts";
import type { Conditions } from "./conditions.ts";
import { findKnownContainer, narrowTo } from "./containers.ts";
import { annotationKind, annotationStreams } from "./logql-annotations.ts";
import { extractedLabels } from "./logql-extract.ts";
import {
  type LabelFilter,
  type LabelMatcher,
  type LineFilter,
  LogqlError,
  type LogSelector,
  type MetricQuery,
  matchesEmpty,
} from "./logql-parse.ts";
import { re2Problem, wholeTokens } from "./logs.ts";
import { scopedConditions } from "./scope.ts";
import { toChTime } from "./window.ts";

/** Loki label names people type → the logs table's columns. `severity` is another name for `level`. */
export const LABEL_COLUMNS: Record<string, string> = {
  host: "host",
  container: "container_name",
  image: "image",
  stream: "stream",
  unit: "unit",
  level: "severity_text",
  severity: "severity_text",
  source: "source",
  identifier: "identifier",
  log_set: "log_set",
};

/** The labels each stream carries (severity is not repeated: it is `level`). */
export const STREAM_LABELS = Object.keys(LABEL_COLUMNS).filter((l) => l !== "severity");

/** Longest regex taken, as /api/v1/logs bounds its regex. */
const MAX_REGEX_LENGTH = 500;

export interface Window {
  startNs: bigint;
  endNs: bigint;
}

/** The reader's scope, the window and the selector as conditions over `logs`. */
export async function selectorConditions(store: Store, sel: LogSelector, w: Window): Promise<Conditions> {
  const where = scopedConditions({ since: toChTime(w.startNs), until: toChTime(w.endNs) }).add(
    "time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}",
  );
  for (const [i, m] of sel.matchers.entries()) addMatcher(where, m, i);
  for (const [i, f] of sel.filters.entries()) addLineFilter(where, f, i);
  for (const [i, f] of (sel.labelFilters ?? []).entries()) addLabelFilter(where, f, i);
  await checkRegexes(store, sel);
  await narrowToContainer(store, where, sel);
  return where;
}

/**
 * `container="name"` also as the container's hosts and ids where the store knows them, so the
 * read uses the logs' (host, container_id, time) sort key instead of scanning every host's rows
 * for the name (as /api/v1/logs?container= does); the name condition stays, so the lines are the same.
 */
async function narrowToContainer(store: Store, where: Conditions, sel: LogSelector): Promise<void> {
  const named = sel.matchers.find((m) => m.label === "container" && m.op === "=" && m.value !== "");
  const known = named && (await findKnownContainer(store, named.value));
  if (known) narrowTo(where, known);
}

function addMatcher(where: Conditions, m: LabelMatcher, i: number): void {
  const column = LABEL_COLUMNS[m.label];
  // A label fleetscope does not have is empty on every line, as an absent label is in Loki.
  if (!column) {
    if (!matchesEmpty(m)) where.add("0");
    return;
  }
  addMatch(where, column, m, `m${i}`);
}

/** `expr` (fixed SQL) compared to the matcher's value, passed as parameter `p`. */
export function addMatch(
  where: Conditions,
  expr: string,
  m: LabelMatcher,
  p: string,
  params: Record<string, string> = {},
): void {
  const value = m.op === "=~" || m.op === "!~" ? anchored(m.value) : m.value;
  const clause = {
    "=": `${expr} = {${p}:String}`,
    "!=": `${expr} != {${p}:String}`,
    "=~": `match(${expr}, {${p}:String})`,
    "!~": `NOT match(${expr}, {${p}:String})`,
  }[m.op];
  where.add(clause, { ...params, [p]: value });
}

/**
 * A label filter after the selector: a stream label by its column (Loki renames an extracted key
 * that clashes with one to `<key>_extracted`), else the value the parser before it takes from the
 * body (json: a top-level key, its text or its raw JSON; logfmt: key=value or key="value").
 */
function addLabelFilter(where: Conditions, f: LabelFilter, i: number): void {
  const column = LABEL_COLUMNS[f.label];
  if (column) {
    addMatch(where, column, f, `lf${i}`);
    return;
  }
  if (!f.parser) {
    if (!matchesEmpty(f)) where.add("0");
    return;
  }
  const key = `lk${i}`;
  // `| json | __error__=""` (how Grafana users drop what is not JSON): the line's parse error, as
  // logql-extract.ts labels it.
  if (f.parser === "json" && f.label === "__error__") {
    addMatch(where, "if(isValidJSON(body) AND JSONType(body) = 'Object', '', 'JSONParserErr')", f, `lf${i}`);
    return;
  }
  if (f.parser === "json") {
    const expr = `if(JSONType(body, {${key}:String}) = 'String', JSONExtractString(body, {${key}:String}), JSONExtractRaw(body, {${key}:String}))`;
    addMatch(where, expr, f, `lf${i}`, { [key]: f.label });
    return;
  }
  const escaped = f.label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const quoted = `(?:^|\\s)${escaped}="((?:[^"\\\\]|\\\\.)*)"`;
  const plain = `(?:^|\\s)${escaped}=([^\\s"]*)`;
  const expr = `if(match(body, {${key}q:String}), extract(body, {${key}q:String}), extract(body, {${key}p:String}))`;
  addMatch(where, expr, f, `lf${i}`, { [`${key}q`]: quoted, [`${key}p`]: plain });
}

/** Loki's label regexes match the whole value; RE2's match() finds one anywhere. */
const anchored = (re: string) => `^(?:${re})$`;

function addLineFilter(where: Conditions, f: LineFilter, i: number): void {
  const p = `f${i}`;
  const clause = {
    "|=": `position(body, {${p}:String}) > 0`,
    "!=": `position(body, {${p}:String}) = 0`,
    "|~": `match(body, {${p}:String})`,
    "!~": `NOT match(body, {${p}:String})`,
  }[f.op];
  where.add(clause, { [p]: f.value });
  // The whole words of a |= let the text index skip granules first, as /api/v1/logs's search does;
  // the substring test above stays the truth.
  if (f.op === "|=")
    for (const [k, t] of wholeTokens(f.value).entries())
      where.add(`hasToken(lower(body), {${p}t${k}:String})`, { [`${p}t${k}`]: t });
}

/** Every regex bounded in length and compiled by the store's RE2 first, as /api/v1/logs does. */
async function checkRegexes(store: Store, sel: LogSelector): Promise<void> {
  await checkRegexList(store, [
    ...anchoredRegexes(sel.matchers),
    ...sel.filters.filter((f) => f.op === "|~" || f.op === "!~").map((f) => f.value),
    ...anchoredRegexes(sel.labelFilters ?? []),
  ]);
}

/** The regexes of label matchers, anchored as Loki matches a label's whole value. */
export const anchoredRegexes = (matchers: LabelMatcher[]) =>
  matchers.filter((m) => m.op === "=~" || m.op === "!~").map((m) => anchored(m.value));

/** Each regex bounded in length and compiled by the store's RE2 first. */
export async function checkRegexList(store: Store, regexes: string[]): Promise<void> {
  for (const regex of regexes) {
    if (regex.length > MAX_REGEX_LENGTH)
      throw new LogqlError(
        `parse error : a regular expression is longer than ${MAX_REGEX_LENGTH} characters`,
      );
    const reason = await re2Problem(store, regex);
    if (reason)
      throw new LogqlError(`parse error : invalid regular expression ${JSON.stringify(regex)}: ${reason}`);
  }
}

/** The stream label columns, each `column AS label`. */
export const LABEL_SELECT = STREAM_LABELS.map((l) => `${LABEL_COLUMNS[l]} AS ${l}`).join(", ");

type LineRow = Record<string, string> & { ns: string; body: string };

/** Lines of the selector, newest first (backward) or oldest first (forward), grouped into streams. */
export async function queryStreams(
  store: Store,
  sel: LogSelector,
  w: Window,
  limit: number,
  direction: "backward" | "forward",
): Promise<LokiStream[]> {
  const annotations = annotationKind(sel);
  if (annotations) return annotationStreams(store, annotations, sel, w, limit, direction);
  const where = await selectorConditions(store, sel, w);
  const order = direction === "backward" ? "DESC" : "ASC";
  const rows = await store.rows<LineRow>(
    `SELECT toString(toUnixTimestamp64Nano(time)) AS ns, body, ${LABEL_SELECT}
     FROM logs ${where.sql()} ORDER BY time ${order}, seq ${order} LIMIT {limit:UInt32}`,
    { ...where.params, limit },
  );
  return streamsOf(rows.map((row) => ({ ns: row.ns, body: row.body, labels: lineLabels(row, sel) })));
}

/** A line's stream labels, and those its query's `| json` / `| logfmt` takes from it. */
export function lineLabels(
  row: Record<string, string> & { body: string },
  sel: LogSelector,
): Record<string, string> {
  const stream = streamLabels(row);
  if (!sel.parser) return stream;
  const labels = { ...stream, ...extractedLabels(row.body, sel.parser, stream) };
  if (sel.dropsError) delete labels.__error__;
  return labels;
}

/** Lines (in their order) grouped into one stream per label set. */
export function streamsOf(
  rows: { ns: string; body: string; labels: Record<string, string> }[],
): LokiStream[] {
  const streams = new Map<string, LokiStream>();
  for (const row of rows) {
    const labels = row.labels;
    const key = JSON.stringify(labels);
    const s = streams.get(key) ?? { stream: labels, values: [] };
    streams.set(key, s);
    s.values.push([row.ns, row.body]);
  }
  return [...streams.values()];
}

/** The non-empty labels of a row: Loki has no empty label. */
export function streamLabels(row: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of STREAM_LABELS) if (row[l]) out[l] = row[l];
  return out;
}

/** Label names with a value on some line of the window (and of the selector, when given). */
export async function labelNames(store: Store, w: Window, sel?: LogSelector): Promise<string[]> {
  const where = sel ? await selectorConditions(store, sel, w) : await selectorConditions(store, EVERY, w);
  // Aliased apart from the columns: `max(host != '') AS host` would shadow the scope's `host IN …`.
  const has = STREAM_LABELS.map((l) => `max(${LABEL_COLUMNS[l]} != '') AS has_${l}`).join(", ");
  const [row] = await store.rows<Record<string, number | string>>(
    `SELECT ${has} FROM logs ${where.sql()}`,
    where.params,
  );
  return STREAM_LABELS.filter((l) => Number(row?.[`has_${l}`] ?? 0) > 0).sort();
}

const EVERY: LogSelector = { matchers: [], filters: [] };

/** Most values answered for one label: a label browser shows a list, not a table dump. */
const MAX_VALUES = 1000;

/** The values of one label in the window (and of the selector, when given); unknown labels have none. */
export async function labelValues(
  store: Store,
  label: string,
  w: Window,
  sel?: LogSelector,
): Promise<string[]> {
  const column = LABEL_COLUMNS[label];
  if (!column) return [];
  const where = await selectorConditions(store, sel ?? EVERY, w);
  where.add(`${column} != ''`);
  const rows = await store.rows<{ v: string }>(
    `SELECT DISTINCT ${column} AS v FROM logs ${where.sql()} ORDER BY v LIMIT {maxValues:UInt32}`,
    { ...where.params, maxValues: MAX_VALUES },
  );
  return rows.map((r) => r.v);
}

/** Most label sets answered by /series. */
const MAX_SERIES = 1000;

/** The label sets of the lines each selector matches in the window, each once. */
export async function series(
  store: Store,
  selectors: LogSelector[],
  w: Window,
): Promise<Record<string, string>[]> {
  const seen = new Map<string, Record<string, string>>();
  for (const sel of selectors) {
    const where = await selectorConditions(store, sel, w);
    const rows = await store.rows<Record<string, string>>(
      `SELECT DISTINCT ${LABEL_SELECT} FROM logs ${where.sql()} LIMIT {maxSeries:UInt32}`,
      { ...where.params, maxSeries: MAX_SERIES },
    );
    for (const r of rows) {
      const labels = streamLabels(r);
      seen.set(JSON.stringify(labels), labels);
    }
  }
  return [...seen.values()].slice(0, MAX_SERIES);
}

/** One series of a metric query: its labels and [seconds, value] at each step with lines. */
export interface MetricSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** Evaluation instants: start, start+step, … up to end (an instant query: start = end). */
export interface Steps {
  startNs: bigint;
  endNs: bigint;
  stepNs: bigint;
}

type StepRow = Record<string, string> & { k: string; n: string; bytes: string };

/**
 * A range function of a selector at every step: each line counts at the steps t with
 * t - range < line time <= t (Loki's window), so the store does the counting in one query.
 */
export async function queryMetric(store: Store, q: MetricQuery, steps: Steps): Promise<MetricSeries[]> {
  const count = (steps.endNs - steps.startNs) / steps.stepNs + 1n;
  const w = { startNs: steps.startNs - q.rangeNs + 1n, endNs: steps.endNs };
  const where = await selectorConditions(store, q.selector, w);
  const rows = await store.rows<StepRow>(
    `SELECT ${LABEL_SELECT}, k, count() AS n, sum(length(body)) AS bytes
     FROM (SELECT *, toUnixTimestamp64Nano(time) AS x FROM logs ${where.sql()})
     ARRAY JOIN range(
       toUInt64(if(x <= {s0:Int64}, 0, intDiv(x - {s0:Int64} + {step:Int64} - 1, {step:Int64}))),
       toUInt64(least({count:Int64} - 1, intDiv(x + {range:Int64} - 1 - {s0:Int64}, {step:Int64})) + 1)
     ) AS k
     GROUP BY ${STREAM_LABELS.join(", ")}, k ORDER BY k`,
    {
      ...where.params,
      s0: `${steps.startNs}`,
      step: `${steps.stepNs}`,
      count: `${count}`,
      range: `${q.rangeNs}`,
    },
  );
  return aggregate(q, rows, steps);
}

/** Per stream, or summed / counted by the grouping labels, as Loki's sum by / count by do. */
function aggregate(q: MetricQuery, rows: StepRow[], steps: Steps): MetricSeries[] {
  const rangeSeconds = Number(q.rangeNs) / 1e9;
  const perLine = {
    count_over_time: 1,
    rate: 1 / rangeSeconds,
    bytes_over_time: 1,
    bytes_rate: 1 / rangeSeconds,
  };
  const series = new Map<string, { metric: Record<string, string>; at: Map<number, number> }>();
  for (const row of rows) {
    const labels = streamLabels(row);
    const metric = q.aggregate ? pick(labels, q.aggregate.by) : labels;
    const key = JSON.stringify(metric);
    const s = series.get(key) ?? { metric, at: new Map<number, number>() };
    series.set(key, s);
    const measure = q.fn.startsWith("bytes") ? Number(row.bytes) : Number(row.n);
    const value = q.aggregate?.op === "count" ? 1 : measure * perLine[q.fn];
    const k = Number(row.k);
    s.at.set(k, (s.at.get(k) ?? 0) + value);
  }
  return [...series.values()].map(({ metric, at }) => ({
    metric,
    values: [...at.entries()]
      .sort(([a], [b]) => a - b)
      .map(([k, v]) => [seconds(steps.startNs + BigInt(k) * steps.stepNs), String(v)] as [number, string]),
  }));
}

/** Seconds to the millisecond, as Loki writes sample times (1568404331.324). */
export const seconds = (ns: bigint) => Number(ns / 1_000_000n) / 1000;

function pick(labels: Record<string, string>, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (labels[n]) out[n] = labels[n];
  return out;
}
