import type { LogFilter, LogLine, LogQuery } from "../../protocol/api/logs.ts";
import { minSeverityForPriority } from "../../protocol/severity.ts";
import type { Store } from "../store/store.ts";
import type { Conditions } from "./conditions.ts";
import { type KnownContainer, narrowTo, narrowToKnownContainer } from "./containers.ts";
import { InvalidArgument } from "./errors.ts";
import { scopedConditions } from "./scope.ts";
import { CONTAINER_MATCH, timeWindow, withRfc3339Time } from "./window.ts";

/** Separators of the store's splitByNonAlpha tokenizer that we are sure of: ASCII non-alphanumerics. */
const SEPARATOR = /[ -/:-@[-`{-~]/; // printable ASCII punctuation and space

/**
 * Words of q that must appear as whole tokens in any matching body: those with a separator on
 * both sides inside q. They let the text index skip granules; the substring test stays the truth.
 */
export function wholeTokens(q: string): string[] {
  const out: string[] = [];
  const re = /[A-Za-z0-9]+/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    const before = q[m.index - 1];
    const after = q[m.index + m[0].length];
    if (before && after && SEPARATOR.test(before) && SEPARATOR.test(after)) out.push(m[0].toLowerCase());
  }
  return out.slice(0, 8);
}

/**
 * The words of a search: whitespace separates them, "double quotes" keep a phrase together (an
 * unclosed quote runs to the end). Empty words are dropped.
 */
export function searchTerms(q: string): string[] {
  const terms: string[] = [];
  const re = /"([^"]*)"?|(\S+)/g;
  for (let m = re.exec(q); m; m = re.exec(q)) {
    const term = (m[1] ?? m[2] ?? "").trim();
    if (term) terms.push(term);
  }
  return terms;
}

/** Most hasToken conditions added for one search: enough to skip granules, not a query per word. */
const MAX_TOKENS = 16;

/**
 * Every term of `q` must be in the body (a case-insensitive substring). The whole tokens of each
 * term let the text index skip granules first; the substring test stays the truth.
 */
function addTextSearch(where: Conditions, q: string | undefined): void {
  if (q === undefined) return;
  const terms = searchTerms(q);
  if (terms.length === 0) throw new InvalidArgument(`q: "${q}" has no words to look for`);
  const tokens = new Set<string>();
  terms.forEach((term, i) => {
    where.add(`positionCaseInsensitiveUTF8(body, {q${i}:String}) > 0`, { [`q${i}`]: term });
    for (const t of wholeTokens(term)) tokens.add(t);
  });
  [...tokens].slice(0, MAX_TOKENS).forEach((t, i) => {
    where.add(`hasToken(lower(body), {t${i}:String})`, { [`t${i}`]: t });
  });
}

/** A regex ClickHouse's RE2 cannot compile is the caller's mistake: InvalidArgument with RE2's reason. */
async function checkRegex(store: Store, regex: string): Promise<void> {
  const reason = await re2Problem(store, regex);
  if (reason)
    throw new InvalidArgument(
      `regex: "${regex}" is not an RE2 regular expression: ${reason} (syntax: https://github.com/google/re2/wiki/Syntax)`,
    );
}

/** Why the store's RE2 will not compile `regex`, or undefined when it does (asked of the store itself). */
export async function re2Problem(store: Store, regex: string): Promise<string | undefined> {
  try {
    await store.rows("SELECT match('', {regex:String}) AS ok", { regex });
    return undefined;
  } catch (err) {
    const reason = /cannot compile re2: .*?, error: (.*?)\. Look at/s.exec(String(err))?.[1];
    if (!reason) throw err;
    return reason;
  }
}

/** `known`: the container's hosts and ids when the caller has them from the store already. */
async function logConditions(store: Store, q: LogFilter, known?: KnownContainer): Promise<Conditions> {
  const where = scopedConditions(timeWindow(q.since, q.until))
    .add("time >= {since:DateTime64(9, 'UTC')} AND time <= {until:DateTime64(9, 'UTC')}")
    .when(q.host, "host = {host:String}", { host: q.host })
    .when(q.container, CONTAINER_MATCH, { container: q.container })
    .when(q.stream, "stream = {stream:String}", { stream: q.stream })
    .when(q.unit, "unit = {unit:String}", { unit: q.unit })
    .when(q.priority, "severity_number >= {minSeverity:UInt8}", {
      minSeverity: minSeverityForPriority(q.priority ?? 0),
    })
    .when(q.identifier, "identifier = {identifier:String}", { identifier: q.identifier })
    .when(q.regex, "match(body, {regex:String})", { regex: q.regex });
  addTextSearch(where, q.q);
  if (q.regex) await checkRegex(store, q.regex);
  if (q.container && known) narrowTo(where, known);
  else if (q.container) await narrowToKnownContainer(store, where, q.container, q.host);
  return where;
}

export async function queryLogs(store: Store, q: LogQuery, known?: KnownContainer): Promise<LogLine[]> {
  const where = await logConditions(store, q, known);
  const rows = await store.rows<Omit<LogLine, "time"> & { time_text: string }>(
    `SELECT toString(time) AS time_text, host, source, container_id AS containerId, container_name AS containerName,
            image, stream, unit, identifier, pid, severity_number AS severityNumber,
            severity_text AS severityText, body, attributes, seq
     FROM logs ${where.sql()}
     ORDER BY time DESC, seq DESC LIMIT {limit:UInt32}`,
    { ...where.params, limit: q.limit },
  );
  return rows.map((r) => ({ ...withRfc3339Time(r), seq: Number(r.seq) }));
}

/** How many lines match, without fetching them. */
export async function countLogs(store: Store, q: LogFilter): Promise<number> {
  const where = await logConditions(store, q);
  const [row] = await store.rows<{ n: string }>(`SELECT count() AS n FROM logs ${where.sql()}`, where.params);
  return Number(row?.n ?? 0);
}
