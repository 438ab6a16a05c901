// Fields of structured log lines, kept as attributes: a JSON object (nested objects flattened to
// dotted keys, arrays kept as JSON text) or a logfmt line (`time=… level=info msg="a b"`).
// Everything is capped: a line may be hostile or just huge, and attributes are stored per line.

export interface StructuredLimits {
  /** Fields kept per line; the rest are dropped (and `fleetscope.fields_dropped` says how many). */
  maxFields: number;
  maxKeyLength: number;
  /** Longer values are cut (no marker: the body still holds the whole line). */
  maxValueLength: number;
  /** Lines longer than this are not parsed at all. */
  maxLineLength: number;
}

export const DEFAULT_STRUCTURED_LIMITS: StructuredLimits = {
  maxFields: 64,
  maxKeyLength: 128,
  maxValueLength: 4096,
  maxLineLength: 64 * 1024,
};

export const FIELDS_DROPPED_ATTRIBUTE = "fleetscope.fields_dropped";
/** Nesting deeper than this is kept as JSON text under the key reached so far. */
const MAX_DEPTH = 8;

/** The line's fields, or undefined when it is neither a JSON object nor a logfmt line. */
export function parseStructured(
  body: string,
  limits: StructuredLimits = DEFAULT_STRUCTURED_LIMITS,
): Record<string, string> | undefined {
  if (body.length < 3 || body.length > limits.maxLineLength) return undefined;
  const first = body.charCodeAt(0);
  if (first === 123 /* { */) return parseJsonObject(body, limits);
  if (isKeyStart(first) && body.includes("=")) return parseLogfmt(body, limits);
  return undefined;
}

class Fields {
  /** No prototype: a `__proto__` key is just a key. */
  readonly out: Record<string, string> = Object.create(null);
  count = 0;
  dropped = 0;
  readonly #limits: StructuredLimits;

  constructor(limits: StructuredLimits) {
    this.#limits = limits;
  }

  add(key: string, value: string): void {
    // A line cannot forge the collector's own attributes (truncation marks and the like).
    if (key === "" || key.length > this.#limits.maxKeyLength || key.startsWith("fleetscope.")) {
      this.dropped++;
      return;
    }
    if (this.count >= this.#limits.maxFields) {
      this.dropped++;
      return;
    }
    if (!Object.hasOwn(this.out, key)) this.count++;
    this.out[key] =
      value.length > this.#limits.maxValueLength ? value.slice(0, this.#limits.maxValueLength) : value;
  }

  result(): Record<string, string> | undefined {
    if (this.dropped > 0) this.out[FIELDS_DROPPED_ATTRIBUTE] = String(this.dropped);
    return this.count > 0 || this.dropped > 0 ? this.out : undefined;
  }
}

function parseJsonObject(body: string, limits: StructuredLimits): Record<string, string> | undefined {
  if (body.trimEnd().at(-1) !== "}") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const fields = new Fields(limits);
  flatten(value as Record<string, unknown>, "", 0, fields);
  return fields.result() ?? {};
}

function flatten(obj: Record<string, unknown>, prefix: string, depth: number, fields: Fields): void {
  for (const key in obj) {
    const v = obj[key];
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (path.length > 1024) {
      fields.dropped++;
    } else if (typeof v === "string") {
      fields.add(path, v);
    } else if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < MAX_DEPTH) {
      flatten(v as Record<string, unknown>, path, depth + 1, fields);
    } else {
      fields.add(path, JSON.stringify(v) ?? "null");
    }
  }
}

function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95; // a-z A-Z _
}

function isKeyChar(c: number): boolean {
  return isKeyStart(c) || (c >= 48 && c <= 57) || c === 46 || c === 45 || c === 47; // 0-9 . - /
}

/**
 * logfmt: space-separated `key=value` pairs, values bare or double-quoted with backslash escapes.
 * Only a line made entirely of at least two pairs counts: prose with one `a=b` in it is not logfmt.
 */
function parseLogfmt(body: string, limits: StructuredLimits): Record<string, string> | undefined {
  const fields = new Fields(limits);
  let pairs = 0;
  let i = 0;
  const n = body.length;
  while (i < n) {
    while (i < n && body.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    const keyStart = i;
    if (!isKeyStart(body.charCodeAt(i))) return undefined;
    while (i < n && isKeyChar(body.charCodeAt(i))) i++;
    if (body.charCodeAt(i) !== 61 /* = */) return undefined;
    const key = body.slice(keyStart, i);
    i++;
    let value: string;
    if (body.charCodeAt(i) === 34 /* " */) {
      const end = closingQuote(body, i + 1);
      if (end < 0) return undefined;
      value = unquote(body.slice(i + 1, end));
      i = end + 1;
      if (i < n && body.charCodeAt(i) !== 32) return undefined;
    } else {
      const end = body.indexOf(" ", i);
      value = body.slice(i, end < 0 ? n : end);
      if (value.includes('"')) return undefined;
      i = end < 0 ? n : end;
    }
    fields.add(key, value);
    pairs++;
  }
  return pairs >= 2 ? fields.result() : undefined;
}

function closingQuote(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34) return i;
  }
  return -1;
}

function unquote(s: string): string {
  if (!s.includes("\\")) return s;
  return s.replace(/\\(.)/gs, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}
