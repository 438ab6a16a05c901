// The filter syntax shared by `fleetscope logs` and the TUI's `/` box: words, where
// `field:value` words pick a field and the rest is free text, e.g.
//   host:web-1 container:api stream:stderr level:error connection refused
// A value with spaces can be quoted: container:"my app" "connection refused".

import type { LogFilter } from "../protocol/api/logs.ts";
import { editDistance } from "../protocol/edit-distance.ts";

export interface FilterWords {
  /** field → value, the last one winning; field names are lower-cased. */
  fields: Record<string, string>;
  /** The free-text words, joined by single spaces (quotes dropped: the TUI's tables match it as one string). */
  text: string;
}

/** One word of a filter: `field:value`, `field:"a value"`, `word` or `"a phrase"`. */
interface Token {
  field?: string;
  value: string;
  quoted: boolean;
}

function* tokens(input: string): Generator<Token> {
  const re = /(?:([A-Za-z][\w.-]*):)?(?:"([^"]*)"?|(\S+))/g;
  for (let m = re.exec(input); m; m = re.exec(input))
    yield { field: m[1], value: m[2] ?? m[3] ?? "", quoted: m[2] !== undefined };
}

/** Splits a filter into field words and free text; `known` fields only (others stay text). */
export function parseFilterWords(input: string, known?: readonly string[]): FilterWords {
  const fields: Record<string, string> = {};
  const text: string[] = [];
  for (const { field, value } of tokens(input)) {
    const name = field?.toLowerCase();
    if (name && (!known || known.includes(name)) && value !== "") fields[name] = value;
    else if (field) text.push(`${field}:${value}`);
    else if (value !== "") text.push(value);
  }
  return { fields, text: text.join(" ") };
}

/**
 * Command-line words → one filter. The shell has already removed the quotes a person typed, so
 * an argument with spaces in it was one phrase (or one field's value): it is quoted again.
 */
export function filterFromArgv(words: readonly string[]): string {
  return words
    .map((w) => {
      if (!/\s/.test(w) || w.includes('"')) return w;
      const field = /^([A-Za-z][\w.-]*):(.*)$/s.exec(w);
      return field && LOG_FILTER_FIELDS.includes(field[1]?.toLowerCase() as LogFilterField)
        ? `${field[1]}:"${field[2]}"`
        : `"${w}"`;
    })
    .join(" ");
}

/** Syslog priorities by name (journalctl -p): this one and more severe. */
const PRIORITIES: Record<string, number> = {
  emerg: 0,
  emergency: 0,
  alert: 1,
  crit: 2,
  critical: 2,
  err: 3,
  error: 3,
  warn: 4,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

export const LOG_FILTER_FIELDS = [
  "host",
  "container",
  "stream",
  "unit",
  "level",
  "identifier",
  "regex",
] as const;
type LogFilterField = (typeof LOG_FILTER_FIELDS)[number];

/** Query parameters of GET /api/v1/logs (and /logs/count) that filter words give. */
export type LogParams = Omit<LogFilter, "since">;

/**
 * The known field a `name:` word was probably meant to be, if any. Short words are within two
 * edits of almost anything (`os:` of `host:`), so up to four letters only one edit counts.
 */
function misspeltField(name: string): LogFilterField | undefined {
  const allowed = name.length <= 4 ? 1 : 2;
  let best: { field: LogFilterField; d: number } | undefined;
  for (const field of LOG_FILTER_FIELDS) {
    const d = editDistance(name, field);
    if (d <= allowed && (!best || d < best.d)) best = { field, d };
  }
  return best?.field;
}

/** Free text for the API's `q`: words as typed, phrases in quotes (the server splits on them). */
function queryTerm({ field, value, quoted }: Token): string {
  const text = field ? `${field}:${value}` : value;
  return quoted || /\s/.test(text) ? `"${text}"` : text;
}

/** A filter → the API's query parameters; throws with a message a person can act on. */
export function logFilterToParams(input: string): LogParams {
  const fields: Partial<Record<LogFilterField, string>> = {};
  const text: string[] = [];
  for (const t of tokens(input)) {
    const name = t.field?.toLowerCase() as LogFilterField | undefined;
    if (name && LOG_FILTER_FIELDS.includes(name)) {
      if (t.value === "") throw new Error(`${t.field}:"": give it a value, or leave the word out`);
      fields[name] = t.value;
      continue;
    }
    const meant = name && misspeltField(name);
    if (meant) {
      const word = `${t.field}:${t.quoted ? `"${t.value}"` : t.value}`;
      throw new Error(
        `${word}: no filter field "${t.field}" (did you mean ${meant}:?); known: ${LOG_FILTER_FIELDS.join(", ")}; to search for the text itself, quote it: "${t.field}:${t.value}"`,
      );
    }
    if (t.value !== "" || t.field) text.push(queryTerm(t));
  }
  return { ...fieldsToParams(fields), ...(text.length ? { q: text.join(" ") } : {}) };
}

function fieldsToParams(fields: Partial<Record<LogFilterField, string>>): LogParams {
  const { host, container, unit, identifier, regex, stream, level } = fields;
  const out: LogParams = { host, container, unit, identifier, regex };
  for (const k of Object.keys(out) as (keyof LogParams)[]) if (out[k] === undefined) delete out[k];
  if (stream) {
    if (stream !== "stdout" && stream !== "stderr")
      throw new Error(`stream:${stream}: expected stream:stdout or stream:stderr`);
    out.stream = stream;
  }
  if (level) {
    const p = /^[0-7]$/.test(level) ? Number(level) : PRIORITIES[level.toLowerCase()];
    if (p === undefined)
      throw new Error(`level:${level}: expected a level such as error, warning, info, debug or 0–7`);
    out.priority = p;
  }
  return out;
}
