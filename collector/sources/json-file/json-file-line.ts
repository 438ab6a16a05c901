// One line of Docker's json-file log driver:
//   {"log":"text\n","stream":"stdout","attrs":{"app":"x"},"time":"2026-11-22T02:22:03.265459213Z"}
// `attrs` is present only with `--log-opt labels=…/env=…`. A `log` not ending in "\n" is a
// partial piece of a line longer than 16 KiB (see partial-merger.ts).
import { newAttributes } from "../../../protocol/records.ts";

export interface JsonFileLine {
  /** The raw piece, trailing newline included when the line is complete. */
  log: string;
  /** stdout / stderr. */
  stream: string;
  /** RFC 3339 as docker wrote it (nanoseconds, trailing zeros trimmed); kept as a string. */
  time: string;
  attrs: Record<string, string>;
}

export type JsonFileLineResult = { ok: true; line: JsonFileLine } | { ok: false; error: string };

const RFC3339_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/;

/** Parses one json-file line (without its terminating newline). Never throws. */
export function parseJsonFileLine(text: string): JsonFileLineResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: "not a JSON object" };
  }
  const o = value as Record<string, unknown>;
  if (typeof o.log !== "string") return { ok: false, error: "missing or non-string `log`" };
  if (typeof o.stream !== "string") return { ok: false, error: "missing or non-string `stream`" };
  if (typeof o.time !== "string" || !RFC3339_PREFIX.test(o.time)) {
    return { ok: false, error: "missing or malformed `time`" };
  }
  return { ok: true, line: { log: o.log, stream: o.stream, time: o.time, attrs: toAttrs(o.attrs) } };
}

/** Docker writes attrs as string → string; anything else is stringified rather than dropped. */
function toAttrs(raw: unknown): Record<string, string> {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return {};
  const out: Record<string, string> = newAttributes();
  for (const [k, v] of Object.entries(raw)) out[k] = typeof v === "string" ? v : JSON.stringify(v);
  return out;
}

/** True for the final (or only) piece of a line: Docker ends only that one with "\n". */
export function isCompletePiece(line: JsonFileLine): boolean {
  return line.log.endsWith("\n");
}
