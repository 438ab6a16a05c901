// The labels `| json` and `| logfmt` take from a line, added to its stream's labels as Loki adds
// them (so Grafana shows them on each line and a stream is one label set). As Loki's parsers do:
// json flattens nested objects with `_` (arrays are skipped), logfmt takes key=value and
// key="quoted value"; a key is made a valid label name (every other character becomes `_`, a
// leading digit gets a `_` before it); a key that is already a stream label becomes
// `<key>_extracted`; a line json cannot read gets `__error__="JSONParserErr"`.
// Bounded against hostile lines: at most MAX_LABELS labels a line, nesting read MAX_DEPTH deep.
import type { LineParser } from "./logql-parse.ts";

const MAX_LABELS = 64;
const MAX_DEPTH = 8;

/** One key (or one level of a nested key) made label-safe: trimmed, every other code point `_`. */
const keyPart = (key: string) => key.trim().replace(/[^a-zA-Z0-9_]/gu, "_");

/** A key as a Prometheus label name; a leading digit gets a `_` before it. */
export function labelName(key: string): string {
  const name = keyPart(key);
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** The labels `parser` takes from `body`; `stream` are the line's stream labels (never overwritten). */
export function extractedLabels(
  body: string,
  parser: LineParser,
  stream: Record<string, string>,
): Record<string, string> {
  const pairs = parser === "json" ? jsonPairs(body) : logfmtPairs(body);
  if (!pairs) return { __error__: "JSONParserErr" };
  const out: Record<string, string> = {};
  let n = 0;
  for (const [key, value] of pairs) {
    if (n >= MAX_LABELS) break;
    const name = labelName(key);
    if (name === "" || value === "") continue;
    const label = name in stream ? `${name}_extracted` : name;
    if (!(label in out)) n++;
    out[label] = value;
  }
  return out;
}

/** A JSON object's leaves as [a_b_c, value]; undefined when the line is not a JSON object. */
function jsonPairs(body: string): [string, string][] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const out: [string, string][] = [];
  const walk = (o: Record<string, unknown>, prefix: string, depth: number) => {
    for (const [k, v] of Object.entries(o)) {
      if (out.length >= MAX_LABELS) return;
      // An all-whitespace parent adds no prefix (as Loki's parser).
      const part = keyPart(k);
      const key = prefix && part ? `${prefix}_${part}` : prefix || part;
      if (isObject(v)) {
        if (depth < MAX_DEPTH) walk(v, key, depth + 1);
      } else if (typeof v === "string") out.push([key, v]);
      else if (typeof v === "number" || typeof v === "boolean") out.push([key, String(v)]);
    }
  };
  walk(parsed, "", 1);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `key=value key="a \"quoted\" value"` pairs, in order; text that is no pair is passed over. */
function logfmtPairs(body: string): [string, string][] {
  const out: [string, string][] = [];
  const pair = /([^\s=]+)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g;
  for (let m = pair.exec(body); m && out.length < MAX_LABELS; m = pair.exec(body)) {
    const quoted = m[2];
    out.push([m[1] as string, quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : (m[3] ?? "")]);
  }
  return out;
}
