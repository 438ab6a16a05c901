// The filter syntax shared by `fleetscope logs` and the TUI's `/` box: words, where
// `field:value` words pick a field and the rest is free text, e.g.
//   host:web-1 container:api stream:stderr level:error connection refused
// A value with spaces can be quoted: container:api "connection refused".

export interface FilterWords {
  /** field → value, the last one winning; field names are lower-cased. */
  fields: Record<string, string>;
  /** The free-text words, joined by single spaces. */
  text: string;
}

/** Splits a filter into field words and free text; `known` fields only (others stay text). */
export function parseFilterWords(input: string, known?: readonly string[]): FilterWords {
  const fields: Record<string, string> = {};
  const text: string[] = [];
  const re = /(?:([A-Za-z][\w.-]*):)?(?:"([^"]*)"?|(\S+))/g;
  for (let m = re.exec(input); m; m = re.exec(input)) {
    const field = m[1]?.toLowerCase();
    const value = m[2] ?? m[3] ?? "";
    if (field && (!known || known.includes(field)) && value !== "") fields[field] = value;
    else if (field) text.push(`${m[1]}:${value}`);
    else if (value !== "") text.push(value);
  }
  return { fields, text: text.join(" ") };
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

export const LOG_FILTER_FIELDS = ["host", "container", "stream", "unit", "level"] as const;

/** Query parameters of GET /api/v1/logs (and /logs/count). */
export interface LogParams {
  host?: string;
  container?: string;
  stream?: string;
  unit?: string;
  priority?: number;
  q?: string;
}

/** A filter → the API's query parameters; throws with a message a person can act on. */
export function logFilterToParams(input: string): LogParams {
  const { fields, text } = parseFilterWords(input, LOG_FILTER_FIELDS);
  const out: LogParams = {};
  if (fields.host) out.host = fields.host;
  if (fields.container) out.container = fields.container;
  if (fields.unit) out.unit = fields.unit;
  if (fields.stream) {
    if (fields.stream !== "stdout" && fields.stream !== "stderr")
      throw new Error(`stream:${fields.stream}: expected stream:stdout or stream:stderr`);
    out.stream = fields.stream;
  }
  if (fields.level) {
    const p = /^[0-7]$/.test(fields.level) ? Number(fields.level) : PRIORITIES[fields.level.toLowerCase()];
    if (p === undefined)
      throw new Error(`level:${fields.level}: expected a level such as error, warning, info, debug or 0–7`);
    out.priority = p;
  }
  if (text) out.q = text;
  return out;
}
